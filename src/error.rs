//! Error policy.
//!
//! - Library crates (`connectors`, `tools`, `embedded-pg`) return `thiserror` enums that
//!   callers can branch on.
//! - Jobs, commands and start-up return `anyhow::Result`, adding `.context("while ...")` where
//!   the cause alone would not say what was being done.
//! - The HTTP layer answers every failure with one [`AppError`], rendered as
//!   `{"error": {"code": "...", "message": "..."}}`. Client errors say what was wrong; a 500
//!   is logged once, here, with its cause, and the client sees only a generic message.
//!   Extractors reject with `AppError` too ([`AppJson`], and `http::extract` for paths and
//!   query strings), so a malformed, oversized or mistyped request gets the same shape as
//!   everything else, never axum's plain text.
//! - Text PostgreSQL cannot store is refused at the door: a JSON body holding NUL (`\u0000`,
//!   which no `text` or `jsonb` value can hold) gets 422, so no handler meets it.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request is wrong; `status` is a 4xx and `message` is safe to show.
    #[error("{message}")]
    Client { status: StatusCode, message: String },
    /// The body's values are wrong: 422 with what is wrong with each, by its dotted path in
    /// the body (`business_hours.weekly.mon.0.close`), so a form can show it by the field.
    #[error("{message}")]
    Invalid {
        message: String,
        fields: BTreeMap<String, String>,
    },
    /// Too many requests from this caller; try again after `retry_after` seconds.
    #[error("too many requests")]
    TooManyRequests { retry_after: u64 },
    /// A dependency (the database) cannot serve right now.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// Anything else: logged with its cause, shown as a bare 500.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn client(status: StatusCode, message: impl Into<String>) -> Self {
        debug_assert!(status.is_client_error());
        Self::Client {
            status,
            message: message.into(),
        }
    }

    /// 422 naming each wrong field.
    pub fn invalid(fields: BTreeMap<String, String>) -> Self {
        let message = match fields.len() {
            1 => "a value is not valid: see `fields`".to_owned(),
            n => format!("{n} values are not valid: see `fields`"),
        };
        Self::Invalid { message, fields }
    }

    pub fn not_found() -> Self {
        Self::client(StatusCode::NOT_FOUND, "no such resource")
    }

    pub fn method_not_allowed() -> Self {
        Self::client(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed for this resource",
        )
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Client { status, .. } => *status,
            Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                Self::Unavailable("database unreachable".into())
            }
            other => Self::Internal(other.into()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            Self::Client { message, .. } => message.clone(),
            Self::Invalid { message, fields } => {
                return with_body(
                    status,
                    json!({ "code": code_of(status), "message": message, "fields": fields }),
                );
            }
            Self::TooManyRequests { retry_after } => {
                let mut response = error_response(
                    status,
                    &format!("too many messages; try again in {retry_after} s"),
                );
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
                return response;
            }
            Self::Unavailable(reason) => {
                tracing::warn!(%reason, "answering 503");
                "temporarily unavailable, try again shortly".to_owned()
            }
            Self::Internal(cause) => {
                tracing::error!(error = ?cause, "internal error");
                "internal error".to_owned()
            }
        };
        error_response(status, &message)
    }
}

/// The one error body: `{"error": {"code", "message"}}`, with `code` the status in snake case
/// (and `fields` for [`AppError::Invalid`]).
pub fn error_response(status: StatusCode, message: &str) -> Response {
    with_body(
        status,
        json!({ "code": code_of(status), "message": message }),
    )
}

/// `status` in snake case: `unprocessable_entity`.
fn code_of(status: StatusCode) -> String {
    status
        .canonical_reason()
        .unwrap_or("error")
        .to_ascii_lowercase()
        .replace([' ', '-'], "_")
}

/// `{"error": error}`, never cached.
fn with_body(status: StatusCode, error: serde_json::Value) -> Response {
    let mut response = (status, Json(json!({ "error": error }))).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `Json` whose rejection is an [`AppError`]: 400 for syntax, 422 for shape or a NUL in any
/// string, 413 for size, 415 for a missing content type.
pub struct AppJson<T>(pub T);

impl<T, S> FromRequest<S> for AppJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !json_content_type(req.headers()) {
            return Err(AppError::client(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "expected a request with `Content-Type: application/json`",
            ));
        }
        // Buffered here (within the route's body limit), so that the text can be checked
        // for NULs once it has parsed.
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|rejection| AppError::client(rejection.status(), rejection.body_text()))?;
        let Json(value) = Json::<T>::from_bytes(&bytes)?;
        if holds_nul(&bytes) {
            return Err(AppError::client(
                StatusCode::UNPROCESSABLE_ENTITY,
                "text must not contain the NUL character (U+0000)",
            ));
        }
        Ok(Self(value))
    }
}

/// `application/json` or `application/<anything>+json`, as axum's `Json` accepts.
fn json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    kind.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case("json") || subtype.to_ascii_lowercase().ends_with("+json"))
}

/// Whether JSON text that parsed holds the escape `\u0000` (a raw NUL byte is not valid
/// JSON, so this is the only way one arrives). Escapes are skipped in pairs, so `\\u0000` (a
/// backslash, then the text `u0000`) is not mistaken for one.
fn holds_nul(json: &[u8]) -> bool {
    let mut i = 0;
    while i < json.len() {
        if json[i] == b'\\' {
            if json[i + 1..].starts_with(b"u0000") {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        Self::client(rejection.status(), rejection.body_text())
    }
}

impl<T: serde::Serialize> IntoResponse for AppJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_escapes_are_found_and_escaped_backslashes_are_not() {
        assert!(holds_nul(br#"{"text": "a\u0000b"}"#));
        assert!(holds_nul(br#"{"a\u0000": 1}"#));
        assert!(holds_nul(br#"["\\\u0000"]"#));
        assert!(!holds_nul(br#"{"text": "a\\u0000b"}"#));
        assert!(!holds_nul(br#"{"text": "u0000 \\"}"#));
        assert!(!holds_nul(br#"{"text": "trailing \"#));
    }
}
