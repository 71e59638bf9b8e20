//! Knowledge: the store's content turned into something the assistant can search.
//!
//! Connectors (the `connectors` crate) produce documents; [`ingest`] chunks them, embeds the
//! chunks whose content changed and writes documents, chunks and vectors in one transaction
//! per batch; [`search`] answers keyword, vector and hybrid queries per shop; [`sources`]
//! tracks each source's sync progress; the jobs that keep sources fresh live in `crate::jobs`.

pub mod embed;
pub mod ingest;
pub mod search;
pub mod shopify;
pub mod sources;

use std::sync::Arc;

use sqlx::{AssertSqlSafe, PgPool};
use tokio::sync::OnceCell;

use embed::Embedder;

pub use ingest::IngestReport;
pub use search::{Filters, Hit, Mode, SearchRequest};

/// The knowledge base of every shop: the pool, the embedder, and the embedder's model row.
#[derive(Clone)]
pub struct Knowledge {
    db: PgPool,
    embedder: Arc<dyn Embedder>,
    model: ModelCell,
    /// An older model whose vectors shops are still served from until their re-embedding
    /// with the current one completes (`crate::jobs::ReembedShop`).
    previous: Option<(Arc<dyn Embedder>, ModelCell)>,
    /// Vectors per (shop, model), with when they were counted: picks the vector plan.
    sizes: Arc<std::sync::Mutex<search::Sizes>>,
    /// Shops with at most this many vectors are searched exactly ([`search`] explains).
    exact_scan_max: i64,
    /// Lets crawls reach private addresses: for tests, never in production.
    allow_private_crawl: bool,
}

/// A model's row, looked up (and registered) once.
type ModelCell = Arc<OnceCell<Model>>;

/// An embedding model as stored: vectors carry its number, and its HNSW index is partial on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    pub id: i16,
    pub name: String,
    pub dimensions: usize,
}

/// Why a knowledge operation failed.
#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Embed(#[from] embed::EmbedError),
    #[error("embedding model {name} is registered with {stored} dimensions, but produces {actual}")]
    Dimensions {
        name: String,
        stored: usize,
        actual: usize,
    },
}

impl Knowledge {
    pub fn new(db: PgPool, embedder: Arc<dyn Embedder>) -> Self {
        Self {
            db,
            embedder,
            model: Arc::new(OnceCell::new()),
            previous: None,
            sizes: Arc::default(),
            exact_scan_max: search::EXACT_SCAN_MAX,
            allow_private_crawl: false,
        }
    }

    /// Keeps serving shops from `embedder`'s vectors until they are re-embedded with the
    /// current model (the local model, when moving to a hosted one).
    pub fn with_previous(mut self, embedder: Arc<dyn Embedder>) -> Self {
        if embedder.model() != self.embedder.model() {
            self.previous = Some((embedder, Arc::new(OnceCell::new())));
        }
        self
    }

    /// Lets crawls reach loopback and private addresses (test sites); never in production.
    pub fn with_private_crawl(mut self, allow: bool) -> Self {
        self.allow_private_crawl = allow;
        self
    }

    pub fn allow_private_crawl(&self) -> bool {
        self.allow_private_crawl
    }

    /// Moves the exact-scan threshold (tests and benchmarks exercise both plans with it).
    pub fn with_exact_scan_max(mut self, vectors: i64) -> Self {
        self.exact_scan_max = vectors;
        self
    }

    pub fn embedder(&self) -> &dyn Embedder {
        self.embedder.as_ref()
    }

    pub fn db(&self) -> &PgPool {
        &self.db
    }

    /// The embedder's model row, registered (with its HNSW index) on first use.
    pub async fn model(&self) -> Result<&Model, KnowledgeError> {
        self.model
            .get_or_try_init(|| register_model(&self.db, self.embedder.as_ref()))
            .await
    }

    /// The model (and its embedder) a shop's search uses: the current one, unless the shop
    /// is still served from the previous model's vectors while it is re-embedded.
    pub async fn serving(&self, shop_id: i64) -> Result<(&dyn Embedder, &Model), KnowledgeError> {
        let current = self.model().await?;
        let Some((embedder, model)) = &self.previous else {
            return Ok((self.embedder.as_ref(), current));
        };
        let previous = model
            .get_or_try_init(|| register_model(&self.db, embedder.as_ref()))
            .await?;
        // The recorded model, else the previous one if the shop has its vectors (it was
        // indexed before the change and its re-embedding has not begun).
        let serving: Option<i16> = sqlx::query_scalar!(
            "SELECT coalesce(
                 (SELECT model_id FROM shop_search_models WHERE shop_id = $1),
                 (SELECT $2::smallint WHERE EXISTS (
                      SELECT 1 FROM chunk_embeddings WHERE shop_id = $1 AND model_id = $2)))",
            shop_id,
            previous.id,
        )
        .fetch_one(&self.db)
        .await?;
        Ok(if serving == Some(previous.id) {
            (embedder.as_ref(), previous)
        } else {
            (self.embedder.as_ref(), current)
        })
    }
}

impl Knowledge {
    /// Gives a shop with more vectors than the exact scan serves its own HNSW index (the
    /// [`search`] module docs say why), unless it has one. Returns whether it has one now.
    ///
    /// The build runs `CONCURRENTLY` (writes go on) on a connection of its own that holds a
    /// session lock on the index name: a second caller returns at once, and a build cut off
    /// by a crash or a cancelled job releases the lock with its connection and leaves an
    /// invalid index, which the next call drops and builds again.
    pub async fn index_large_shop(&self, shop_id: i64) -> Result<bool, KnowledgeError> {
        use sqlx::Connection as _;
        let model = self.model().await?;
        let size = self.size(shop_id, model.id).await?;
        if size.own_index || size.vectors <= self.exact_scan_max {
            return Ok(size.own_index);
        }
        let name = search::shop_index(model.id, shop_id);
        let mut conn = sqlx::PgConnection::connect_with(&self.db.connect_options()).await?;
        let locked: bool = sqlx::query_scalar!(
            r#"SELECT pg_try_advisory_lock(hashtext($1)) AS "locked!""#,
            &name
        )
        .fetch_one(&mut conn)
        .await?;
        if !locked {
            return Ok(false);
        }
        let valid: Option<bool> = sqlx::query_scalar!(
            r#"SELECT indisvalid AS "indisvalid!" FROM pg_index WHERE indexrelid = to_regclass($1)"#,
            &name
        )
        .fetch_optional(&mut conn)
        .await?;
        // DDL naming the index: identifiers cannot be bound, so these are built at run time.
        if valid == Some(false) {
            sqlx::raw_sql(AssertSqlSafe(format!("DROP INDEX CONCURRENTLY {name}")))
                .execute(&mut conn)
                .await?;
        }
        if valid != Some(true) {
            let started = std::time::Instant::now();
            let (id, dimensions) = (model.id, model.dimensions);
            // The graph of a large shop fits in this, so the build never spills to disk.
            // (Two statements: one query string would be one transaction, which CONCURRENTLY
            // refuses.)
            sqlx::raw_sql("SET maintenance_work_mem = '512MB'")
                .execute(&mut conn)
                .await?;
            sqlx::raw_sql(AssertSqlSafe(format!(
                "CREATE INDEX CONCURRENTLY {name} ON chunk_embeddings
                 USING hnsw ((embedding::vector({dimensions})) vector_cosine_ops)
                 WHERE model_id = {id} AND shop_id = {shop_id}"
            )))
            .execute(&mut conn)
            .await?;
            tracing::info!(shop_id, vectors = size.vectors, elapsed = ?started.elapsed(), "built the shop's HNSW index");
        }
        conn.close().await?;
        self.forget_size(shop_id);
        Ok(true)
    }

    /// Drops the shop's own HNSW indexes, but for `keep`'s model (its data erased, or its
    /// vectors of older models).
    pub async fn drop_shop_indexes(
        &self,
        shop_id: i64,
        keep: Option<i16>,
    ) -> Result<(), KnowledgeError> {
        let keep = keep.map(|model_id| search::shop_index(model_id, shop_id));
        let names: Vec<String> = sqlx::query_scalar!(
            r#"SELECT indexname::text AS "indexname!" FROM pg_indexes
             WHERE tablename = 'chunk_embeddings' AND indexname LIKE ('chunk_embeddings\_hnsw\_%\_shop\_' || $1::text)
               AND indexname::text IS DISTINCT FROM $2::text"#,
            shop_id.to_string(),
            keep,
        )
        .fetch_all(&self.db)
        .await?;
        // Identifiers cannot be bound: the DDL is built at run time from the catalog's names.
        for name in names {
            sqlx::raw_sql(AssertSqlSafe(format!(
                "DROP INDEX CONCURRENTLY IF EXISTS {name}"
            )))
            .execute(&self.db)
            .await?;
        }
        self.forget_size(shop_id);
        Ok(())
    }
}

/// Records the model and creates its partial HNSW index if missing. The index is on
/// `embedding::vector(N)` for this model's rows only, so models of other sizes live in the
/// same table; queries name the model's number as a literal to match the index predicate.
async fn register_model(db: &PgPool, embedder: &dyn Embedder) -> Result<Model, KnowledgeError> {
    let name = embedder.model();
    let dimensions = embedder.dimensions();
    let mut tx = db.begin().await?;
    // One registration at a time: CREATE INDEX IF NOT EXISTS races otherwise.
    sqlx::query!("SELECT FROM pg_advisory_xact_lock(hashtext('concierge.embedding_models'))")
        .execute(&mut *tx)
        .await?;
    let row = sqlx::query!(
        "INSERT INTO embedding_models (name, dimensions) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
         RETURNING id, dimensions",
        name,
        i32::try_from(dimensions).unwrap_or(i32::MAX),
    )
    .fetch_one(&mut *tx)
    .await?;
    let (id, stored) = (row.id, row.dimensions);
    let stored = usize::try_from(stored).unwrap_or_default();
    if stored != dimensions {
        return Err(KnowledgeError::Dimensions {
            name: name.to_owned(),
            stored,
            actual: dimensions,
        });
    }
    // Built at run time: the index names the model's id and dimensions as literals.
    sqlx::query(AssertSqlSafe(format!(
        "CREATE INDEX IF NOT EXISTS chunk_embeddings_hnsw_{id} ON chunk_embeddings
         USING hnsw ((embedding::vector({dimensions})) vector_cosine_ops) WHERE model_id = {id}"
    )))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Model {
        id,
        name: name.to_owned(),
        dimensions,
    })
}
