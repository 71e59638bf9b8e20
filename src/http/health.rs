//! Liveness, readiness and metrics endpoints for orchestrators and Prometheus.
//!
//! Metrics are not public: they name routes, volumes and the job queue's depth. They are
//! served on their own address (`CONCIERGE_METRICS_LISTEN`, [`metrics_router`]), kept where
//! only the scraper reaches it, and on the app's address only to a bearer of
//! `CONCIERGE_METRICS_TOKEN`; with neither set, `/metrics` is nowhere.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hmac::Mac;
use secrecy::ExposeSecret;
use serde_json::json;

use crate::error::AppError;
use crate::shopify::session_token::bearer;
use crate::shopify::signature::hmac_sha256;
use crate::state::AppState;

/// The probes' and Prometheus' routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(guarded_metrics))
}

/// The router of the metrics address: `/metrics` alone, to whoever reaches it.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .fallback(|| async { AppError::not_found() })
        .with_state(state)
}

/// `/metrics` on the app's address: only with the configured token.
async fn guarded_metrics(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let Some(expected) = &state.config.metrics_token else {
        return Err(AppError::not_found());
    };
    let given = bearer(&headers).unwrap_or_default();
    if !same_secret(given, expected.expose_secret()) {
        return Err(AppError::client(
            StatusCode::UNAUTHORIZED,
            "metrics need the metrics token as a bearer token",
        ));
    }
    Ok(metrics(State(state)).await)
}

/// Compares in constant time (as HMAC tags, so that lengths do not show either).
fn same_secret(given: &str, expected: &str) -> bool {
    let tag = |text: &str| {
        let mut mac = hmac_sha256(b"concierge metrics token");
        mac.update(text.as_bytes());
        mac
    };
    tag(given)
        .verify_slice(&tag(expected).finalize().into_bytes())
        .is_ok()
}

/// Alive: the process answers. Never touches dependencies, so a slow database does not get
/// healthy web nodes restarted.
async fn healthz() -> Response {
    axum::Json(json!({ "status": "ok" })).into_response()
}

/// Ready: the database answers and the schema is current; 503 otherwise, saying which.
async fn readyz(State(state): State<AppState>) -> Result<Response, AppError> {
    let pending = tokio::time::timeout(
        Duration::from_secs(2),
        crate::db::pending_migrations(&state.db),
    )
    .await
    .map_err(|_| AppError::Unavailable("database did not answer within 2 s".into()))?
    .map_err(|e| AppError::Unavailable(format!("database check failed: {e:#}")))?;
    if pending > 0 {
        return Ok((
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({
                "status": "migrations_pending",
                "database": "ok",
                "pending_migrations": pending,
            })),
        )
            .into_response());
    }
    Ok(
        axum::Json(json!({ "status": "ready", "database": "ok", "pending_migrations": 0 }))
            .into_response(),
    )
}

/// Prometheus text exposition: this process's request and job counters, plus the depth of
/// every job queue by status, read from the queue itself so it covers all workers.
async fn metrics(State(state): State<AppState>) -> Response {
    match crate::jobs::queue_depths(&state.db).await {
        Ok(depths) => {
            for (queue, status, count) in depths {
                metrics::gauge!("concierge_jobs", "queue" => queue, "status" => status)
                    .set(count as f64);
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot read job queue depths for /metrics"),
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}
