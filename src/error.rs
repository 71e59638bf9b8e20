//! Error policy.
//!
//! - Library crates (`connectors`, `tools`, `embedded-pg`) return `thiserror` enums that
//!   callers can branch on.
//! - Jobs, commands and start-up return `anyhow::Result`, adding `.context("while ...")` where
//!   the cause alone would not say what was being done.
//! - The HTTP layer answers every failure with one [`AppError`], rendered as
//!   `{"error": {"code": "...", "message": "..."}}`. Client errors say what was wrong; a 500
//!   is logged once, here, with its cause, and the client sees only a generic message.
//!   Extractors reject with `AppError` too ([`AppJson`]), so a malformed, oversized or
//!   mistyped body gets the same shape as everything else, never axum's plain text.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request is wrong; `status` is a 4xx and `message` is safe to show.
    #[error("{message}")]
    Client { status: StatusCode, message: String },
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

/// The one error body: `{"error": {"code", "message"}}`, with `code` the status in snake case.
pub fn error_response(status: StatusCode, message: &str) -> Response {
    let code = status
        .canonical_reason()
        .unwrap_or("error")
        .to_ascii_lowercase()
        .replace([' ', '-'], "_");
    let mut response = (
        status,
        Json(json!({ "error": { "code": code, "message": message } })),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `Json` whose rejection is an [`AppError`]: 400 for syntax, 422 for shape, 413 for size,
/// 415 for a missing content type.
pub struct AppJson<T>(pub T);

impl<T, S> FromRequest<S> for AppJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(rejection.into()),
        }
    }
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
