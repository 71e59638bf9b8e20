//! Extractors whose rejections are [`AppError`]s, and the net under them.
//!
//! axum's own `Path` and `Query` answer a bad request in plain text ("Invalid URL: Cannot
//! parse `id` with value ..."), which a client reading our JSON errors cannot read. Handlers
//! take these instead:
//!
//! - [`Path`]: a path parameter that cannot be what the route expects (not a UUID, not a
//!   number, not UTF-8, holding NUL) names nothing: 404, like an id that names no row.
//! - [`Query`]: a duplicated, missing or mistyped parameter: 400; one holding NUL (`%00`,
//!   which PostgreSQL text cannot hold): 400.
//!
//! And [`json_errors`], on the whole router, turns any error answer that is still not JSON
//! (a body over a route's limit rejected by `Bytes`, axum's own 405) into our shape, so that
//! no plain text escapes whatever extractor a handler uses.

use axum::extract::{FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::error::{AppError, error_response};

/// axum's `Path`, answering 404 in our shape when a parameter cannot be parsed.
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let value = match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => value,
            // A route whose parameters do not fit its handler: our bug, not the client's.
            Err(rejection) if rejection.status().is_server_error() => {
                return Err(AppError::Internal(anyhow::anyhow!(
                    "path parameters: {}",
                    rejection.body_text()
                )));
            }
            Err(_) => return Err(AppError::not_found()),
        };
        // `Path<String>` parameters are decoded as given: one holding NUL names nothing either.
        let raw = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::not_found())?;
        if raw.iter().any(|(_, v)| v.contains('\0')) {
            return Err(AppError::not_found());
        }
        Ok(Self(value))
    }
}

/// axum's `Query`, answering 400 in our shape.
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        // `%00` is the only way a NUL arrives in a query (the URI itself cannot hold one).
        if parts.uri.query().is_some_and(|q| q.contains("%00")) {
            return Err(AppError::client(
                StatusCode::BAD_REQUEST,
                "query parameters must not contain the NUL character (%00)",
            ));
        }
        axum::extract::Query::<T>::try_from_uri(&parts.uri)
            .map(|axum::extract::Query(value)| Self(value))
            .map_err(|rejection| {
                // "Failed to deserialize query string: duplicate field `name`"
                AppError::client(StatusCode::BAD_REQUEST, rejection.body_text())
            })
    }
}

/// Middleware: an error answer that is not JSON (from an extractor used directly, a body
/// limit, axum's routing) is answered again in our shape, with its status, its message and
/// its other headers (`Allow`, `Retry-After`).
pub async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&response) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let message = if status.is_server_error() {
        let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
        tracing::error!(%status, body = %String::from_utf8_lossy(&text), "a plain-text error answer");
        "internal error".to_owned()
    } else {
        match axum::body::to_bytes(body, 4096).await {
            Ok(text) if !text.is_empty() => String::from_utf8_lossy(&text).into_owned(),
            _ => status
                .canonical_reason()
                .unwrap_or("bad request")
                .to_ascii_lowercase(),
        }
    };
    let mut answer = error_response(status, &message);
    for (name, value) in &parts.headers {
        // The body's own headers are the new body's now.
        if ![
            header::CONTENT_TYPE,
            header::CONTENT_LENGTH,
            header::CACHE_CONTROL,
        ]
        .contains(name)
        {
            answer.headers_mut().append(name, value.clone());
        }
    }
    answer.into_response()
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"))
}
