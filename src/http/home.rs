//! The admin's home page (`GET /api/home`, session-token auth): how far the first sync has
//! come, the onboarding checklist, the link that opens the theme editor with the app embed
//! switched on, and the last seven days in figures.
//!
//! The figures count the shop's shoppers only: conversations the merchant held in the
//! playground are left out.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::current_shop::CurrentShop;
use crate::chat::settings::ShopSettings;
use crate::error::AppError;
use crate::knowledge::sources::{self, Kind, Source, Status};
use crate::shopify::ShopDomain;
use crate::shopify::admin::queries::ShopName;
use crate::state::AppState;

/// How recent a storefront session must be for the widget to count as switched on.
const WIDGET_SEEN_DAYS: i32 = 30;
/// The figures' window.
const STATS_DAYS: i32 = 7;
/// The app embed block's handle (`theme-extension/blocks/concierge.liquid`).
const EMBED_BLOCK: &str = "concierge";

pub fn router() -> Router<AppState> {
    Router::new().route("/api/home", get(home))
}

#[tracing::instrument(skip_all, fields(shop = %current.domain))]
async fn home(
    State(state): State<AppState>,
    current: CurrentShop,
) -> Result<Json<Value>, AppError> {
    let shop = current.id;
    let (sources, row, stats, name) = tokio::join!(
        sources::list(&state.db, shop),
        sqlx::query!(
            r#"SELECT settings,
                      coalesce(widget_seen_at > now() - make_interval(days => $2), false) AS "widget!",
                      EXISTS (SELECT 1 FROM conversations WHERE shop_id = $1) AS "conversed!"
               FROM shops WHERE id = $1"#,
            shop,
            WIDGET_SEEN_DAYS,
        )
        .fetch_one(&state.db),
        stats(&state, shop),
        shop_name(&state, &current.domain),
    );
    let (sources, row, stats) = (sources?, row?, stats?);
    let (percent, done) = progress(&sources);
    let settings = ShopSettings::from_json(&row.settings);
    Ok(Json(json!({
        "shop": { "domain": current.domain.as_str(), "name": name },
        "sync": { "percent": percent, "done": done, "sources": sources },
        "checklist": {
            "widget_enabled": row.widget,
            "knowledge_synced": done,
            "assistant_named": settings.assistant_name != ShopSettings::default().assistant_name,
            "test_conversation": row.conversed,
        },
        "theme_editor_url": format!(
            "{}/admin/themes/current/editor?context=apps&activateAppId={}/{EMBED_BLOCK}",
            state.shopify.shop_base(current.domain.as_str()),
            state.shopify.api_key,
        ),
        "stats": stats,
    })))
}

/// The first sync's progress over the sources that sync (files and FAQ entries are indexed as
/// they arrive): a source done (or failed: its error says why) counts whole, one under way
/// by what it has processed of what it has seen. Done when none is queued or syncing and
/// each has synced once.
fn progress(sources: &[Source]) -> (u8, bool) {
    let syncing: Vec<&Source> = sources
        .iter()
        .filter(|s| !matches!(s.kind, Kind::Files | Kind::Faq))
        .collect();
    if syncing.is_empty() {
        return (0, false);
    }
    let share = |s: &Source| match s.status {
        Status::Idle if s.last_synced_at.is_some() => 1.0,
        Status::Failed => 1.0,
        Status::Syncing if s.seen > 0 => {
            (f64::from(s.processed + s.failed) / f64::from(s.seen)).min(0.99)
        }
        _ => 0.0,
    };
    let total: f64 = syncing.iter().map(|s| share(s)).sum();
    let percent = (100.0 * total / syncing.len() as f64).floor();
    let done = syncing.iter().all(|s| share(s) >= 1.0);
    (percent.clamp(0.0, 100.0) as u8, done)
}

/// The last [`STATS_DAYS`] days: conversations begun, their messages, those the assistant
/// settled alone, those handed to a person, and the shoppers' average rating.
async fn stats(state: &AppState, shop: i64) -> Result<Value, sqlx::Error> {
    let row = sqlx::query!(
        r#"WITH recent AS (
               SELECT id, owner, csat FROM conversations
               WHERE shop_id = $1 AND NOT playground
                 AND created_at > now() - make_interval(days => $2)
           )
           SELECT (SELECT count(*) FROM recent) AS "conversations!",
                  (SELECT count(*) FROM messages m JOIN recent r ON m.conversation_id = r.id
                   WHERE m.shop_id = $1) AS "messages!",
                  (SELECT count(*) FROM recent r WHERE r.owner = 'ai' AND EXISTS (
                       SELECT 1 FROM turns t WHERE t.shop_id = $1 AND t.conversation_id = r.id
                         AND t.status = 'answered')) AS "ai_resolved!",
                  (SELECT count(*) FROM recent WHERE owner <> 'ai') AS "handoffs!",
                  (SELECT avg(csat)::float8 FROM recent) AS csat_average"#,
        shop,
        STATS_DAYS,
    )
    .fetch_one(&state.db)
    .await?;
    Ok(json!({
        "days": STATS_DAYS,
        "conversations": row.conversations,
        "messages": row.messages,
        "ai_resolved": row.ai_resolved,
        "handoffs": row.handoffs,
        "csat_average": row.csat_average,
    }))
}

/// The shop's name from the Admin API; its myshopify handle if Shopify cannot be asked now
/// (the page still shows).
async fn shop_name(state: &AppState, shop: &ShopDomain) -> String {
    let fallback = || shop.as_str().trim_end_matches(".myshopify.com").to_owned();
    let Ok(token) = state.access_token(shop).await else {
        return fallback();
    };
    match state
        .admin
        .query::<ShopName>(
            shop,
            &token,
            crate::shopify::admin::queries::shop_name::Variables,
        )
        .await
    {
        Ok(data) => data.shop.name,
        Err(error) => {
            tracing::warn!(%error, "could not read the shop's name");
            fallback()
        }
    }
}
