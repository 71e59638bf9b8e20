//! The merchant's knowledge API, for the embedded admin (session-token auth):
//!
//! - `GET /api/sources`: every source with its sync status and progress;
//! - `POST /api/sources` `{"kind": "web", "url": ...}`: adds a site to crawl and crawls it;
//! - `POST /api/sources/{id}/sync`: syncs a source again;
//! - `DELETE /api/sources/{id}`: removes a crawled site (and what it contributed);
//! - `POST /api/faq` `{"question", "answer"}`: adds a FAQ entry, searchable on return;
//! - `DELETE /api/faq/{id}`: removes one;
//! - `POST /api/files?name=guide.pdf` (the file as the body): stores the upload and queues
//!   its ingest; `GET /api/sources` shows its progress.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::current_shop::CurrentShop;
use super::extract::{Path, Query};
use crate::error::{AppError, AppJson};
use crate::jobs::{IngestUpload, enqueue, queue_sync};
use crate::knowledge::sources::{self, Kind};
use crate::state::AppState;

/// The largest file accepted (the PDF parser's own limit).
const MAX_UPLOAD_BYTES: usize = connectors::files::MAX_PDF_BYTES;
/// The longest source URL, as browsers and sitemaps (2,048) keep them.
const MAX_URL_BYTES: usize = 2_048;
/// FAQ entries: question and answer lengths.
const MAX_QUESTION_CHARS: usize = 500;
const MAX_ANSWER_CHARS: usize = 10_000;

/// The knowledge routes of the embedded admin.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/sources", get(list).post(create))
        .route("/api/sources/{id}", delete(remove))
        .route("/api/sources/{id}/sync", post(sync))
        .route("/api/faq", post(add_faq))
        .route("/api/faq/{id}", delete(delete_faq))
        .route(
            "/api/files",
            post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
}

#[tracing::instrument(skip_all, fields(shop = %current.domain))]
async fn list(
    State(state): State<AppState>,
    current: CurrentShop,
) -> Result<Json<Value>, AppError> {
    let shop = current.id;
    let sources = sources::list(&state.db, shop).await?;
    Ok(Json(json!({ "sources": sources })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewSource {
    kind: String,
    url: String,
}

#[tracing::instrument(skip_all, fields(shop = %current.domain))]
async fn create(
    State(state): State<AppState>,
    current: CurrentShop,
    AppJson(body): AppJson<NewSource>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let shop = current.id;
    if body.kind != Kind::Web.as_str() {
        return Err(AppError::client(
            StatusCode::UNPROCESSABLE_ENTITY,
            "only \"web\" sources are added by hand; the store's own content syncs by itself",
        ));
    }
    let url = web_source_url(&body.url)?;
    let mut tx = state.db.begin().await?;
    let id = sources::ensure(&mut *tx, shop, Kind::Web, url.as_str()).await?;
    queue_sync(&mut tx, shop, id).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "kind": "web", "name": url.as_str() })),
    ))
}

/// A site to crawl: an http(s) URL of at most [`MAX_URL_BYTES`] as stored (percent-encoding
/// makes it longer than typed), without a user name or password. Credentials would be kept in
/// the source's name, shown in the admin and sent on every fetch; a help center needing them
/// is not public, so not for a shopper-facing assistant.
fn web_source_url(given: &str) -> Result<reqwest::Url, AppError> {
    let refuse = |message: String| AppError::client(StatusCode::UNPROCESSABLE_ENTITY, message);
    let given = given.trim();
    if given.len() > MAX_URL_BYTES {
        return Err(refuse(format!(
            "url must be at most {MAX_URL_BYTES} characters"
        )));
    }
    let url = reqwest::Url::parse(given)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .ok_or_else(|| refuse("url must be an http(s) URL".into()))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse(
            "url must not carry a user name or password; only public pages are crawled".into(),
        ));
    }
    if url.as_str().len() > MAX_URL_BYTES {
        return Err(refuse(format!(
            "url must be at most {MAX_URL_BYTES} characters once percent-encoded"
        )));
    }
    Ok(url)
}

#[tracing::instrument(skip_all, fields(shop = %current.domain))]
async fn sync(
    State(state): State<AppState>,
    current: CurrentShop,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    let shop = current.id;
    let mut tx = state.db.begin().await?;
    let kind = source_kind(&mut tx, shop, id).await?;
    if matches!(kind, Kind::Files | Kind::Faq) {
        return Err(AppError::client(
            StatusCode::CONFLICT,
            "files and FAQ entries are indexed as they arrive; there is nothing to sync",
        ));
    }
    queue_sync(&mut tx, shop, id).await?;
    tx.commit().await?;
    Ok(StatusCode::ACCEPTED)
}

#[tracing::instrument(skip_all, fields(shop = %current.domain))]
async fn remove(
    State(state): State<AppState>,
    current: CurrentShop,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    let shop = current.id;
    let mut tx = state.db.begin().await?;
    if matches!(
        source_kind(&mut tx, shop, id).await?,
        Kind::ShopifyCatalog | Kind::ShopifyContent
    ) {
        return Err(AppError::client(
            StatusCode::CONFLICT,
            "the store's own catalog and content cannot be removed",
        ));
    }
    sqlx::query!(
        "DELETE FROM knowledge_sources WHERE shop_id = $1 AND id = $2",
        shop,
        id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn source_kind(tx: &mut sqlx::PgConnection, shop: i64, id: i64) -> Result<Kind, AppError> {
    let kind = sqlx::query_scalar!(
        r#"SELECT kind AS "kind: Kind" FROM knowledge_sources WHERE shop_id = $1 AND id = $2 FOR UPDATE"#,
        shop,
        id
    )
    .fetch_optional(&mut *tx)
    .await?;
    kind.ok_or_else(AppError::not_found)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaqEntry {
    question: String,
    answer: String,
}

#[tracing::instrument(skip_all, fields(shop = %current.domain))]
async fn add_faq(
    State(state): State<AppState>,
    current: CurrentShop,
    AppJson(entry): AppJson<FaqEntry>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let shop = current.id;
    if entry.question.chars().count() > MAX_QUESTION_CHARS
        || entry.answer.chars().count() > MAX_ANSWER_CHARS
    {
        return Err(AppError::client(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "a question holds at most {MAX_QUESTION_CHARS} characters, an answer {MAX_ANSWER_CHARS}"
            ),
        ));
    }
    let id = format!("faq:{}", uuid::Uuid::new_v4().simple());
    let document =
        connectors::files::faq_entry(&id, &entry.question, &entry.answer).ok_or_else(|| {
            AppError::client(
                StatusCode::UNPROCESSABLE_ENTITY,
                "both the question and the answer need some text",
            )
        })?;
    let source = sources::ensure(&state.db, shop, Kind::Faq, "default").await?;
    state
        .knowledge
        .ingest(shop, source, std::slice::from_ref(&document))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

#[tracing::instrument(skip_all, fields(shop = %current.domain))]
async fn delete_faq(
    State(state): State<AppState>,
    current: CurrentShop,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let shop = current.id;
    let source = sources::ensure(&state.db, shop, Kind::Faq, "default").await?;
    let deleted = state
        .knowledge
        .delete_documents(shop, source, &[id])
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    if deleted == 0 {
        return Err(AppError::not_found());
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct UploadQuery {
    name: String,
}

#[tracing::instrument(skip_all, fields(shop = %current.domain))]
async fn upload(
    State(state): State<AppState>,
    current: CurrentShop,
    Query(query): Query<UploadQuery>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let shop = current.id;
    let name = query.name.trim();
    let supported = [
        ".md",
        ".markdown",
        ".html",
        ".htm",
        ".txt",
        ".text",
        ".csv",
        ".pdf",
    ];
    let lower = name.to_ascii_lowercase();
    if name.is_empty() || name.len() > 255 || !supported.iter().any(|e| lower.ends_with(e)) {
        return Err(AppError::client(
            StatusCode::UNPROCESSABLE_ENTITY,
            "name must be a file name ending in .md, .html, .txt, .csv or .pdf",
        ));
    }
    if body.is_empty() {
        return Err(AppError::client(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the file is empty",
        ));
    }
    let mut tx = state.db.begin().await?;
    let source = sources::ensure(&mut *tx, shop, Kind::Files, "default").await?;
    let upload = sqlx::query_scalar!(
        "INSERT INTO knowledge_uploads (shop_id, source_id, name, content)
         VALUES ($1, $2, $3, $4) RETURNING id",
        shop,
        source,
        name,
        body.as_ref(),
    )
    .fetch_one(&mut *tx)
    .await?;
    enqueue(
        &mut tx,
        &IngestUpload {
            shop_id: shop,
            upload_id: upload,
        },
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "upload": upload, "source": source })),
    ))
}
