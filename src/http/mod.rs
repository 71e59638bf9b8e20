//! The HTTP surface: one module per area, each with its own `router()`; here they are
//! merged, wrapped in the middleware every request passes through, and served by `launch`.
//! Every answer carries `X-Content-Type-Options: nosniff`; an HTML answer without a
//! `Content-Security-Policy` of its own gets a policy that allows nothing.

mod app_home;
mod chat;
mod client;
mod current_shop;
mod extract;
mod health;
mod home;
mod inbox;
mod knowledge;
mod oauth;
mod playground;
mod settings;
mod shop;
mod webhooks;

pub use current_shop::CurrentShop;

use std::any::Any;
use std::future::IntoFuture;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::error::{AppError, error_response};
use crate::state::AppState;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The application's router with all middleware, ready to serve.
pub fn app(state: AppState) -> Router {
    let timeout = state.config.request_timeout;
    let max_body = state.config.max_body_bytes;
    Router::new()
        .merge(health::router())
        .merge(app_home::router())
        .merge(oauth::router())
        .merge(shop::router())
        .merge(knowledge::router())
        .merge(settings::router())
        .merge(home::router())
        .merge(playground::router())
        .merge(chat::router())
        .merge(inbox::router())
        .merge(webhooks::router())
        .fallback(|| async { AppError::not_found() })
        .method_not_allowed_fallback(|| async { AppError::method_not_allowed() })
        // Innermost, so that every rejection, whichever extractor made it, leaves as JSON.
        .layer(axum::middleware::from_fn(extract::json_errors))
        // Outside the routes, so that it answers preflights (OPTIONS) that no route has.
        .layer(axum::middleware::from_fn_with_state(state.clone(), chat::cors))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http().make_span_with(|req: &axum::extract::Request| {
                        let id = req
                            .headers()
                            .get(REQUEST_ID)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default();
                        tracing::info_span!("request", method = %req.method(), uri = %req.uri().path(), request_id = %id)
                    }),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(axum::middleware::from_fn(crate::telemetry::track_http))
                .layer(CatchPanicLayer::custom(panic_response))
                .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
                    AppError::Unavailable("request timed out".into())
                }))
                .timeout(timeout),
        )
        // Outermost, so that even a timeout's or a panic's answer carries them.
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            html_policy,
        ))
        .with_state(state)
}

/// The policy of an HTML answer that brings none of its own (a page that needs more, such as
/// the embedded App Home, sets its own and keeps it): nothing loads, nothing frames it.
const HTML_POLICY: HeaderValue = HeaderValue::from_static(
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
);

fn html_policy(response: &Response) -> Option<HeaderValue> {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|t| t.to_str().ok())
        .is_some_and(|t| t.trim_start().to_ascii_lowercase().starts_with("text/html"))
        .then_some(HTML_POLICY)
}

fn panic_response(_: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    error_response(StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
}

/// Binds the configured listen address (`serve`, `demo`).
pub async fn bind(config: &crate::config::Config) -> anyhow::Result<TcpListener> {
    use anyhow::Context as _;
    TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("while binding CONCIERGE_LISTEN={}", config.listen))
}

/// Binds `CONCIERGE_METRICS_LISTEN`, if it is set.
pub async fn bind_metrics(config: &crate::config::Config) -> anyhow::Result<Option<TcpListener>> {
    use anyhow::Context as _;
    let Some(address) = config.metrics_listen else {
        return Ok(None);
    };
    let listener = TcpListener::bind(address)
        .await
        .with_context(|| format!("while binding CONCIERGE_METRICS_LISTEN={address}"))?;
    Ok(Some(listener))
}

/// Serves `/metrics` alone on `listener` (the metrics address) until `shutdown`.
pub async fn launch_metrics(
    listener: TcpListener,
    state: AppState,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    axum::serve(listener, health::metrics_router(state))
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await
}

/// Serves `state`'s app on `listener` until `shutdown` is cancelled, then lets in-flight
/// requests, and answers still being written, finish for the configured grace period.
pub async fn launch(
    listener: TcpListener,
    state: AppState,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let grace = state.config.shutdown_grace;
    let turns = state.chat.tasks.clone();
    // Streamed answers are many small writes: without TCP_NODELAY each waits for the
    // client's delayed ACK (40 ms on Linux).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "TCP_NODELAY");
        }
    });
    // As a make-service, each connection shares the one router. (Served directly, axum
    // rebuilds its route table for every connection: ~20 KB each, held by every open stream.)
    let server = axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown.clone().cancelled_owned())
    .into_future();
    let drained = async {
        let result = server.await;
        turns.close();
        turns.wait().await;
        result
    };
    tokio::select! {
        result = drained => result,
        () = async { shutdown.cancelled().await; tokio::time::sleep(grace).await } => {
            tracing::warn!(?grace, "requests or answers still open after the grace period; closing them");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::response::Html;
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    #[tokio::test]
    async fn html_gets_a_policy_unless_it_has_its_own() {
        let own = "default-src 'self'";
        let router = Router::new()
            .route("/page", get(|| async { Html("<p>hi</p>") }))
            .route(
                "/own",
                get(move || async move {
                    ([(header::CONTENT_SECURITY_POLICY, own)], Html("<p>hi</p>"))
                }),
            )
            .route("/json", get(|| async { axum::Json(1) }))
            .layer(SetResponseHeaderLayer::if_not_present(
                header::CONTENT_SECURITY_POLICY,
                html_policy,
            ));
        let policy = |path: &'static str| {
            let router = router.clone();
            async move {
                let request = axum::extract::Request::get(path)
                    .body(Body::empty())
                    .map_err(|e| e.to_string())?;
                let response = router.oneshot(request).await.map_err(|e| e.to_string())?;
                Ok::<_, String>(
                    response
                        .headers()
                        .get(header::CONTENT_SECURITY_POLICY)
                        .map(|v| v.to_str().unwrap_or_default().to_owned()),
                )
            }
        };
        assert_eq!(
            policy("/page").await,
            Ok(Some(HTML_POLICY.to_str().unwrap_or_default().to_owned()))
        );
        assert_eq!(policy("/own").await, Ok(Some(own.to_owned())));
        assert_eq!(policy("/json").await, Ok(None));
    }
}
