//! The store team's side of a conversation, as far as it goes yet: a reply written in the
//! embedded admin (App Bridge session token), stored and delivered live to the shopper's
//! widget on the conversation's stream, and mailed to the shopper's contact email when the
//! conversation has one ([`crate::mail::reply_to_shopper`]). The agents' inbox is built on
//! this.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use uuid::Uuid;

use super::CurrentShop;
use super::chat::MAX_MESSAGE_CHARS;
use super::extract::Path;
use crate::chat::events::ChatEvent;
use crate::chat::redact;
use crate::chat::store::{self, StoredMessage};
use crate::error::{AppError, AppJson};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/conversations/{id}/messages", post(reply))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Reply {
    text: String,
}

/// `POST /api/conversations/{id}/messages`: an agent's reply; the conversation becomes the
/// agents'.
#[tracing::instrument(skip_all, fields(shop = %shop.domain, conversation = %id))]
async fn reply(
    State(state): State<AppState>,
    shop: CurrentShop,
    Path(id): Path<Uuid>,
    AppJson(body): AppJson<Reply>,
) -> Result<(StatusCode, Json<StoredMessage>), AppError> {
    let text = body.text.trim();
    if text.is_empty() || text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(AppError::client(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("a reply holds 1 to {MAX_MESSAGE_CHARS} characters"),
        ));
    }
    let message = store::agent_reply(&state.db, shop.id, id, &redact::redact(text))
        .await?
        .ok_or_else(AppError::not_found)?;
    state
        .chat
        .hub
        .channel(shop.id, id)
        .push(ChatEvent::Message {
            message: message.clone(),
        });
    let mut tx = state.db.begin().await?;
    crate::mail::reply_to_shopper(
        &mut tx,
        &state.shopify,
        shop.id,
        &shop.domain,
        id,
        &message.text,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(message)))
}
