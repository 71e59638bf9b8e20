//! `CurrentShop`: the embedded admin's shop, from its verified session token to its `shops`
//! row. Admin handlers take one instead of looking the shop up themselves; a shop that is not
//! (or no longer) installed is refused here, once, with our JSON error.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use sqlx::PgPool;

use crate::error::AppError;
use crate::shopify::ShopDomain;
use crate::shopify::session_token::SessionToken;
use crate::state::AppState;

/// An installed shop, as its session token names it.
#[derive(Debug, Clone)]
pub struct CurrentShop {
    /// `shops.id`: every tenant row is keyed by it.
    pub id: i64,
    pub domain: ShopDomain,
    /// The staff member using the admin (the session token's `sub`), for the audit trail.
    pub staff: String,
}

impl FromRequestParts<AppState> for CurrentShop {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let session = SessionToken::from_request_parts(parts, state).await?;
        let id = installed_shop(&state.db, &session.shop)
            .await?
            .ok_or_else(|| {
                AppError::client(StatusCode::UNAUTHORIZED, "the shop is not installed")
            })?;
        Ok(Self {
            id,
            domain: session.shop,
            staff: session.claims.sub,
        })
    }
}

/// The id of `domain`'s shop if the app is installed there.
pub async fn installed_shop(db: &PgPool, domain: &ShopDomain) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT id FROM shops WHERE domain = $1 AND install_state = 'installed'",
        domain.as_str()
    )
    .fetch_optional(db)
    .await
}
