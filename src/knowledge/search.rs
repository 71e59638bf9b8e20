//! Search over one shop's chunks: full text, vectors, and the two fused.
//!
//! **Full text** matches any of the query's words (stemmed in the shop's language, stop words
//! dropped) and ranks with the title weighted over headings over body (`ts_rank` without
//! length normalisation: chunks are already bounded in length, and on crowdflower-beir it
//! scored 0.777 nDCG@10 against 0.721 normalised and 0.717 for `ts_rank_cd`).
//!
//! PostgreSQL cannot stop ranking early: ranking every chunk that holds one of the words reads
//! each of them (2k–12k rows for a 2–3 word query in a 100k-chunk shop). So the search ranks
//! the chunks most likely to lead first, in up to three widening [`Tier`]s, and stops at the
//! first whose top k is provably the top k of all matches — the same list, in the same order, as
//! ranking them all. The proof rests on how `ts_rank` scores an any-word query of n distinct
//! words: the sum over the words a chunk holds of the word's score, divided by n; a word's score
//! is `Σ wᵢ/i² / φ` over its occurrences (φ = π²/6), and since a chunk's positions run title,
//! headings, body, its first occurrence has its best weight b, so the score lies in `[b/φ, b)`
//! (b = 1.0 title, 0.4 headings, 0.2 body). Hence:
//! 1. [`Tier::Headings`]: chunks with a word in their title or headings (the small
//!    `chunks_head_tsv` index). Every other chunk holds its words in its body only and ranks
//!    below 0.2 · (its words) / n ≤ 0.2: if the k-th best here ranks at least 0.2, this is the
//!    top k. It settles 99% of the queries of `concierge bench search` on its 100k-chunk shop,
//!    ranking ~200–350 chunks.
//! 2. [`Tier::TwoWords`]: those, or chunks holding at least two of the words. Each ranks at
//!    least min(0.4, 2 · 0.2) / φ / n ≈ 0.243 / n, and every other chunk holds one word, in its
//!    body, so ranks below 0.2 / n: if k chunks qualify, their top k is the top k. (Queries of
//!    more than [`PAIR_WORDS_MAX`] words rank every match here: testing pairs costs more.)
//! 3. [`Tier::AnyWord`]: every match — small shops, rare words, one-word queries.
//!
//! Filters apply within every tier, so the argument holds for filtered searches. `chunks.tsv` is
//! kept in the row (`STORAGE MAIN`) rather than in TOAST, so ranking a candidate reads one page.
//!
//! **Vectors** use one of three plans, chosen per shop by its number of vectors:
//! - up to [`EXACT_SCAN_MAX`] vectors, an exact scan through the `(shop_id, model_id, …)`
//!   primary key: full recall, and cheap at that size. The query's distance expression does
//!   not match the HNSW index's, so PostgreSQL cannot pick the index for it, whatever the
//!   plan cache does — the trap where a generic plan walks the HNSW graph of every shop and
//!   filters down to a handful of this shop's rows.
//! - above it, the shop's own HNSW index ([`shop_index`], partial on the model and the shop,
//!   built by [`Knowledge::index_large_shop`] once the shop grows past the threshold). The
//!   query names the shop as a literal so that it matches the index's predicate. The graph
//!   holds the shop's rows only, so a top 50 is found in the first `ef_search` candidates:
//!   in the shared graph, where a 100k-chunk shop is a tenth of a 1M-row table, the scan
//!   walked ~10 candidates per row it kept, and a top 50 took 84 ms at p95.
//! - until that index is built, the model's shared HNSW index. Both HNSW plans run with
//!   `hnsw.iterative_scan = relaxed_order`: the scan keeps walking the graph until enough of
//!   this shop's rows have passed the filters. `enable_sort` is off for the query so that the
//!   planner never trades the index for a sort of the whole shop.
//!
//! The query vector is bound as a `pgvector::Vector`, in pgvector's binary form: nothing to
//! format or parse. It still sits in an InitPlan (`(SELECT $2::vector(N))`), so that the
//! dimension check of the cast runs once rather than for every row it is compared with.
//!
//! **Hybrid** runs both concurrently and fuses them by weighted reciprocal rank.
//!
//! The benchmark (`src/dev/bench/search.rs`) EXPLAINs and sweeps these queries through the SQL
//! builders here ([`keyword_sql`], [`exact_sql`], [`hnsw_sql`], [`hnsw_settings`]).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use pgvector::Vector;
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Row};

use super::{Knowledge, KnowledgeError, Model};

/// Shops with at most this many vectors are searched exactly (see the module docs).
pub const EXACT_SCAN_MAX: i64 = 20_000;

/// A shop's vectors of one model, as the vector plan needs them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Size {
    pub vectors: i64,
    /// Whether the shop's own HNSW index ([`shop_index`]) is built and valid.
    pub own_index: bool,
}

/// [`Size`] per (shop, model), and when it was read.
pub(crate) type Sizes = HashMap<(i64, i16), (Size, Instant)>;

/// The name of a large shop's own HNSW index over its vectors of a model.
pub fn shop_index(model_id: i16, shop_id: i64) -> String {
    format!("chunk_embeddings_hnsw_{model_id}_shop_{shop_id}")
}

/// HNSW candidate list size for a top-10 search (larger limits scale it up).
const EF_SEARCH: usize = 200;

/// How long a shop's vector count is trusted before it is counted again.
const SIZE_TTL: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Keyword,
    Vector,
    #[default]
    Hybrid,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Keyword, Mode::Vector, Mode::Hybrid];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Keyword => "keyword",
            Self::Vector => "vector",
            Self::Hybrid => "hybrid",
        }
    }
}

/// Narrows a search. Empty filters match everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Filters {
    /// Document kinds (`product`, `page`, `faq`, ...).
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Only products that are (or are not) available.
    pub in_stock: Option<bool>,
    /// Products with some price at or above this.
    pub price_min: Option<f64>,
    /// Products with some price at or below this.
    pub price_max: Option<f64>,
    /// Products in this collection (by title).
    pub collection: Option<String>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// How hybrid search weighs its two lists: score = Σ weight / (k + rank).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Fusion {
    pub keyword_weight: f64,
    pub vector_weight: f64,
    pub k: f64,
}

impl Default for Fusion {
    fn default() -> Self {
        Self {
            keyword_weight: 1.0,
            vector_weight: 1.0,
            k: 60.0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub query: String,
    pub mode: Mode,
    pub limit: usize,
    pub filters: Filters,
    pub fusion: Fusion,
    /// Highlighted snippets with each hit (off: the hit's snippet is empty).
    pub snippets: bool,
}

impl SearchRequest {
    pub fn new(query: impl Into<String>, mode: Mode, limit: usize) -> Self {
        Self {
            query: query.into(),
            mode,
            limit,
            filters: Filters::default(),
            fusion: Fusion::default(),
            snippets: true,
        }
    }
}

/// One result: a chunk, its document, and where it came from.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub chunk_id: i64,
    pub document_id: i64,
    pub kind: String,
    pub external_id: String,
    pub title: String,
    pub url: Option<String>,
    pub heading_path: String,
    pub snippet: String,
    pub score: f64,
    pub fields: serde_json::Value,
}

/// The filters as a predicate on document `d`: `$3`..`$7` are the filters.
const FILTERS: &str = "($3::text[] IS NULL OR d.kind = ANY($3))
    AND ($4::bool IS NULL OR coalesce((d.fields ->> 'available')::bool, false) = $4)
    AND ($5::float8 IS NULL OR (d.fields ->> 'price_max')::float8 >= $5)
    AND ($6::float8 IS NULL OR (d.fields ->> 'price_min')::float8 <= $6)
    AND ($7::text IS NULL OR d.fields -> 'collections' ? $7)";

/// `AND EXISTS (...)` keeping the rows whose document (`document`, an SQL expression for its
/// id in shop `$1`) passes the filters; nothing when there are no filters, so that an
/// unfiltered search reads no document rows at all.
fn filtered(filters: &Filters, document: &str) -> String {
    if filters.is_empty() {
        return String::new();
    }
    format!(
        "AND EXISTS (SELECT 1 FROM documents d WHERE d.shop_id = $1 AND d.id = {document} AND {FILTERS})"
    )
}

/// The query as "any of its words", in the shop's text search configuration.
pub(crate) const ANY_WORD: &str =
    "nullif(replace(plainto_tsquery(shop_text_config($1), $2)::text, ' & ', ' | '), '')::tsquery";

/// The most distinct words a query may have for [`Tier::TwoWords`] to test pairs of them. Its
/// tsquery grows as the square of the words, and GIN tests it against every posting: from about
/// a dozen words (66 pairs), that took longer than ranking every match (bench's 100k-chunk
/// shop, queries of 8–20 common words), so longer queries rank any word there.
const PAIR_WORDS_MAX: usize = 10;

/// The query as "two of its distinct words", `'a' & 'b' | 'a' & 'c' | 'b' & 'c'` (NULL under
/// two words; [`ANY_WORD`] over [`PAIR_WORDS_MAX`]). Its words are `to_tsvector`'s lexemes of
/// the query, the same as `plainto_tsquery`'s (one parser, one dictionary chain), quoted for
/// tsquery input (quotes and backslashes doubled).
fn two_words() -> String {
    format!(
        r"(WITH w AS (
             SELECT '''' || replace(replace(l, '\', '\\'), '''', '''''') || '''' AS w, i
             FROM unnest(tsvector_to_array(to_tsvector(shop_text_config($1), $2)))
                  WITH ORDINALITY t(l, i))
         SELECT CASE WHEN count(*) > {PAIR_WORDS_MAX} THEN {ANY_WORD}
                     ELSE (SELECT string_agg(a.w || ' & ' || b.w, ' | ')::tsquery
                           FROM w a JOIN w b ON a.i < b.i) END
         FROM w)"
    )
}

/// `ts_rank`'s weights of D, C, B, A: title (A) over headings (B) over body (C); chunks have no
/// D. [`Tier`]'s bounds follow from them (module docs, and the test below).
const RANK_WEIGHTS: &str = "{0.1, 0.2, 0.4, 1.0}";

/// The body's weight (C) in [`RANK_WEIGHTS`]: a chunk holding the query's words in its body
/// only ranks below it.
const BODY_WEIGHT: f64 = 0.2;

/// A chunk's title and heading words: the expression `chunks_head_tsv` indexes (after
/// `shop_id`), written the same way so that the planner matches it.
const HEAD_WORDS: &str =
    "(to_tsvector(c.language, c.title) || to_tsvector(c.language, c.heading_path))";

/// The chunks a keyword search ranks, narrowest first (the module docs say why a tier's top k,
/// when it [settles](Tier::settles), is the top k of all the matches).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// Chunks with a query word in their title or headings.
    Headings,
    /// Those, and chunks holding two or more of the query's words (any of them, for queries of
    /// more than [`PAIR_WORDS_MAX`] words).
    TwoWords,
    /// Every chunk holding a query word.
    AnyWord,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::Headings, Tier::TwoWords, Tier::AnyWord];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Headings => "headings",
            Self::TwoWords => "two_words",
            Self::AnyWord => "any_word",
        }
    }

    fn wider(self) -> Option<Tier> {
        match self {
            Self::Headings => Some(Self::TwoWords),
            Self::TwoWords => Some(Self::AnyWord),
            Self::AnyWord => None,
        }
    }

    /// Whether `ranked`, this tier's best `limit` chunks (best first), is the best `limit` of
    /// all the chunks matching the query.
    pub fn settles(self, ranked: &[(i64, f64)], limit: usize) -> bool {
        match self {
            // Every chunk outside the tier ranks below BODY_WEIGHT.
            Self::Headings => limit.checked_sub(1).is_none_or(|last| {
                ranked
                    .get(last)
                    .is_some_and(|&(_, score)| score >= BODY_WEIGHT)
            }),
            // Every chunk outside the tier ranks below every chunk inside it.
            Self::TwoWords => ranked.len() >= limit,
            Self::AnyWord => true,
        }
    }

    /// The join condition selecting the tier's chunks `c` of shop `$1` for the query `q`.
    fn matches(self) -> String {
        match self {
            Self::Headings => format!("c.shop_id = $1 AND {HEAD_WORDS} @@ q.q"),
            // Two bitmap index scans, ORed: the heap is read for the candidates only.
            Self::TwoWords => {
                format!("c.shop_id = $1 AND (c.tsv @@ q.pairs OR {HEAD_WORDS} @@ q.q)")
            }
            Self::AnyWord => "c.shop_id = $1 AND c.tsv @@ q.q".to_owned(),
        }
    }
}

/// The keyword query over one tier's chunks, best first: `$1` shop, `$2` query text, `$3`..`$7`
/// filters, `$8` limit. The query is built once (a materialized CTE): inlined, it would be
/// parsed again for every row it ranks.
pub(crate) fn keyword_sql(tier: Tier, filters: &Filters) -> String {
    let filter = filtered(filters, "c.document_id");
    let pairs = if tier == Tier::TwoWords {
        format!(", {} AS pairs", two_words())
    } else {
        String::new()
    };
    let matches = tier.matches();
    format!(
        "WITH q AS MATERIALIZED (SELECT {ANY_WORD} AS q{pairs})
         SELECT c.id, ts_rank('{RANK_WEIGHTS}', c.tsv, q.q)::float8 AS score
         FROM q JOIN chunks c ON {matches}
         WHERE TRUE {filter}
         ORDER BY score DESC, c.id
         LIMIT $8"
    )
}

/// `nearest`'s exact plan: `$1` shop, `$2` vector, `$3`..`$7` filters, `$8` limit.
pub(crate) fn exact_sql(model_id: i16, filters: &Filters) -> String {
    let filter = nearest_filter(filters);
    format!(
        "SELECT chunk_id, (1 - distance)::float8 FROM (
             SELECT e.chunk_id, e.embedding <=> (SELECT $2::vector) AS distance
             FROM chunk_embeddings e
             WHERE e.shop_id = $1 AND e.model_id = {model_id} {filter}
             ORDER BY distance, e.chunk_id
             LIMIT $8
         ) nearest ORDER BY distance, chunk_id"
    )
}

/// `nearest`'s HNSW plan (parameters as [`exact_sql`]'s), run after [`hnsw_settings`]: through
/// the shop's own index when `own_index` names the shop, else through the model's shared one.
pub(crate) fn hnsw_sql(
    model_id: i16,
    dimensions: usize,
    filters: &Filters,
    own_index: Option<i64>,
) -> String {
    let (id, dims) = (model_id, dimensions);
    let filter = nearest_filter(filters);
    // A literal, to match the partial index's predicate in every plan (`$1` would in custom
    // plans only).
    let shop = own_index.map_or_else(|| "$1".to_owned(), |shop_id| shop_id.to_string());
    format!(
        "WITH nearest AS MATERIALIZED (
             SELECT e.chunk_id, e.embedding::vector({dims}) <=> (SELECT $2::vector({dims})) AS distance
             FROM chunk_embeddings e
             WHERE e.shop_id = {shop} AND e.model_id = {id} {filter}
             ORDER BY distance
             LIMIT $8
         )
         SELECT chunk_id, (1 - distance)::float8 FROM nearest ORDER BY distance, chunk_id"
    )
}

/// The transaction settings of the HNSW plan with `ef_search` candidates.
pub(crate) fn hnsw_settings(ef_search: usize) -> String {
    format!(
        "SET LOCAL hnsw.ef_search = {ef_search};
         SET LOCAL hnsw.iterative_scan = relaxed_order;
         SET LOCAL enable_sort = off"
    )
}

/// The HNSW candidate list for a top `limit`. 200 for a top 10: recall@10 0.998 against exact
/// search for a 100k-chunk shop in a 1M-row table (0.90 at pgvector's default 40), at about the
/// same latency (`concierge bench search`, docs/benchmarks.md).
pub(crate) fn ef_search(limit: usize) -> usize {
    (limit * 4).clamp(EF_SEARCH, 1000)
}

/// [`filtered`] for the vector queries, whose rows are embeddings `e`.
fn nearest_filter(filters: &Filters) -> String {
    filtered(
        filters,
        "(SELECT c.document_id FROM chunks c WHERE c.shop_id = $1 AND c.id = e.chunk_id)",
    )
}

impl Knowledge {
    /// Searches one shop. Results are chunks, best first.
    pub async fn search(
        &self,
        shop_id: i64,
        request: &SearchRequest,
    ) -> Result<Vec<Hit>, KnowledgeError> {
        let query = match request.mode {
            Mode::Keyword => None,
            Mode::Vector | Mode::Hybrid => {
                let (embedder, model) = self.serving(shop_id).await?;
                let vector = embedder
                    .embed(vec![request.query.clone()])
                    .await?
                    .pop()
                    .unwrap_or_default();
                Some((model, vector))
            }
        };
        let query = query
            .as_ref()
            .map(|(model, vector)| (*model, vector.as_slice()));
        self.search_in(shop_id, request, query).await
    }

    /// [`Knowledge::search`] with the query's vector (of the current model) already
    /// computed; `None` for a keyword search.
    pub async fn search_embedded(
        &self,
        shop_id: i64,
        request: &SearchRequest,
        vector: Option<&[f32]>,
    ) -> Result<Vec<Hit>, KnowledgeError> {
        let model = self.model().await?;
        self.search_in(shop_id, request, vector.map(|v| (model, v)))
            .await
    }

    async fn search_in(
        &self,
        shop_id: i64,
        request: &SearchRequest,
        vector: Option<(&Model, &[f32])>,
    ) -> Result<Vec<Hit>, KnowledgeError> {
        let limit = request.limit.clamp(1, 200);
        let filters = &request.filters;
        let ranked: Vec<(i64, f64)> = match (request.mode, vector) {
            (Mode::Keyword, _) | (_, None) => self.keyword(shop_id, request, limit).await?,
            (Mode::Vector, Some((model, vector))) => {
                self.nearest_in(model, shop_id, vector, filters, limit)
                    .await?
            }
            (Mode::Hybrid, Some((model, vector))) => {
                let depth = limit.max(50);
                let (keyword, nearest) = tokio::try_join!(
                    self.keyword(shop_id, request, depth),
                    self.nearest_in(model, shop_id, vector, filters, depth)
                )?;
                fuse(&keyword, &nearest, &request.fusion, limit)
            }
        };
        self.hits(shop_id, request, &ranked).await
    }

    async fn keyword(
        &self,
        shop_id: i64,
        request: &SearchRequest,
        limit: usize,
    ) -> Result<Vec<(i64, f64)>, KnowledgeError> {
        Ok(self.keyword_tiered(shop_id, request, limit).await?.0)
    }

    /// The keyword top `limit`, ranked tier by tier until one settles it (module docs), and
    /// the tier that did.
    pub(crate) async fn keyword_tiered(
        &self,
        shop_id: i64,
        request: &SearchRequest,
        limit: usize,
    ) -> Result<(Vec<(i64, f64)>, Tier), KnowledgeError> {
        let mut tier = Tier::Headings;
        loop {
            let ranked = self.keyword_tier(shop_id, request, limit, tier).await?;
            match tier.wider() {
                Some(wider) if !tier.settles(&ranked, limit) => tier = wider,
                _ => return Ok((ranked, tier)),
            }
        }
    }

    /// The best `limit` chunks of one tier.
    pub(crate) async fn keyword_tier(
        &self,
        shop_id: i64,
        request: &SearchRequest,
        limit: usize,
        tier: Tier,
    ) -> Result<Vec<(i64, f64)>, KnowledgeError> {
        // Built at run time: the tier and the filters shape the statement.
        Ok(bind_filters(
            sqlx::query_as(AssertSqlSafe(keyword_sql(tier, &request.filters))),
            shop_id,
            request.query.clone(),
            &request.filters,
            limit,
        )
        .fetch_all(&self.db)
        .await?)
    }

    /// The shop's `limit` chunks nearest to `vector` (cosine), with their similarity, by the
    /// plan the module docs describe.
    pub async fn nearest(
        &self,
        shop_id: i64,
        vector: &[f32],
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<(i64, f64)>, KnowledgeError> {
        let model = self.model().await?;
        self.nearest_in(model, shop_id, vector, filters, limit)
            .await
    }

    async fn nearest_in(
        &self,
        model: &Model,
        shop_id: i64,
        vector: &[f32],
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<(i64, f64)>, KnowledgeError> {
        let query = Vector::from(vector.to_vec());
        let size = self.size(shop_id, model.id).await?;
        if size.vectors <= self.exact_scan_max {
            // Built at run time: the model is a literal (index predicates), filters shape it.
            return Ok(bind_filters(
                sqlx::query_as(AssertSqlSafe(exact_sql(model.id, filters))),
                shop_id,
                query,
                filters,
                limit,
            )
            .fetch_all(&self.db)
            .await?);
        }
        let own_index = size.own_index.then_some(shop_id);
        let sql = hnsw_sql(model.id, model.dimensions, filters, own_index);
        let mut tx = self.db.begin().await?;
        sqlx::raw_sql(AssertSqlSafe(hnsw_settings(ef_search(limit))))
            .execute(&mut *tx)
            .await?;
        // Built at run time: model, dimensions and shop are literals matching the partial
        // index's predicate, and the filters shape the statement.
        let rows = bind_filters(
            sqlx::query_as(AssertSqlSafe(sql)),
            shop_id,
            query,
            filters,
            limit,
        )
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// The shop's number of vectors for the model and whether it has its own index, read at
    /// most once a minute.
    pub(crate) async fn size(&self, shop_id: i64, model_id: i16) -> Result<Size, KnowledgeError> {
        let key = (shop_id, model_id);
        if let Some(&(size, at)) = self.sizes().get(&key)
            && at.elapsed() < SIZE_TTL
        {
            return Ok(size);
        }
        let size = sqlx::query_as!(
            Size,
            r#"SELECT (SELECT count(*) FROM chunk_embeddings WHERE shop_id = $1 AND model_id = $2) AS "vectors!",
                    coalesce((SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass($3)), false) AS "own_index!""#,
            shop_id,
            model_id,
            shop_index(model_id, shop_id),
        )
        .fetch_one(&self.db)
        .await?;
        self.sizes().insert(key, (size, Instant::now()));
        Ok(size)
    }

    /// Forgets what [`Self::size`] read for the shop.
    pub(crate) fn forget_size(&self, shop_id: i64) {
        self.sizes().retain(|&(shop, _), _| shop != shop_id);
    }

    fn sizes(&self) -> std::sync::MutexGuard<'_, Sizes> {
        self.sizes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The ranked chunks with their documents and snippets, in rank order.
    async fn hits(
        &self,
        shop_id: i64,
        request: &SearchRequest,
        ranked: &[(i64, f64)],
    ) -> Result<Vec<Hit>, KnowledgeError> {
        if ranked.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = ranked.iter().map(|(id, _)| *id).collect();
        // Built at run time only to share ANY_WORD with the keyword tiers (one definition of
        // what the query's words are, for ranking and for highlighting).
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT c.id, c.document_id, d.kind, d.external_id, d.title, d.url, c.heading_path,
                    CASE WHEN $4 THEN coalesce(
                             ts_headline(c.language, c.body, {ANY_WORD},
                                 'MaxWords=35, MinWords=15, MaxFragments=2, StartSel=\"\", StopSel=\"\"'),
                             left(c.body, 240))
                         ELSE '' END AS snippet,
                    d.fields
             FROM chunks c JOIN documents d ON d.shop_id = c.shop_id AND d.id = c.document_id
             WHERE c.shop_id = $1 AND c.id = ANY($3)"
        )))
        .bind(shop_id)
        .bind(&request.query)
        .bind(&ids)
        .bind(request.snippets)
        .fetch_all(&self.db)
        .await?;
        let mut by_id: HashMap<i64, Hit> = HashMap::with_capacity(rows.len());
        for row in rows {
            let hit = Hit {
                chunk_id: row.try_get("id")?,
                document_id: row.try_get("document_id")?,
                kind: row.try_get("kind")?,
                external_id: row.try_get("external_id")?,
                title: row.try_get("title")?,
                url: row.try_get("url")?,
                heading_path: row.try_get("heading_path")?,
                snippet: row.try_get("snippet")?,
                score: 0.0,
                fields: row.try_get("fields")?,
            };
            by_id.insert(hit.chunk_id, hit);
        }
        Ok(ranked
            .iter()
            .filter_map(|&(id, score)| {
                by_id.remove(&id).map(|mut hit| {
                    hit.score = score;
                    hit
                })
            })
            .collect())
    }
}

/// A query returning `(chunk id, score)` rows.
type Ranked<'q> = sqlx::query::QueryAs<'q, sqlx::Postgres, (i64, f64), sqlx::postgres::PgArguments>;

/// Binds `$1` shop, `$2` query (its text, or its [`Vector`]), `$3`..`$7` filters, `$8` limit.
fn bind_filters<'q, Q>(
    query: Ranked<'q>,
    shop_id: i64,
    second: Q,
    filters: &Filters,
    limit: usize,
) -> Ranked<'q>
where
    Q: 'q + Send + sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    let kinds = (!filters.kinds.is_empty()).then(|| filters.kinds.clone());
    query
        .bind(shop_id)
        .bind(second)
        .bind(kinds)
        .bind(filters.in_stock)
        .bind(filters.price_min)
        .bind(filters.price_max)
        .bind(filters.collection.clone())
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
}

/// Weighted reciprocal-rank fusion of two ranked lists.
pub fn fuse(
    keyword: &[(i64, f64)],
    vector: &[(i64, f64)],
    fusion: &Fusion,
    limit: usize,
) -> Vec<(i64, f64)> {
    let mut scores: HashMap<i64, f64> = HashMap::new();
    for (list, weight) in [
        (keyword, fusion.keyword_weight),
        (vector, fusion.vector_weight),
    ] {
        for (rank, (id, _)) in list.iter().enumerate() {
            *scores.entry(*id).or_default() += weight / (fusion.k + rank as f64 + 1.0);
        }
    }
    let mut fused: Vec<(i64, f64)> = scores.into_iter().collect();
    fused.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    fused.truncate(limit);
    fused
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ts_rank`'s score of one word of an any-word query, before the division by the number of
    /// words: its occurrences' weights in position order (tsrank.c, `calc_rank_or`).
    fn word_score(weights: &[f64]) -> f64 {
        let sum: f64 = weights
            .iter()
            .enumerate()
            .map(|(j, w)| w / ((j + 1) * (j + 1)) as f64)
            .sum();
        let (jm, wjm) =
            weights.iter().enumerate().fold(
                (0, -1.0),
                |best, (j, &w)| if w > best.1 { (j, w) } else { best },
            );
        (wjm + sum - wjm / ((jm + 1) * (jm + 1)) as f64) / 1.644_934_066_85
    }

    #[test]
    fn tier_bounds_follow_from_the_rank_weights() {
        let weights: Vec<f64> = RANK_WEIGHTS
            .trim_matches(['{', '}'])
            .split(',')
            .map(|w| w.trim().parse().unwrap())
            .collect();
        let [_, body, headings, title] = weights[..] else {
            panic!("four weights: {RANK_WEIGHTS}");
        };
        assert_eq!(body, BODY_WEIGHT);
        // Positions run title, headings, body: a word's first occurrence has its best weight.
        assert!(body < headings && headings < title);
        for best in [title, headings, body] {
            let lowest = word_score(&[best]);
            assert!((lowest - best / 1.644_934_066_85).abs() < 1e-12);
            // Any number of further occurrences (tsvector keeps 256) stays below `best`.
            let many: Vec<f64> = std::iter::once(best)
                .chain(std::iter::repeat_n(body, 255))
                .collect();
            assert!(word_score(&many) < best * 0.9999);
            let all_best = vec![best; 256];
            assert!(word_score(&all_best) >= lowest && word_score(&all_best) < best * 0.9999);
        }
        // Headings: a chunk holding every word in its body only ranks below BODY_WEIGHT.
        // Two words: one body word ranks below two words, or one in a heading or title.
        let one_body_word = word_score(&vec![body; 256]);
        assert!(one_body_word < BODY_WEIGHT);
        assert!(2.0 * word_score(&[body]) > one_body_word);
        assert!(word_score(&[headings]) > one_body_word);
    }

    #[test]
    fn a_tier_settles_only_when_nothing_outside_can_outrank_it() {
        let ranked = [(1, 0.9), (2, 0.3), (3, 0.2)];
        assert!(Tier::Headings.settles(&ranked, 3));
        assert!(Tier::Headings.settles(&ranked, 2));
        assert!(!Tier::Headings.settles(&[(1, 0.9), (2, 0.19)], 2));
        assert!(!Tier::Headings.settles(&ranked, 4));
        assert!(Tier::TwoWords.settles(&[(1, 0.01), (2, 0.01)], 2));
        assert!(!Tier::TwoWords.settles(&ranked, 4));
        assert!(Tier::AnyWord.settles(&[], 10));
        assert!(Tier::Headings.settles(&[], 0));
    }

    #[test]
    fn every_tier_is_one_query_over_the_same_ranking() {
        for tier in Tier::ALL {
            let sql = keyword_sql(tier, &Filters::default());
            assert!(sql.contains(&format!("ts_rank('{RANK_WEIGHTS}', c.tsv, q.q)")));
            assert_eq!(sql.contains("AS pairs"), tier == Tier::TwoWords);
            assert!(!sql.contains("EXISTS"), "no document join without filters");
        }
        let filters = Filters {
            in_stock: Some(true),
            ..Filters::default()
        };
        assert!(keyword_sql(Tier::Headings, &filters).contains("EXISTS"));
    }
}
