//! The admin's playground (session-token auth): the merchant chats with their own assistant,
//! as an anonymous shopper or as one of their customers, through the same chat API, engine
//! and settings as the storefront, and sees how each answer was made.
//!
//! - `GET /api/playground/customers`: customers to chat as (the Admin API's first page);
//! - `POST /api/playground/sessions` `{"customer_id": 123|null}`: a visitor token as
//!   `/proxy/session` gives one, minted for this shop on the merchant's own authority (the
//!   session token) and marked as the playground's: its conversations stay out of the
//!   statistics, and it may call `/chat/*` from the app's own origin;
//! - `GET /api/playground/conversations/{id}/trace`: per turn, the model, latency, tokens and
//!   cost, every tool call with its arguments and result, and the passages retrieved with
//!   their scores, from what the engine stored (`turns`, `tool_calls`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::chat::session_response;
use super::current_shop::CurrentShop;
use super::extract::Path;
use crate::chat::settings::ShopSettings;
use crate::chat::visitor::Visitor;
use crate::error::{AppError, AppJson};
use crate::shopify::admin::queries::{PlaygroundCustomers, playground_customers};
use crate::state::AppState;

/// Customers offered to chat as.
const CUSTOMERS: i64 = 25;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/playground/customers", get(customers))
        .route("/api/playground/sessions", post(session))
        .route("/api/playground/conversations/{id}/trace", get(trace))
}

#[tracing::instrument(skip_all, fields(shop = %current.domain))]
async fn customers(
    State(state): State<AppState>,
    current: CurrentShop,
) -> Result<Json<Value>, AppError> {
    let token = state
        .access_token(&current.domain)
        .await
        .map_err(|e| AppError::Unavailable(e.to_string()))?;
    let data = state
        .admin
        .query::<PlaygroundCustomers>(
            &current.domain,
            &token,
            playground_customers::Variables { first: CUSTOMERS },
        )
        .await
        .map_err(|e| AppError::Unavailable(format!("the Admin API: {e}")))?;
    let customers: Vec<Value> = data
        .customers
        .nodes
        .into_iter()
        .filter_map(|c| {
            let id: u64 = c.id.rsplit('/').next()?.parse().ok()?;
            Some(json!({
                "id": id,
                "name": c.display_name,
                "email": c.default_email_address.map(|e| e.email_address),
            }))
        })
        .collect();
    Ok(Json(json!({ "customers": customers })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewSession {
    #[serde(default)]
    customer_id: Option<u64>,
}

#[tracing::instrument(skip_all, fields(shop = %current.domain))]
async fn session(
    State(state): State<AppState>,
    current: CurrentShop,
    AppJson(body): AppJson<NewSession>,
) -> Result<Response, AppError> {
    if body.customer_id == Some(0) {
        return Err(AppError::client(
            StatusCode::UNPROCESSABLE_ENTITY,
            "customer_id must be a customer's numeric id",
        ));
    }
    let settings = ShopSettings::load(&state.db, current.id).await?;
    let visitor = Visitor {
        shop_id: current.id,
        shop: current.domain.clone(),
        visitor_id: Uuid::new_v4(),
        customer_id: body.customer_id.map(|id| id.to_string()),
        playground: true,
    };
    Ok(session_response(&state, &visitor, &settings, None))
}

/// `GET /api/playground/conversations/{id}/trace`: a playground conversation's turns, oldest
/// first (a storefront conversation is not traced here: 404).
#[tracing::instrument(skip_all, fields(shop = %current.domain))]
async fn trace(
    State(state): State<AppState>,
    current: CurrentShop,
    Path(id): Path<Uuid>,
) -> Result<Json<Value>, AppError> {
    let shop = current.id;
    let playground = sqlx::query_scalar!(
        "SELECT playground FROM conversations WHERE shop_id = $1 AND id = $2",
        shop,
        id
    )
    .fetch_optional(&state.db)
    .await?;
    if playground != Some(true) {
        return Err(AppError::not_found());
    }
    let turns = sqlx::query!(
        r#"SELECT t.id, t.status, t.model, t.responder, t.prompt_tokens, t.completion_tokens,
                  t.cost_usd::float8 AS cost_usd, t.latency_ms, t.first_token_ms, t.error,
                  q.content AS question, a.content AS "answer?"
           FROM turns t
           JOIN messages q ON q.shop_id = t.shop_id AND q.id = t.question_id
           LEFT JOIN messages a ON a.shop_id = t.shop_id AND a.id = t.answer_id
           WHERE t.shop_id = $1 AND t.conversation_id = $2
           ORDER BY t.id"#,
        shop,
        id
    )
    .fetch_all(&state.db)
    .await?;
    let ids: Vec<i64> = turns.iter().map(|t| t.id).collect();
    let calls = sqlx::query!(
        "SELECT turn_id, tool, arguments, outcome, result, duration_ms FROM tool_calls
         WHERE shop_id = $1 AND turn_id = ANY($2) ORDER BY id",
        shop,
        &ids
    )
    .fetch_all(&state.db)
    .await?;
    let turns: Vec<Value> = turns
        .into_iter()
        .map(|turn| {
            let mine: Vec<_> = calls.iter().filter(|c| c.turn_id == turn.id).collect();
            let passages: Vec<Value> = mine
                .iter()
                .filter(|c| c.tool == tools::SEARCH_KNOWLEDGE && c.outcome == "ok")
                .filter_map(|c| c.result.as_ref()?.get("passages")?.as_array().cloned())
                .flatten()
                .map(|p| {
                    json!({
                        "title": p["title"],
                        "url": p["url"],
                        "snippet": p["text"],
                        "score": p["score"],
                    })
                })
                .collect();
            json!({
                "question": turn.question,
                "answer": turn.answer,
                "status": turn.status,
                "error": turn.error,
                "model": turn.model.unwrap_or(turn.responder),
                "latency_ms": turn.latency_ms,
                "first_token_ms": turn.first_token_ms,
                "cost_usd": turn.cost_usd,
                "tokens": {"input": turn.prompt_tokens, "output": turn.completion_tokens},
                "tool_calls": mine.iter().map(|c| json!({
                    "name": c.tool,
                    "arguments": c.arguments,
                    "result": c.result,
                    "ms": c.duration_ms,
                    "ok": c.outcome == "ok",
                    "outcome": c.outcome,
                })).collect::<Vec<_>>(),
                "passages": passages,
            })
        })
        .collect();
    Ok(Json(json!({ "turns": turns })))
}
