//! The embedded admin's entry point. `GET /api/shop`, called by the app inside the Shopify
//! admin with an App Bridge session token, answers the shop's status; when the shop has no
//! usable credentials yet (a managed install, or after a reinstall) it first trades the
//! session token for an expiring offline access token (token exchange).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::error::AppError;
use crate::shopify::InstallState;
use crate::shopify::session_token::SessionToken;
use crate::shopify::tokens::{
    OFFLINE_TOKEN, TokenError, request_grant, store_grant, token_exchange,
};
use crate::state::AppState;

/// The embedded admin's entry route.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/shop", get(shop))
}

#[tracing::instrument(skip_all, fields(shop = %session.shop))]
async fn shop(
    State(state): State<AppState>,
    session: SessionToken,
) -> Result<Json<Value>, AppError> {
    let shop = &session.shop;
    match state.access_token(shop).await {
        Ok(_) => {}
        Err(TokenError::NoCredentials | TokenError::Refused(_)) => {
            let grant = request_grant(
                &state.http,
                &state.shopify,
                shop,
                &token_exchange(session.raw.expose_secret(), OFFLINE_TOKEN),
            )
            .await
            .map_err(|e| match e {
                TokenError::Refused(_) => AppError::client(StatusCode::UNAUTHORIZED, e.to_string()),
                other => AppError::Unavailable(other.to_string()),
            })?;
            let mut tx = state.db.begin().await?;
            let shop_id = store_grant(&mut tx, &state.keyring, shop, &grant).await?;
            crate::jobs::on_install(&mut tx, shop_id).await?;
            tx.commit().await?;
            tracing::info!("installed by token exchange");
        }
        Err(TokenError::Unavailable(reason)) => return Err(AppError::Unavailable(reason)),
        Err(e) => return Err(AppError::Internal(e.into())),
    }
    let row = sqlx::query!(
        r#"SELECT domain, install_state AS "install_state: InstallState", scopes, installed_at
           FROM shops WHERE domain = $1"#,
        shop.as_str()
    )
    .fetch_one(&state.db)
    .await?;
    Ok(Json(json!({
        "shop": row.domain,
        "install_state": row.install_state,
        "scopes": row.scopes,
        "installed_at": row.installed_at,
    })))
}
