//! Liveness, readiness and metrics endpoints for orchestrators and Prometheus.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::error::AppError;
use crate::state::AppState;

/// The probes' and Prometheus' routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
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
