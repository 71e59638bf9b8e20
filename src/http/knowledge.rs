//! The merchant's knowledge API, for the embedded admin (session-token auth):
//!
//! - `GET /api/sources`: every source with its sync status and progress;
//! - `POST /api/sources` `{"kind": "web", "url": ...}`: adds a site to crawl and crawls it;
//! - `POST /api/sources/{id}/sync`: syncs a source again;
//! - `DELETE /api/sources/{id}`: removes a crawled site (and what it contributed);
//! - `GET /api/faq`: the FAQ entries in the merchant's order;
//! - `POST /api/faq` `{"question", "answer"}`: adds a FAQ entry (last), searchable on return;
//! - `PUT /api/faq/{id}` `{"question", "answer"}`: edits one, searchable as edited on return;
//! - `PUT /api/faq/order` `{"ids": [...]}`: reorders them;
//! - `DELETE /api/faq/{id}`: removes one;
//! - `GET /api/search?q=&limit=`: what the assistant's `search_knowledge` would retrieve, with
//!   scores and sources;
//! - `GET /api/documents?source_id=&q=&page=`: the indexed documents, a page at a time;
//! - `POST /api/files?name=guide.pdf` (the file as the body): stores the upload and queues
//!   its ingest; `GET /api/sources` shows its progress.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::current_shop::CurrentShop;
use super::extract::{Path, Query};
use crate::error::{AppError, AppJson};
use crate::jobs::{IngestUpload, enqueue, queue_sync};
use crate::knowledge::sources::{self, Kind};
use crate::knowledge::{Mode, SearchRequest};
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
        .route("/api/faq", get(list_faq).post(add_faq))
        .route("/api/faq/order", put(order_faq))
        .route("/api/faq/{id}", put(edit_faq).delete(delete_faq))
        .route("/api/search", get(search))
        .route("/api/documents", get(documents))
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
    let id = format!("faq:{}", uuid::Uuid::new_v4().simple());
    save_faq(&state, current.id, &id, &entry).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

#[tracing::instrument(skip_all, fields(shop = %current.domain))]
async fn edit_faq(
    State(state): State<AppState>,
    current: CurrentShop,
    Path(id): Path<String>,
    AppJson(entry): AppJson<FaqEntry>,
) -> Result<Json<Value>, AppError> {
    let source = sources::ensure(&state.db, current.id, Kind::Faq, "default").await?;
    let known = sqlx::query_scalar!(
        "SELECT id FROM documents WHERE shop_id = $1 AND source_id = $2 AND external_id = $3",
        current.id,
        source,
        id
    )
    .fetch_optional(&state.db)
    .await?;
    if known.is_none() {
        return Err(AppError::not_found());
    }
    let position = save_faq(&state, current.id, &id, &entry).await?;
    Ok(Json(json!({
        "id": id,
        "question": entry.question.trim(),
        "answer": entry.answer.trim(),
        "position": position,
    })))
}

/// Checks an entry, indexes it (searchable on return) and keeps its question and answer as
/// typed, for the editor; a new entry goes last. Returns its position.
async fn save_faq(
    state: &AppState,
    shop: i64,
    id: &str,
    entry: &FaqEntry,
) -> Result<i32, AppError> {
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
    let document =
        connectors::files::faq_entry(id, &entry.question, &entry.answer).ok_or_else(|| {
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
    let typed = json!({ "question": entry.question.trim(), "answer": entry.answer.trim() });
    let position = sqlx::query_scalar!(
        r#"UPDATE documents d SET fields = $4,
               position = coalesce(d.position, (SELECT coalesce(max(position) + 1, 0) FROM documents
                                                WHERE shop_id = $1 AND source_id = $2))
           WHERE d.shop_id = $1 AND d.source_id = $2 AND d.external_id = $3
           RETURNING position AS "position!""#,
        shop,
        source,
        id,
        typed,
    )
    .fetch_one(&state.db)
    .await?;
    Ok(position)
}

/// `GET /api/faq`: the entries in order (entries written before the editor kept the typed
/// text are read back from their indexed text).
#[tracing::instrument(skip_all, fields(shop = %current.domain))]
async fn list_faq(
    State(state): State<AppState>,
    current: CurrentShop,
) -> Result<Json<Value>, AppError> {
    let source = sources::ensure(&state.db, current.id, Kind::Faq, "default").await?;
    let entries: Vec<Value> = sqlx::query!(
        r#"SELECT d.external_id, d.title, d.fields ->> 'question' AS question,
                  d.fields ->> 'answer' AS answer, d.position,
                  (SELECT string_agg(c.body, E'\n' ORDER BY c.ordinal) FROM chunks c
                   WHERE c.shop_id = d.shop_id AND c.document_id = d.id) AS indexed
           FROM documents d WHERE d.shop_id = $1 AND d.source_id = $2
           ORDER BY d.position NULLS LAST, d.created_at, d.id"#,
        current.id,
        source
    )
    .fetch_all(&state.db)
    .await?
    .into_iter()
    .enumerate()
    .map(|(i, row)| {
        let answer = row.answer.unwrap_or_else(|| {
            let indexed = row.indexed.unwrap_or_default();
            indexed
                .split_once("\nA: ")
                .map_or(indexed.as_str(), |(_, answer)| answer)
                .to_owned()
        });
        json!({
            "id": row.external_id,
            "question": row.question.unwrap_or(row.title),
            "answer": answer,
            "position": row.position.unwrap_or(i32::try_from(i).unwrap_or(i32::MAX)),
        })
    })
    .collect();
    Ok(Json(json!({ "entries": entries })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaqOrder {
    ids: Vec<String>,
}

/// `PUT /api/faq/order`: the entries in the order given; every entry, each once.
#[tracing::instrument(skip_all, fields(shop = %current.domain))]
async fn order_faq(
    State(state): State<AppState>,
    current: CurrentShop,
    AppJson(order): AppJson<FaqOrder>,
) -> Result<StatusCode, AppError> {
    let source = sources::ensure(&state.db, current.id, Kind::Faq, "default").await?;
    let mut tx = state.db.begin().await?;
    let known = sqlx::query_scalar!(
        "SELECT external_id FROM documents WHERE shop_id = $1 AND source_id = $2 FOR UPDATE",
        current.id,
        source
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut given = order.ids.clone();
    given.sort_unstable();
    given.dedup();
    let mut all = known.clone();
    all.sort_unstable();
    if given.len() != order.ids.len() || given != all {
        return Err(AppError::client(
            StatusCode::UNPROCESSABLE_ENTITY,
            "ids must list every FAQ entry once (GET /api/faq)",
        ));
    }
    sqlx::query!(
        "UPDATE documents d SET position = o.position - 1
         FROM unnest($3::text[]) WITH ORDINALITY AS o(external_id, position)
         WHERE d.shop_id = $1 AND d.source_id = $2 AND d.external_id = o.external_id",
        current.id,
        source,
        &order.ids,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
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

#[derive(Deserialize)]
struct SearchQuery {
    q: String,
    limit: Option<usize>,
}

/// Hits a search returns at most.
const MAX_SEARCH_HITS: usize = 50;
/// The longest query searched.
const MAX_QUERY_CHARS: usize = 500;

/// `GET /api/search?q=&limit=10`: the hybrid search the assistant's `search_knowledge` tool
/// runs (the same kinds, fusion and snippets), with each hit's score and source.
#[tracing::instrument(skip_all, fields(shop = %current.domain))]
async fn search(
    State(state): State<AppState>,
    current: CurrentShop,
    Query(query): Query<SearchQuery>,
) -> Result<Json<Value>, AppError> {
    let text = query.q.trim();
    let limit = query.limit.unwrap_or(10);
    if text.is_empty() || text.chars().count() > MAX_QUERY_CHARS || text.contains('\0') {
        return Err(AppError::client(
            StatusCode::BAD_REQUEST,
            format!("q must be 1 to {MAX_QUERY_CHARS} characters of text"),
        ));
    }
    if !(1..=MAX_SEARCH_HITS).contains(&limit) {
        return Err(AppError::client(
            StatusCode::BAD_REQUEST,
            format!("limit must be 1 to {MAX_SEARCH_HITS}"),
        ));
    }
    let mut request = SearchRequest::new(text, Mode::Hybrid, limit);
    request.filters.kinds = tools::KNOWLEDGE_KINDS
        .iter()
        .map(|k| (*k).to_owned())
        .collect();
    let hits = state
        .knowledge
        .search(current.id, &request)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let documents: Vec<i64> = hits.iter().map(|h| h.document_id).collect();
    let sources: HashMap<i64, Value> = sqlx::query!(
        r#"SELECT d.id, s.id AS source_id, s.kind, s.name FROM documents d
           JOIN knowledge_sources s ON s.shop_id = d.shop_id AND s.id = d.source_id
           WHERE d.shop_id = $1 AND d.id = ANY($2)"#,
        current.id,
        &documents
    )
    .fetch_all(&state.db)
    .await?
    .into_iter()
    .map(|r| {
        (
            r.id,
            json!({ "id": r.source_id, "kind": r.kind, "name": r.name }),
        )
    })
    .collect();
    let hits: Vec<Value> = hits
        .into_iter()
        .map(|hit| {
            json!({
                "chunk_id": hit.chunk_id,
                "document_id": hit.document_id,
                "title": hit.title,
                "url": hit.url,
                "snippet": hit.snippet,
                "score": hit.score,
                "source": sources.get(&hit.document_id),
            })
        })
        .collect();
    Ok(Json(json!({ "query": text, "hits": hits })))
}

#[derive(Deserialize)]
struct DocumentsQuery {
    source_id: Option<i64>,
    q: Option<String>,
    page: Option<i64>,
}

/// Documents listed per page.
const DOCUMENTS_PER_PAGE: i64 = 50;

/// `GET /api/documents?source_id=&q=&page=1`: the shop's documents, newest first, with how
/// many chunks each was cut into; `q` matches titles.
#[tracing::instrument(skip_all, fields(shop = %current.domain))]
async fn documents(
    State(state): State<AppState>,
    current: CurrentShop,
    Query(query): Query<DocumentsQuery>,
) -> Result<Json<Value>, AppError> {
    let page = query.page.unwrap_or(1);
    if !(1..=100_000).contains(&page) {
        return Err(AppError::client(
            StatusCode::BAD_REQUEST,
            "page must be 1 or more",
        ));
    }
    let title = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    if title.is_some_and(|q| q.chars().count() > MAX_QUERY_CHARS || q.contains('\0')) {
        return Err(AppError::client(
            StatusCode::BAD_REQUEST,
            format!("q must be at most {MAX_QUERY_CHARS} characters of text"),
        ));
    }
    // LIKE's own wildcards in the merchant's text are matched as themselves.
    let pattern = title.map(|q| {
        format!(
            "%{}%",
            q.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )
    });
    let rows = sqlx::query!(
        r#"SELECT d.id, d.title, d.url, d.updated_at,
                  (SELECT count(*) FROM chunks c WHERE c.shop_id = d.shop_id AND c.document_id = d.id) AS "chunks!"
           FROM documents d
           WHERE d.shop_id = $1 AND ($2::bigint IS NULL OR d.source_id = $2)
             AND ($3::text IS NULL OR d.title ILIKE $3)
           ORDER BY d.updated_at DESC, d.id DESC
           LIMIT $4 OFFSET $5"#,
        current.id,
        query.source_id,
        pattern,
        DOCUMENTS_PER_PAGE + 1,
        (page - 1) * DOCUMENTS_PER_PAGE,
    )
    .fetch_all(&state.db)
    .await?;
    let more = rows.len() as i64 > DOCUMENTS_PER_PAGE;
    let documents: Vec<Value> = rows
        .into_iter()
        .take(DOCUMENTS_PER_PAGE as usize)
        .map(|r| {
            json!({
                "id": r.id,
                "title": r.title,
                "url": r.url,
                "chunks": r.chunks,
                "updated_at": r.updated_at,
            })
        })
        .collect();
    Ok(Json(json!({
        "documents": documents,
        "next_page": more.then_some(page + 1),
    })))
}
