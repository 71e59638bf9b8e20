//! The assistant's settings for the embedded admin (session-token auth), documented in
//! `docs/admin-api.yaml`:
//!
//! - `GET /api/settings`: the settings as `PUT` takes them (the model key shown only as
//!   `api_key_set`), and when they were last saved;
//! - `PUT /api/settings`: a whole settings body, checked whole (422 naming every wrong field),
//!   stored with its audit row in one transaction; the next turn and the widget's next
//!   session use it;
//! - `POST /api/settings/model/test`: one real call to a model endpoint, saved or not;
//! - `GET /api/settings/audit`: who changed what, when, from what to what.
//!
//! A shop's model endpoint is called by the server, so its address must be public (as a
//! crawl's), unless `CONCIERGE_CRAWL_PRIVATE_ADDRESSES` lets tests and local models through.
//! The check is made when the address is saved and tested; the key is sealed at once and is
//! never part of any answer, log line or audit row.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use llm::{ChatModel, Message, ModelEvent, ModelRequest, OpenAiChat};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::current_shop::CurrentShop;
use super::extract::Query;
use crate::chat::model::{self, key_set, load_key};
use crate::chat::settings::form::{self, FieldErrors, KeyChange, ModelForm, SettingsForm};
use crate::chat::settings::{ModelChoice, ShopSettings, merged};
use crate::error::{AppError, AppJson};
use crate::state::AppState;

/// How long a connection test may take in all.
const TEST_TIMEOUT: Duration = Duration::from_secs(20);
/// Characters of the test's reply shown.
const REPLY_CHARS: usize = 200;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/settings", get(show).put(save))
        .route("/api/settings/model/test", post(test_model))
        .route("/api/settings/audit", get(audit))
}

/// The settings as the admin shows them: the model key only as whether one is set.
fn view(settings: &ShopSettings, key_set: bool) -> Value {
    let mut shown = settings.to_json();
    if let Some(model) = shown.get_mut("model").and_then(Value::as_object_mut) {
        model.insert("api_key_set".into(), Value::Bool(key_set));
    }
    shown
}

#[tracing::instrument(skip_all, fields(shop = %current.domain))]
async fn show(
    State(state): State<AppState>,
    current: CurrentShop,
) -> Result<Json<Value>, AppError> {
    let row = sqlx::query!(
        "SELECT settings, settings_updated_at FROM shops WHERE id = $1",
        current.id
    )
    .fetch_one(&state.db)
    .await?;
    let key = key_set(&state.db, current.id).await?;
    Ok(Json(json!({
        "settings": view(&ShopSettings::from_json(&row.settings), key),
        "updated_at": row.settings_updated_at,
    })))
}

#[tracing::instrument(skip_all, fields(shop = %current.domain))]
async fn save(
    State(state): State<AppState>,
    current: CurrentShop,
    AppJson(body): AppJson<Value>,
) -> Result<Json<Value>, AppError> {
    let valid = form::parse::<SettingsForm>(body)
        .and_then(SettingsForm::validate)
        .map_err(AppError::invalid)?;
    reachable_model(&state, &valid.settings.model).await?;
    let mut tx = state.db.begin().await?;
    let row = sqlx::query!(
        "SELECT settings, settings_updated_at FROM shops WHERE id = $1 FOR UPDATE",
        current.id
    )
    .fetch_one(&mut *tx)
    .await?;
    let before = ShopSettings::from_json(&row.settings);
    let mut after = valid.settings;
    after.storefront_domains = before.storefront_domains.clone();
    let had_key = key_set(&mut *tx, current.id).await?;
    let key_changed = match &valid.key {
        KeyChange::Keep => false,
        KeyChange::Set(key) => {
            model::store_key(&mut tx, &state.keyring, current.id, &current.domain, key).await?;
            true
        }
        KeyChange::Clear => {
            model::clear_key(&mut tx, current.id).await?;
            had_key
        }
    };
    let has_key = key_set(&mut *tx, current.id).await?;
    let (old, new) = (view(&before, had_key), view(&after, has_key));
    let mut fields = changed(&old, &new);
    if key_changed && !fields.iter().any(|f| f == "model") {
        fields.push("model".into());
    }
    if fields.is_empty() {
        return Ok(Json(
            json!({ "settings": new, "updated_at": row.settings_updated_at }),
        ));
    }
    let saved = sqlx::query_scalar!(
        r#"UPDATE shops SET settings = $2, settings_updated_at = now() WHERE id = $1
           RETURNING settings_updated_at AS "at!""#,
        current.id,
        merged(&row.settings, &after),
    )
    .fetch_one(&mut *tx)
    .await?;
    let recorded: Vec<String> = fields
        .iter()
        .map(|f| match f.as_str() {
            "model" if key_changed => "model.api_key".to_owned(),
            other => other.to_owned(),
        })
        .collect();
    sqlx::query!(
        "INSERT INTO settings_audit (shop_id, actor, fields, before, after)
         VALUES ($1, $2, $3, $4, $5)",
        current.id,
        current.staff,
        &recorded,
        only(&old, &fields),
        only(&new, &fields),
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(fields = ?recorded, "settings saved");
    Ok(Json(json!({ "settings": new, "updated_at": saved })))
}

/// The top-level settings whose values differ.
fn changed(before: &Value, after: &Value) -> Vec<String> {
    let empty = Map::new();
    let before = before.as_object().unwrap_or(&empty);
    let after = after.as_object().unwrap_or(&empty);
    after
        .iter()
        .filter(|(key, value)| before.get(*key) != Some(value))
        .map(|(key, _)| key.clone())
        .collect()
}

/// `settings` restricted to `fields`.
fn only(settings: &Value, fields: &[String]) -> Value {
    Value::Object(
        fields
            .iter()
            .filter_map(|f| Some((f.clone(), settings.get(f)?.clone())))
            .collect(),
    )
}

/// Refuses (422, on `model.base_url`) an endpoint the server must not call: one inside the
/// machine or its network, as for crawls.
async fn reachable_model(state: &AppState, choice: &ModelChoice) -> Result<(), AppError> {
    let ModelChoice::OpenAi { base_url, .. } = choice else {
        return Ok(());
    };
    let allow_private = state.config.crawl_private_addresses;
    let refuse = |message: &str| {
        AppError::invalid(BTreeMap::from([(
            "model.base_url".to_owned(),
            message.to_owned(),
        )]))
    };
    let url = reqwest::Url::parse(base_url).map_err(|_| refuse("an http(s) URL"))?;
    if allow_private {
        return Ok(());
    }
    if connectors::crawl::guard::check_host(&url, false).is_err() {
        return Err(refuse("a public address: the app's server calls it"));
    }
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or(443);
    let addresses: Vec<_> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| refuse("this host name does not resolve"))?
        .collect();
    if addresses
        .iter()
        .any(|a| !connectors::crawl::guard::is_public(a.ip()))
    {
        return Err(refuse("a public address: the app's server calls it"));
    }
    Ok(())
}

/// `POST /api/settings/model/test`: one real call, so the merchant knows before saving.
#[tracing::instrument(skip_all, fields(shop = %current.domain))]
async fn test_model(
    State(state): State<AppState>,
    current: CurrentShop,
    AppJson(body): AppJson<Value>,
) -> Result<Json<Value>, AppError> {
    let mut errors = FieldErrors::new();
    let choice = form::parse::<ModelForm>(body)
        .map_err(|e| AppError::invalid(e.into_iter().map(|(k, v)| (prefixed(&k), v)).collect()))?
        .validate(&mut errors);
    let Some((choice, key)) = choice else {
        return Err(AppError::invalid(errors));
    };
    reachable_model(&state, &choice).await?;
    let (chat, name): (Box<dyn ChatModel>, String) = match &choice {
        ModelChoice::Local => (
            Box::new(local_responder::LocalResponder::new()),
            local_responder::NAME.to_owned(),
        ),
        ModelChoice::OpenAi { base_url, model } => {
            let key = match key {
                KeyChange::Set(key) => Some(key),
                KeyChange::Clear => None,
                KeyChange::Keep => load_key(&state.db, &state.keyring, current.id, &current.domain)
                    .await
                    .map_err(AppError::Internal)?,
            };
            let endpoint = model::endpoint(base_url, model, key).with_timeout(TEST_TIMEOUT / 2);
            match OpenAiChat::new(endpoint) {
                Ok(chat) => (Box::new(chat), model.clone()),
                Err(error) => return Ok(Json(json!({ "ok": false, "error": error.to_string() }))),
            }
        }
    };
    Ok(Json(run_test(chat.as_ref(), &name).await))
}

/// `model` (a field of the test body's own) as the settings body names it.
fn prefixed(path: &str) -> String {
    if path.is_empty() {
        "model".to_owned()
    } else {
        format!("model.{path}")
    }
}

async fn run_test(chat: &dyn ChatModel, name: &str) -> Value {
    let request = ModelRequest {
        messages: vec![
            Message::system("You are checking a connection. Answer in one short sentence."),
            Message::user("Hello! Please reply with a short greeting."),
        ],
        tools: Vec::new(),
        temperature: None,
    };
    let started = Instant::now();
    let mut ignore = |_: ModelEvent| {};
    let outcome = tokio::time::timeout(TEST_TIMEOUT, chat.stream(&request, &mut ignore)).await;
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    match outcome {
        Ok(Ok(turn)) => json!({
            "ok": true,
            "latency_ms": latency_ms,
            "model": if turn.model.is_empty() { name.to_owned() } else { turn.model },
            "reply": turn.text.chars().take(REPLY_CHARS).collect::<String>(),
        }),
        Ok(Err(error)) => json!({ "ok": false, "error": error.to_string() }),
        Err(_) => json!({
            "ok": false,
            "error": format!("no answer within {} s", TEST_TIMEOUT.as_secs()),
        }),
    }
}

#[derive(Deserialize)]
struct AuditQuery {
    limit: Option<i64>,
}

/// `GET /api/settings/audit?limit=50`: the newest changes first.
#[tracing::instrument(skip_all, fields(shop = %current.domain))]
async fn audit(
    State(state): State<AppState>,
    current: CurrentShop,
    Query(query): Query<AuditQuery>,
) -> Result<Json<Value>, AppError> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(AppError::client(
            axum::http::StatusCode::BAD_REQUEST,
            "limit must be 1 to 200",
        ));
    }
    let changes: Vec<Value> = sqlx::query!(
        "SELECT actor, fields, before, after, created_at FROM settings_audit
         WHERE shop_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        current.id,
        limit
    )
    .fetch_all(&state.db)
    .await?
    .into_iter()
    .map(|row| {
        json!({
            "at": row.created_at,
            "actor": row.actor,
            "fields": row.fields,
            "before": row.before,
            "after": row.after,
        })
    })
    .collect();
    Ok(Json(json!({ "changes": changes })))
}
