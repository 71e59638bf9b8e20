//! Search at scale: one large and one small shop inside a `chunks` table of about a million
//! rows, searched through [`Knowledge`] as the product does. Measures hybrid, vector and keyword
//! latency, the recall of [`Knowledge::nearest`] against an exact scan, whether the tiered
//! keyword search returns what ranking every match would, and shows the queries' plans (built
//! by the same functions as the product's, in `knowledge/search.rs`).
//!
//! A million real embeddings would take hours to compute here (MiniLM embeds about 110
//! chunks/s on two cores), so the corpus is synthetic and generated inside PostgreSQL:
//!
//! - **Vectors** are clustered, as real embeddings are: [`TOPICS`] random unit "topic" centres,
//!   and each chunk is `normalise(centre + noise)`, the noise Gaussian and isotropic with a norm
//!   drawn per chunk in 0.7–1.3 (cosine to its centre ≈ 0.6–0.8, to a chunk of its topic
//!   ≈ 0.5, to other topics ≈ 0 ± 0.05). A shop of `n` chunks draws its chunks' topics from its
//!   own `clamp(n / 20, 1, TOPICS)` topics picked from the shared pool, so the large shop's
//!   neighbours are interleaved with other shops' chunks of the same topics. Isotropic noise in
//!   all 384 dimensions is harder for HNSW than real embeddings, whose intrinsic dimension is
//!   lower: recall here is a conservative figure.
//! - **Text** is words from a [`VOCABULARY`] of 5,000: the 100 most frequent are English stop
//!   words (dropped by the `english` configuration, as in real text), the rest synthetic
//!   syllable words. A body has 60–160 words, each drawn Zipf-like (log-uniform rank, so
//!   frequency ∝ 1/rank) from the whole vocabulary, or with probability 0.2 from its topic's 12
//!   topic words. Documents hold 4 chunks; a third are products with a price.
//! - **Queries** are the perturbed centre of a topic of the shop (noise norm 0.5, cosine to the
//!   centre ≈ 0.9) and 2–3 words: two of that topic's words and, half the time, one content
//!   word drawn Zipf-like.
//!
//! Rows are written with `INSERT … SELECT generate_series` (two shops at a time, one per core)
//! with the model's HNSW index and the two full-text GIN indexes dropped; they are rebuilt after
//! the load, then `VACUUM ANALYZE`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures::StreamExt;
use serde::Serialize;
use sqlx::postgres::PgPoolOptions;
use sqlx::{AssertSqlSafe, ConnectOptions, PgPool};

use super::quantile;
use crate::knowledge::search::{self, ANY_WORD, Tier};
use crate::knowledge::{Filters, Knowledge, Mode, Model, SearchRequest};

/// Chunks of each shop besides the large and the small one.
const OTHER_SHOP_CHUNKS: usize = 2_000;
/// Topic centres the vectors cluster around.
pub const TOPICS: usize = 2_000;
/// Distinct words; the first [`STOP_WORDS`] are English stop words.
pub const VOCABULARY: usize = 5_000;
const STOP_WORDS: usize = 100;
/// Chunks per document.
const CHUNKS_PER_DOCUMENT: usize = 4;
/// Shops loaded at once: one per core of the project's machines.
const LOAD_CONCURRENCY: usize = 2;
/// Queries run (unmeasured) before each measured series.
const WARMUP: usize = 30;
/// Top-k of the measured searches, as the assistant asks for them.
const TOP_K: usize = 10;
/// Depth of hybrid search's vector list (`search_embedded` asks for `max(limit, 50)`).
const HYBRID_DEPTH: usize = 50;
/// `hnsw.ef_search` values tried on the large shop.
const EF_SWEEP: [usize; 10] = [40, 64, 100, 150, 200, 300, 400, 600, 800, 1000];
/// Memory for the index builds: the HNSW graph of a million 384-dim vectors fits in it.
const MAINTENANCE_WORK_MEM: &str = "4GB";

#[derive(Debug, Clone)]
pub struct Options {
    /// Chunks in the whole table.
    pub total: usize,
    /// Chunks of the large shop.
    pub large: usize,
    /// Chunks of the small shop.
    pub small: usize,
    /// Queries per measured series.
    pub queries: usize,
    /// Shops with at most this many vectors are searched exactly (the product's default is
    /// [`crate::knowledge::search::EXACT_SCAN_MAX`]; small runs lower it to reach the HNSW
    /// plan).
    pub exact_scan_max: i64,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub total_chunks: usize,
    pub shops: usize,
    pub dimensions: usize,
    pub topics: usize,
    pub vocabulary: usize,
    pub queries: usize,
    pub exact_scan_max: i64,
    pub load: LoadTimes,
    pub sizes_mb: Sizes,
    pub large: ShopFigures,
    pub small: ShopFigures,
    /// `Knowledge::search` on the large shop, hybrid top-10, the query embedded by MiniLM.
    pub end_to_end_large: Latency,
    /// The large shop's HNSW query (as `nearest` runs it) at other `hnsw.ef_search` values.
    pub ef_search_sweep: Vec<Sweep>,
    pub plans: Vec<Plan>,
}

#[derive(Debug, Serialize)]
pub struct LoadTimes {
    /// Shops, documents, chunks (with their generated `tsv`) and vectors.
    pub rows_s: f64,
    /// Both full-text GIN indexes: every word, and title and heading words.
    pub gin_index_s: f64,
    pub hnsw_index_s: f64,
    pub vacuum_analyze_s: f64,
    /// The large shop's own HNSW index (`Knowledge::index_large_shop`).
    pub shop_index_s: f64,
}

#[derive(Debug, Serialize)]
pub struct Sizes {
    /// `chunks` with its TOAST and indexes.
    pub chunks: f64,
    /// `chunk_embeddings` heap (and TOAST).
    pub chunk_embeddings: f64,
    pub hnsw_index: f64,
    /// The large shop's own HNSW index.
    pub shop_index: f64,
    pub gin_index: f64,
    /// The title and heading words' GIN index (keyword search's first tier).
    pub head_gin_index: f64,
}

#[derive(Debug, Serialize)]
pub struct ShopFigures {
    pub chunks: usize,
    /// `hnsw` or `exact`: the plan `nearest` picks for the shop.
    pub vector_plan: &'static str,
    /// `search_embedded`, hybrid, top 10.
    pub hybrid: Latency,
    /// `search_embedded`, vector, top 10.
    pub vector: Latency,
    /// `search_embedded`, keyword, top 10.
    pub keyword: Latency,
    /// Hybrid's halves alone: `nearest(k = 50)` and the keyword top 50, which hybrid runs
    /// concurrently before it fetches the fused top 10.
    pub hybrid_vector_half: Latency,
    pub hybrid_keyword_half: Latency,
    /// `nearest(k = 10)` against the exact top 10.
    pub recall_at_10: f64,
    /// `nearest(k = 50)` (hybrid's vector list) against the exact top 50.
    pub recall_at_50: f64,
    /// Chunks matching a query's words (any of them): what ranking them all would read.
    pub keyword_matches_p50: i64,
    pub keyword_matches_p95: i64,
    /// Share of queries whose keyword top 10 (top 50) is the same list as ranking every match:
    /// 1 unless the tiers' bounds are wrong.
    pub keyword_exact_at_10: f64,
    pub keyword_exact_at_50: f64,
    /// Share of queries whose keyword top 50 each tier settled (headings, two words, any word).
    pub keyword_tiers_at_50: [f64; 3],
}

#[derive(Debug, Serialize)]
pub struct Latency {
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        Self {
            p50_ms: ms(quantile(&samples, 0.50)),
            p95_ms: ms(quantile(&samples, 0.95)),
            p99_ms: ms(quantile(&samples, 0.99)),
            max_ms: ms(samples.last().copied().unwrap_or_default()),
        }
    }

    fn cells(&self) -> String {
        format!(
            "{:.1} / {:.1} / {:.1}",
            self.p50_ms, self.p95_ms, self.p99_ms
        )
    }
}

#[derive(Debug, Serialize)]
pub struct Sweep {
    pub ef_search: usize,
    /// Top 10 (a vector search).
    pub recall_at_10: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    /// Top 50 (hybrid's vector list).
    pub recall_at_50: f64,
    pub p50_ms_at_50: f64,
    pub p95_ms_at_50: f64,
}

#[derive(Debug, Serialize)]
pub struct Plan {
    pub shop: &'static str,
    /// `vector` (`nearest`) or `keyword` (the first tier of hybrid's keyword half, top 50).
    pub query: &'static str,
    /// `custom` (planned for the values) or `generic` (what a pooled connection may reuse).
    pub plan: &'static str,
    pub lines: Vec<String>,
}

/// Loads the corpus into `db` (migrated, empty) and measures. Ctrl-C stops it with an error,
/// so the caller still drops the scratch database.
pub async fn run(db: PgPool, options: &Options) -> anyhow::Result<Report> {
    anyhow::ensure!(
        options.large + options.small <= options.total,
        "--large and --small must fit in --total"
    );
    anyhow::ensure!(
        options.large > 0 && options.small > 0 && options.queries > 0,
        "--large, --small and --queries must be positive"
    );
    tokio::select! {
        report = measure(db, options) => report,
        _ = tokio::signal::ctrl_c() => anyhow::bail!("interrupted"),
    }
}

/// A loaded shop.
#[derive(Debug, Clone, Copy)]
struct Shop {
    id: i64,
    chunks: usize,
}

/// A query: its vector and its words.
struct Query {
    vector: Vec<f32>,
    text: String,
}

async fn measure(db: PgPool, options: &Options) -> anyhow::Result<Report> {
    let embedder = crate::knowledge::embed::local()
        .context("while loading the local embedding model (run scripts/setup)")?;
    let knowledge =
        Knowledge::new(db.clone(), Arc::new(embedder)).with_exact_scan_max(options.exact_scan_max);
    let model = knowledge.model().await?.clone();
    // The benchmark's own statements (the load, exact scans, EXPLAIN) are slow by design: a
    // pool that does not log them as slow. Searches go through the product's pool.
    let quiet = (*db.connect_options())
        .clone()
        .log_slow_statements(tracing::log::LevelFilter::Off, Duration::ZERO);
    let bench = PgPoolOptions::new()
        .max_connections(LOAD_CONCURRENCY as u32 + 1)
        .connect_with(quiet)
        .await?;
    let report = measure_with(&bench, &knowledge, &model, options).await;
    bench.close().await;
    report
}

async fn measure_with(
    db: &PgPool,
    knowledge: &Knowledge,
    model: &Model,
    options: &Options,
) -> anyhow::Result<Report> {
    let (shops, vocabulary, mut load) = load(db, model, options).await?;
    let (large, small) = (shops[0], shops[1]);
    if large.chunks as i64 > options.exact_scan_max {
        eprintln!("building the large shop's own HNSW index");
        let started = Instant::now();
        anyhow::ensure!(
            knowledge.index_large_shop(large.id).await?,
            "the large shop has no index of its own"
        );
        load.shop_index_s = started.elapsed().as_secs_f64();
    }
    let sizes = sizes(db, model, large).await?;

    let mut figures = Vec::new();
    let mut plans = Vec::new();
    let (mut large_queries, mut large_truth) = (Vec::new(), Vec::new());
    for (label, shop) in [("large", large), ("small", small)] {
        eprintln!("measuring the {label} shop ({} chunks)", shop.chunks);
        let queries = queries(db, shop, options.queries, &vocabulary, model.dimensions).await?;
        let hnsw = shop.chunks as i64 > options.exact_scan_max;
        let truth = exact(db, model, shop, &queries).await?;
        figures.push(shop_figures(db, knowledge, shop, hnsw, &queries, &truth).await?);
        plans.extend(explain(db, model, shop, label, hnsw, &queries[0]).await?);
        if label == "large" {
            (large_queries, large_truth) = (queries, truth);
        }
    }

    eprintln!("measuring end-to-end search() on the large shop");
    let end_to_end_large = end_to_end(knowledge, large, &large_queries).await?;
    let ef_search_sweep = if large.chunks as i64 > options.exact_scan_max {
        eprintln!("sweeping hnsw.ef_search on the large shop");
        sweep(db, model, large, &large_queries, &large_truth).await?
    } else {
        Vec::new()
    };

    let mut figures = figures.into_iter();
    let (Some(large_figures), Some(small_figures)) = (figures.next(), figures.next()) else {
        anyhow::bail!("both shops are measured");
    };
    Ok(Report {
        total_chunks: options.total,
        shops: shops.len(),
        dimensions: model.dimensions,
        topics: TOPICS,
        vocabulary: VOCABULARY,
        queries: options.queries,
        exact_scan_max: options.exact_scan_max,
        load,
        sizes_mb: sizes,
        large: large_figures,
        small: small_figures,
        end_to_end_large,
        ef_search_sweep,
        plans,
    })
}

/// Helpers the load and the queries share: deterministic hashes, topics, words.
fn setup_sql(dimensions: usize) -> String {
    let content_words = VOCABULARY - 150;
    format!(
        "CREATE SCHEMA bench;
         -- A non-negative hash: the generator's deterministic choices.
         CREATE FUNCTION bench.h(x bigint) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
             AS $$ SELECT (hashint8(x) & 2147483647)::bigint $$;
         -- The topic of chunk j of a shop of n chunks: one of the shop's clamp(n/20) topics.
         CREATE FUNCTION bench.topic(shop bigint, j bigint, n bigint) RETURNS int
             LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
             SELECT (1 + bench.h(shop * 1000003
                        + bench.h(j * 31 + 7) % greatest(1, least({TOPICS}, n / 20))) % {TOPICS})::int
         $$;
         -- The rank of a topic's k-th word (12 per topic, among the content words).
         CREATE FUNCTION bench.topic_rank(t int, k bigint) RETURNS int
             LANGUAGE sql IMMUTABLE PARALLEL SAFE
             AS $$ SELECT (151 + bench.h(t::bigint * 16 + k % 12) % {content_words})::int $$;
         -- A Zipf-like rank in lo..{VOCABULARY}: log-uniform, so frequency ∝ 1/rank.
         CREATE FUNCTION bench.zipf_rank(lo int) RETURNS int LANGUAGE sql VOLATILE PARALLEL SAFE
             AS $$ SELECT lo - 1 + floor(exp(random() * ln({VOCABULARY} - lo + 2)))::int $$;
         -- The word of a rank: English stop words first, then syllable words.
         CREATE FUNCTION bench.syllables(r int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
             SELECT (ARRAY['b','c','d','f','g','h','j','k','l','m','n','p','r','s','t','v','w',
                           'z','br','cl','dr','st','tr','sh'])[1 + r % 24]
                 || (ARRAY['a','e','i','o','u','ai','ea','ou'])[1 + (r / 24) % 8]
                 || (ARRAY['b','c','d','f','g','h','j','k','l','m','n','p','r','s','t','v','w',
                           'z','br','cl','dr','st','tr','sh'])[1 + (r / 192) % 24]
                 || (ARRAY['a','e','i','o','u','ai','ea','ou'])[1 + (r / 4608 + r / 7) % 8]
                 || (ARRAY['','n','r','st','l','m'])[1 + (r / 3) % 6]
         $$;
         CREATE FUNCTION bench.word(r int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
             SELECT CASE WHEN r <= {STOP_WORDS} THEN (ARRAY['the','of','and','to','a','in','is',
                 'you','that','it','for','on','with','as','your','are','be','this','at','or',
                 'by','from','have','an','not','we','can','will','if','all','our','but','they',
                 'more','about','which','when','there','has','their','other','what','so','out',
                 'up','do','been','into','only','some','its','any','than','then','them','these',
                 'also','how','each','no','most','over','after','very','such','where','was',
                 'were','would','should','here','few','both','those','between','through',
                 'before','while','own','same','under','again','further','once','why','because',
                 'until','against','during','above','below','down','off','just','now','too','my',
                 'me','i','he','she','him','her','his'])[r]
             ELSE bench.syllables((r * 7919) % 36864) END
         $$;
         -- A document's title: two of its topic's words and a content word.
         CREATE FUNCTION bench.title(w text[], shop bigint, d bigint, n bigint) RETURNS text
             LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
             SELECT initcap(concat_ws(' ',
                 w[bench.topic_rank(bench.topic(shop, d * {CHUNKS_PER_DOCUMENT}, n), bench.h(d))],
                 w[bench.topic_rank(bench.topic(shop, d * {CHUNKS_PER_DOCUMENT}, n), bench.h(d + 1))],
                 w[{first_content} + (bench.h(d + 2) % {content_after_stop})::int]))
         $$;
         CREATE TABLE bench.centres (t int PRIMARY KEY, c vector({dimensions}) NOT NULL);
         INSERT INTO bench.centres
         SELECT t, l2_normalize((SELECT array_agg(random_normal()::real)::vector
                                 FROM generate_series(1, {dimensions}) g WHERE t > 0))
         FROM generate_series(1, {TOPICS}) t;",
        first_content = STOP_WORDS + 1,
        content_after_stop = VOCABULARY - STOP_WORDS,
    )
}

/// One shop's documents: `$1` shop, `$2` source, `$3` chunks, `$4` first document id,
/// `$5` vocabulary.
const DOCUMENTS_SQL: &str = "
    INSERT INTO documents (shop_id, id, source_id, kind, external_id, url, title, fields,
                           content_hash)
    OVERRIDING SYSTEM VALUE
    SELECT $1, $4 + d, $2, CASE WHEN d % 3 = 0 THEN 'product' ELSE 'page' END,
           'bench/' || d, 'https://bench.example/' || d, bench.title($5, $1, d, $3),
           CASE WHEN d % 3 = 0
                THEN jsonb_build_object('price_min', 5 + bench.h(d) % 200,
                                        'price_max', 5 + bench.h(d) % 200,
                                        'currency', 'USD', 'available', d % 5 <> 0)
                ELSE '{}'::jsonb END,
           md5($1 || '/' || d)
    FROM generate_series(0, ($3 + 3) / 4 - 1) d";

/// One shop's chunks: `$1` shop, `$2` chunks, `$3` first chunk id, `$4` first document id,
/// `$5` vocabulary. `tsv` is generated by the table.
const CHUNKS_SQL: &str = "
    INSERT INTO chunks (shop_id, id, document_id, ordinal, title, heading_path, body, content)
    OVERRIDING SYSTEM VALUE
    SELECT $1, $3 + j, $4 + j / 4, (j % 4)::int, x.title, x.heading, x.body,
           concat_ws(E'\\n', x.title, nullif(x.heading, ''), x.body)
    FROM generate_series(0, $2 - 1) j
    CROSS JOIN LATERAL (
        SELECT bench.title($5, $1, j / 4, $2) AS title,
               CASE WHEN j % 4 = 0 THEN ''
                    ELSE initcap(($5::text[])[bench.topic_rank(tt.t, j)]) END AS heading,
               (SELECT string_agg(($5::text[])[(CASE WHEN random() < 0.2
                                          THEN bench.topic_rank(tt.t, floor(random() * 12)::bigint)
                                          ELSE bench.zipf_rank(1) END + 0 * g)::int], ' ')
                FROM generate_series(1, 60 + bench.h(j) % 101) g) AS body
        FROM (SELECT bench.topic($1, j, $2) AS t) tt
    ) x";

/// One shop's vectors: `$1` shop, `$2` chunks, `$3` first chunk id, `$4` model.
fn embeddings_sql(dimensions: usize) -> String {
    format!(
        "INSERT INTO chunk_embeddings (shop_id, chunk_id, model_id, embedding)
         SELECT $1, $3 + j, $4, l2_normalize(c.c + (
             SELECT array_agg(random_normal(0, ((0.7 + 0.6 * (bench.h(j * 7 + 3) % 1000) / 1000.0)
                                                / sqrt({dimensions}) + 0 * g)::float8)::real)::vector
             FROM generate_series(1, {dimensions}) g))
         FROM generate_series(0, $2 - 1) j
         JOIN bench.centres c ON c.t = bench.topic($1, j, $2)"
    )
}

/// Queries on one shop: `$1` shop, `$2` its chunks, `$3` how many, `$4` vocabulary.
fn queries_sql(dimensions: usize) -> String {
    format!(
        "SELECT l2_normalize(c.c + (
                    SELECT array_agg(random_normal(0, 0.5 / sqrt({dimensions}) + 0 * g)::real)::vector
                    FROM generate_series(1, {dimensions}) g WHERE q.i > 0))::text,
                concat_ws(' ',
                    ($4::text[])[bench.topic_rank(tt.t, floor(random() * 12)::bigint)],
                    ($4::text[])[bench.topic_rank(tt.t, floor(random() * 12)::bigint)],
                    CASE WHEN random() < 0.5 THEN ($4::text[])[bench.zipf_rank({})] END)
         FROM generate_series(1, $3) q(i)
         CROSS JOIN LATERAL (
             SELECT bench.topic($1, floor(random() * $2)::bigint + 0 * q.i, $2) AS t OFFSET 0
         ) tt
         JOIN bench.centres c ON c.t = tt.t",
        STOP_WORDS + 1
    )
}

/// Creates the shops and their rows, then the indexes. Returns the shops (large first, small
/// second), the vocabulary, and the times.
async fn load(
    db: &PgPool,
    model: &Model,
    options: &Options,
) -> anyhow::Result<(Vec<Shop>, Vec<String>, LoadTimes)> {
    let started = Instant::now();
    sqlx::raw_sql(AssertSqlSafe(setup_sql(model.dimensions)))
        .execute(db)
        .await
        .context("while creating the generator")?;
    // Runtime SQL: the generator functions (`bench.*`) exist only at run time.
    let vocabulary: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT bench.word(r) FROM generate_series(1, {VOCABULARY}) r ORDER BY r"
    )))
    .fetch_all(db)
    .await?;
    // Indexes are built after the load, as a bulk import would.
    sqlx::raw_sql(AssertSqlSafe(format!(
        "DROP INDEX chunk_embeddings_hnsw_{}; DROP INDEX chunks_tsv; DROP INDEX chunks_head_tsv;",
        model.id
    )))
    .execute(db)
    .await?;

    let mut sizes = vec![options.large, options.small];
    let mut rest = options.total - options.large - options.small;
    while rest > 0 {
        let n = rest.min(OTHER_SHOP_CHUNKS);
        sizes.push(n);
        rest -= n;
    }
    let ids: Vec<(i64, i64)> = sqlx::query!(
        r#"WITH shops AS (
             INSERT INTO shops (domain, install_state, installed_at)
             SELECT 'bench-' || s || '.myshopify.com', 'installed', now()
             FROM generate_series(0, $1::int8 - 1) s
             RETURNING id, domain
         ), sources AS (
             INSERT INTO knowledge_sources (shop_id, kind, name)
             SELECT id, 'files', 'bench' FROM shops
             RETURNING shop_id, id
         )
         SELECT shops.id AS "shop!", sources.id AS "source!"
         FROM shops JOIN sources ON sources.shop_id = shops.id
         ORDER BY substring(shops.domain FROM '^bench-([0-9]+)[.]')::int"#,
        sizes.len() as i64,
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (r.shop, r.source))
    .collect();

    let embeddings = embeddings_sql(model.dimensions);
    let mut jobs = Vec::with_capacity(sizes.len());
    let (mut next_chunk, mut next_document) = (1_i64, 1_i64);
    for (&n, &(shop, source)) in sizes.iter().zip(&ids) {
        jobs.push((shop, source, n, next_chunk, next_document));
        next_chunk += n as i64;
        next_document += n.div_ceil(CHUNKS_PER_DOCUMENT) as i64;
    }
    let mut loads = futures::stream::iter(jobs.into_iter().map(
        |(shop, source, n, first_chunk, first_document)| {
            let (vocabulary, embeddings) = (&vocabulary, &embeddings);
            async move {
                // Runtime SQL (here and below): the statements call the run-time `bench.*` generators.
                sqlx::query(DOCUMENTS_SQL)
                    .bind(shop)
                    .bind(source)
                    .bind(n as i64)
                    .bind(first_document)
                    .bind(vocabulary)
                    .execute(db)
                    .await?;
                sqlx::query(CHUNKS_SQL)
                    .bind(shop)
                    .bind(n as i64)
                    .bind(first_chunk)
                    .bind(first_document)
                    .bind(vocabulary)
                    .execute(db)
                    .await?;
                sqlx::query(AssertSqlSafe(embeddings.clone()))
                    .bind(shop)
                    .bind(n as i64)
                    .bind(first_chunk)
                    .bind(model.id)
                    .execute(db)
                    .await?;
                anyhow::Ok(n)
            }
        },
    ))
    .buffer_unordered(LOAD_CONCURRENCY);
    let mut loaded = 0;
    while let Some(n) = loads.next().await {
        loaded += n.context("while loading a shop")?;
        eprint!(
            "\rloaded {loaded}/{} chunks ({:.0}/s)   ",
            options.total,
            loaded as f64 / started.elapsed().as_secs_f64()
        );
    }
    eprintln!();
    drop(loads);
    sqlx::raw_sql(
        "SELECT setval(pg_get_serial_sequence('documents', 'id'), (SELECT max(id) FROM documents));
         SELECT setval(pg_get_serial_sequence('chunks', 'id'), (SELECT max(id) FROM chunks));",
    )
    .execute(db)
    .await?;
    let rows_s = started.elapsed().as_secs_f64();

    // One connection, so that its settings hold for the builds.
    let mut conn = db.acquire().await?;
    sqlx::raw_sql(AssertSqlSafe(format!(
        "SET maintenance_work_mem = '{MAINTENANCE_WORK_MEM}';
         SET max_parallel_maintenance_workers = 1;"
    )))
    .execute(&mut *conn)
    .await?;
    eprintln!("building the GIN indexes");
    let started = Instant::now();
    // As the migrations create them.
    sqlx::raw_sql(
        "CREATE INDEX chunks_tsv ON chunks USING gin (shop_id, tsv);
         CREATE INDEX chunks_head_tsv ON chunks
             USING gin (shop_id, (to_tsvector(language, title) || to_tsvector(language, heading_path)));",
    )
    .execute(&mut *conn)
    .await?;
    let gin_index_s = started.elapsed().as_secs_f64();
    eprintln!("building the HNSW index");
    let started = Instant::now();
    // As `register_model` creates it.
    // Built at run time: the model id and dimensions are literals of the index.
    sqlx::query(AssertSqlSafe(format!(
        "CREATE INDEX chunk_embeddings_hnsw_{id} ON chunk_embeddings
         USING hnsw ((embedding::vector({dims})) vector_cosine_ops) WHERE model_id = {id}",
        id = model.id,
        dims = model.dimensions
    )))
    .execute(&mut *conn)
    .await?;
    let hnsw_index_s = started.elapsed().as_secs_f64();
    eprintln!("vacuuming and analyzing");
    let started = Instant::now();
    sqlx::raw_sql("VACUUM ANALYZE shops, knowledge_sources, documents, chunks, chunk_embeddings")
        .execute(&mut *conn)
        .await?;
    let vacuum_analyze_s = started.elapsed().as_secs_f64();
    drop(conn);

    let shops = ids
        .iter()
        .zip(&sizes)
        .map(|(&(id, _), &chunks)| Shop { id, chunks })
        .collect();
    Ok((
        shops,
        vocabulary,
        LoadTimes {
            rows_s,
            gin_index_s,
            hnsw_index_s,
            vacuum_analyze_s,
            shop_index_s: 0.0,
        },
    ))
}

async fn sizes(db: &PgPool, model: &Model, large: Shop) -> anyhow::Result<Sizes> {
    let (chunks, embeddings, hnsw, shop_hnsw, gin, head_gin): (i64, i64, i64, i64, i64, i64) =
        // Built at run time: the index name carries the model id.
        sqlx::query_as(AssertSqlSafe(format!(
            "SELECT pg_total_relation_size('chunks'),
                    pg_table_size('chunk_embeddings'),
                    pg_relation_size('chunk_embeddings_hnsw_{}'),
                    coalesce(pg_relation_size(to_regclass($1)), 0),
                    pg_relation_size('chunks_tsv'),
                    pg_relation_size('chunks_head_tsv')",
            model.id
        )))
        .bind(search::shop_index(model.id, large.id))
        .fetch_one(db)
        .await?;
    let mb = |bytes: i64| bytes as f64 / (1024.0 * 1024.0);
    Ok(Sizes {
        chunks: mb(chunks),
        chunk_embeddings: mb(embeddings),
        hnsw_index: mb(hnsw),
        shop_index: mb(shop_hnsw),
        gin_index: mb(gin),
        head_gin_index: mb(head_gin),
    })
}

async fn queries(
    db: &PgPool,
    shop: Shop,
    count: usize,
    vocabulary: &[String],
    dimensions: usize,
) -> anyhow::Result<Vec<Query>> {
    // Built at run time: the dimensions and the run-time `bench.*` generators shape it.
    let rows: Vec<(String, String)> = sqlx::query_as(AssertSqlSafe(queries_sql(dimensions)))
        .bind(shop.id)
        .bind(shop.chunks as i64)
        .bind(count as i64)
        .bind(vocabulary)
        .fetch_all(db)
        .await?;
    rows.into_iter()
        .map(|(vector, text)| {
            let vector = vector
                .trim_matches(['[', ']'])
                .split(',')
                .map(str::parse::<f32>)
                .collect::<Result<Vec<_>, _>>()
                .context("while reading a generated query vector")?;
            Ok(Query { vector, text })
        })
        .collect()
}

async fn shop_figures(
    db: &PgPool,
    knowledge: &Knowledge,
    shop: Shop,
    hnsw: bool,
    queries: &[Query],
    truth: &[Vec<i64>],
) -> anyhow::Result<ShopFigures> {
    // The series take turns, each query starting with another, so that no series always runs
    // on the caches another has just warmed: the three modes (top 10), then hybrid's two halves
    // (top 50) alone, to show which one bounds it.
    const MODES: [Mode; 3] = [Mode::Hybrid, Mode::Vector, Mode::Keyword];
    const SERIES: usize = MODES.len() + 2;
    let mut times: [Vec<Duration>; SERIES] = Default::default();
    for (i, q) in queries
        .iter()
        .cycle()
        .take(WARMUP + queries.len())
        .enumerate()
    {
        for turn in 0..SERIES {
            let s = (i + turn) % SERIES;
            let started = Instant::now();
            if let Some(&mode) = MODES.get(s) {
                let request = SearchRequest::new(q.text.clone(), mode, TOP_K);
                let vector = (mode != Mode::Keyword).then_some(q.vector.as_slice());
                let hits = knowledge.search_embedded(shop.id, &request, vector).await?;
                anyhow::ensure!(
                    mode == Mode::Keyword || hits.len() == TOP_K,
                    "{} search found {} hits",
                    mode.as_str(),
                    hits.len()
                );
            } else if s == MODES.len() {
                knowledge
                    .nearest(shop.id, &q.vector, &Filters::default(), HYBRID_DEPTH)
                    .await?;
            } else {
                let request = SearchRequest::new(q.text.clone(), Mode::Keyword, HYBRID_DEPTH);
                knowledge
                    .keyword_tiered(shop.id, &request, HYBRID_DEPTH)
                    .await?;
            }
            if i >= WARMUP {
                times[s].push(started.elapsed());
            }
        }
    }
    let [
        hybrid_times,
        vector_times,
        keyword_times,
        vector_half_times,
        keyword_half_times,
    ] = times;

    let (mut at_10, mut at_50) = (0.0, 0.0);
    for (q, exact) in queries.iter().zip(truth) {
        let found = knowledge
            .nearest(shop.id, &q.vector, &Filters::default(), TOP_K)
            .await?;
        at_10 += recall(&found, &exact[..exact.len().min(TOP_K)]);
        let found = knowledge
            .nearest(shop.id, &q.vector, &Filters::default(), HYBRID_DEPTH)
            .await?;
        at_50 += recall(&found, exact);
    }

    let mut matches = Vec::with_capacity(queries.len());
    for q in queries {
        // Built at run time to share ANY_WORD with the search tiers.
        let count: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "WITH q AS MATERIALIZED (SELECT {ANY_WORD} AS q)
             SELECT count(*) FROM q JOIN chunks c ON c.shop_id = $1 AND c.tsv @@ q.q"
        )))
        .bind(shop.id)
        .bind(&q.text)
        .fetch_one(db)
        .await?;
        matches.push(count);
    }
    matches.sort_unstable();
    let at = |q: f64| matches[((matches.len() - 1) as f64 * q).round() as usize];

    // The tiered keyword top k against ranking every match, and the tier that settled it.
    let (mut exact_10, mut exact_50, mut tiers) = (0.0, 0.0, [0.0; 3]);
    for q in queries {
        let request = SearchRequest::new(q.text.clone(), Mode::Keyword, TOP_K);
        for (k, exact) in [(TOP_K, &mut exact_10), (HYBRID_DEPTH, &mut exact_50)] {
            let (tiered, tier) = knowledge.keyword_tiered(shop.id, &request, k).await?;
            let all = knowledge
                .keyword_tier(shop.id, &request, k, Tier::AnyWord)
                .await?;
            if tiered == all {
                *exact += 1.0;
            }
            if k == HYBRID_DEPTH {
                tiers[Tier::ALL.iter().position(|t| *t == tier).unwrap_or(2)] += 1.0;
            }
        }
    }

    let n = queries.len() as f64;
    Ok(ShopFigures {
        chunks: shop.chunks,
        vector_plan: if hnsw { "hnsw" } else { "exact" },
        hybrid: Latency::of(hybrid_times),
        vector: Latency::of(vector_times),
        keyword: Latency::of(keyword_times),
        hybrid_vector_half: Latency::of(vector_half_times),
        hybrid_keyword_half: Latency::of(keyword_half_times),
        recall_at_10: at_10 / n,
        recall_at_50: at_50 / n,
        keyword_matches_p50: at(0.5),
        keyword_matches_p95: at(0.95),
        keyword_exact_at_10: exact_10 / n,
        keyword_exact_at_50: exact_50 / n,
        keyword_tiers_at_50: tiers.map(|t| t / n),
    })
}

/// Share of `exact` that `found` holds.
fn recall(found: &[(i64, f64)], exact: &[i64]) -> f64 {
    if exact.is_empty() {
        return 1.0;
    }
    let hits = exact
        .iter()
        .filter(|id| found.iter().any(|(f, _)| f == *id))
        .count();
    hits as f64 / exact.len() as f64
}

async fn end_to_end(
    knowledge: &Knowledge,
    shop: Shop,
    queries: &[Query],
) -> anyhow::Result<Latency> {
    let request = |q: &Query| SearchRequest::new(q.text.clone(), Mode::Hybrid, TOP_K);
    for q in queries.iter().take(WARMUP) {
        knowledge.search(shop.id, &request(q)).await?;
    }
    let mut times = Vec::with_capacity(queries.len());
    for q in queries {
        let request = request(q);
        let started = Instant::now();
        knowledge.search(shop.id, &request).await?;
        times.push(started.elapsed());
    }
    Ok(Latency::of(times))
}

/// The vector query's plan for the shop, as planned for the values (`custom`) and as a
/// generic plan (what a pooled connection's prepared statement may settle on), and the
/// keyword query's.
async fn explain(
    db: &PgPool,
    model: &Model,
    shop: Shop,
    label: &'static str,
    hnsw: bool,
    query: &Query,
) -> anyhow::Result<Vec<Plan>> {
    let sql = if hnsw {
        search::hnsw_sql(
            model.id,
            model.dimensions,
            &Filters::default(),
            Some(shop.id),
        )
    } else {
        search::exact_sql(model.id, &Filters::default())
    };
    let vector = pgvector::Vector::from(query.vector.clone());
    let mut tx = db.begin().await?;
    if hnsw {
        sqlx::raw_sql(AssertSqlSafe(search::hnsw_settings(search::ef_search(
            TOP_K,
        ))))
        .execute(&mut *tx)
        .await?;
    }
    // Built at run time (the three EXPLAINs): they wrap the statements search builds.
    let custom: Vec<String> =
        sqlx::query_scalar(AssertSqlSafe(format!("EXPLAIN (ANALYZE, BUFFERS) {sql}")))
            .bind(shop.id)
            .bind(&vector)
            .bind(None::<Vec<String>>)
            .bind(None::<bool>)
            .bind(None::<f64>)
            .bind(None::<f64>)
            .bind(None::<String>)
            .bind(TOP_K as i64)
            .fetch_all(&mut *tx)
            .await?;
    sqlx::raw_sql(AssertSqlSafe(format!(
        "SET LOCAL plan_cache_mode = force_generic_plan;
         PREPARE bench_nearest(bigint, vector, text[], bool, float8, float8, text, bigint) AS {sql};"
    )))
    .execute(&mut *tx)
    .await?;
    // The vector is numbers only (`[0.1, -2e-8, ...]`, which pgvector reads): safe to inline.
    let generic: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
        "EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_nearest({}, '{:?}', NULL, NULL, NULL, NULL,
                                                          NULL, {TOP_K})",
        shop.id,
        vector.as_slice()
    )))
    .fetch_all(&mut *tx)
    .await?;
    sqlx::raw_sql("DEALLOCATE bench_nearest")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    let keyword: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
        "EXPLAIN (ANALYZE, BUFFERS) {}",
        search::keyword_sql(Tier::Headings, &Filters::default())
    )))
    .bind(shop.id)
    .bind(&query.text)
    .bind(None::<Vec<String>>)
    .bind(None::<bool>)
    .bind(None::<f64>)
    .bind(None::<f64>)
    .bind(None::<String>)
    .bind(HYBRID_DEPTH as i64)
    .fetch_all(db)
    .await?;
    Ok(vec![
        Plan {
            shop: label,
            query: "vector",
            plan: "custom",
            lines: custom,
        },
        Plan {
            shop: label,
            query: "vector",
            plan: "generic",
            lines: generic,
        },
        Plan {
            shop: label,
            query: "keyword",
            plan: "custom",
            lines: keyword,
        },
    ])
}

/// Recall@10 and latency of the large shop's HNSW query at other `ef_search` values.
async fn sweep(
    db: &PgPool,
    model: &Model,
    shop: Shop,
    queries: &[Query],
    truth: &[Vec<i64>],
) -> anyhow::Result<Vec<Sweep>> {
    let sql = search::hnsw_sql(
        model.id,
        model.dimensions,
        &Filters::default(),
        Some(shop.id),
    );
    let mut out = Vec::new();
    for ef_search in EF_SWEEP {
        let mut sweep = Sweep {
            ef_search,
            recall_at_10: 0.0,
            p50_ms: 0.0,
            p95_ms: 0.0,
            recall_at_50: 0.0,
            p50_ms_at_50: 0.0,
            p95_ms_at_50: 0.0,
        };
        for k in [TOP_K, HYBRID_DEPTH] {
            let mut times = Vec::with_capacity(queries.len());
            let mut found_share = 0.0;
            for (round, q) in queries
                .iter()
                .cycle()
                .take(WARMUP + queries.len())
                .enumerate()
            {
                let vector = pgvector::Vector::from(q.vector.clone());
                let started = Instant::now();
                let mut tx = db.begin().await?;
                sqlx::raw_sql(AssertSqlSafe(search::hnsw_settings(ef_search)))
                    .execute(&mut *tx)
                    .await?;
                // Built at run time: the plan search builds for this shop.
                let found: Vec<(i64, f64)> = sqlx::query_as(AssertSqlSafe(sql.clone()))
                    .bind(shop.id)
                    .bind(&vector)
                    .bind(None::<Vec<String>>)
                    .bind(None::<bool>)
                    .bind(None::<f64>)
                    .bind(None::<f64>)
                    .bind(None::<String>)
                    .bind(k as i64)
                    .fetch_all(&mut *tx)
                    .await?;
                tx.commit().await?;
                if round >= WARMUP {
                    times.push(started.elapsed());
                    let exact = &truth[round % queries.len()];
                    found_share += recall(&found, &exact[..exact.len().min(k)]);
                }
            }
            let latency = Latency::of(times);
            let recall = found_share / queries.len() as f64;
            if k == TOP_K {
                (sweep.recall_at_10, sweep.p50_ms, sweep.p95_ms) =
                    (recall, latency.p50_ms, latency.p95_ms);
            } else {
                (sweep.recall_at_50, sweep.p50_ms_at_50, sweep.p95_ms_at_50) =
                    (recall, latency.p50_ms, latency.p95_ms);
            }
        }
        out.push(sweep);
    }
    Ok(out)
}

/// The exact top 50 of every query. The expression has no `::vector(N)` cast, so it cannot
/// match the HNSW index: a scan of the shop's rows through the primary key, then a sort.
async fn exact(
    db: &PgPool,
    model: &Model,
    shop: Shop,
    queries: &[Query],
) -> anyhow::Result<Vec<Vec<i64>>> {
    let mut truth = Vec::with_capacity(queries.len());
    for query in queries {
        // Built at run time: the model id is a literal, to match the index predicate.
        let ids: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT chunk_id FROM chunk_embeddings WHERE shop_id = $1 AND model_id = {}
             ORDER BY embedding <=> $2::vector, chunk_id LIMIT {HYBRID_DEPTH}",
            model.id
        )))
        .bind(shop.id)
        .bind(pgvector::Vector::from(query.vector.clone()))
        .fetch_all(db)
        .await?;
        truth.push(ids);
    }
    Ok(truth)
}

impl Report {
    /// The figures as text tables.
    pub fn table(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} chunks in {} shops ({}-dim vectors around {} topics, {} words); {} queries per series",
            self.total_chunks,
            self.shops,
            self.dimensions,
            self.topics,
            self.vocabulary,
            self.queries
        );
        let _ = writeln!(
            out,
            "load: rows {:.1} s, GIN indexes {:.1} s, HNSW index {:.1} s, VACUUM ANALYZE {:.1} s, \
             the large shop's own HNSW index {:.1} s",
            self.load.rows_s,
            self.load.gin_index_s,
            self.load.hnsw_index_s,
            self.load.vacuum_analyze_s,
            self.load.shop_index_s
        );
        let _ = writeln!(
            out,
            "sizes: chunks {:.0} MB, chunk_embeddings {:.0} MB, HNSW index {:.0} MB (the large \
             shop's own {:.0} MB), GIN indexes {:.0} MB (all words) and {:.0} MB (title and \
             heading words)\n",
            self.sizes_mb.chunks,
            self.sizes_mb.chunk_embeddings,
            self.sizes_mb.hnsw_index,
            self.sizes_mb.shop_index,
            self.sizes_mb.gin_index,
            self.sizes_mb.head_gin_index
        );
        let _ = writeln!(
            out,
            "{:<6} {:>8} {:<6} {:>22} {:>22} {:>22} {:>9} {:>9} {:>14}",
            "shop",
            "chunks",
            "plan",
            "hybrid p50/p95/p99 ms",
            "vector p50/p95/p99 ms",
            "keyword p50/p95/p99 ms",
            "recall@10",
            "recall@50",
            "kw matches p50"
        );
        for (label, f) in [("large", &self.large), ("small", &self.small)] {
            let _ = writeln!(
                out,
                "{:<6} {:>8} {:<6} {:>22} {:>22} {:>22} {:>9.3} {:>9.3} {:>14}",
                label,
                f.chunks,
                f.vector_plan,
                f.hybrid.cells(),
                f.vector.cells(),
                f.keyword.cells(),
                f.recall_at_10,
                f.recall_at_50,
                f.keyword_matches_p50
            );
        }
        let _ = writeln!(out, "\nhybrid's halves alone, top 50, p50/p95/p99 ms:");
        for (label, f) in [("large", &self.large), ("small", &self.small)] {
            let _ = writeln!(
                out,
                "{label:<6} vector {:>22}   keyword {:>22}",
                f.hybrid_vector_half.cells(),
                f.hybrid_keyword_half.cells()
            );
        }
        let _ = writeln!(
            out,
            "\nkeyword top k equal to ranking every match (k = 10 / 50); tier settling the top 50 \
             (headings / two words / any word):"
        );
        for (label, f) in [("large", &self.large), ("small", &self.small)] {
            let [headings, two_words, any_word] = f.keyword_tiers_at_50;
            let _ = writeln!(
                out,
                "{label:<6} exact {:.3} / {:.3}; tiers {headings:.3} / {two_words:.3} / {any_word:.3}",
                f.keyword_exact_at_10, f.keyword_exact_at_50
            );
        }
        let _ = writeln!(
            out,
            "\nsearch() on the large shop, MiniLM query embedding included, hybrid top-10: \
             p50/p95/p99 {} ms",
            self.end_to_end_large.cells()
        );
        if !self.ef_search_sweep.is_empty() {
            let _ = writeln!(
                out,
                "\nlarge shop, nearest's HNSW query at other hnsw.ef_search (nearest uses max(200, 4k)):"
            );
            let _ = writeln!(
                out,
                "{:>9} {:>9} {:>8} {:>8} {:>9} {:>8} {:>8}",
                "ef_search", "recall@10", "p50 ms", "p95 ms", "recall@50", "p50 ms", "p95 ms"
            );
            for s in &self.ef_search_sweep {
                let _ = writeln!(
                    out,
                    "{:>9} {:>9.3} {:>8.1} {:>8.1} {:>9.3} {:>8.1} {:>8.1}",
                    s.ef_search,
                    s.recall_at_10,
                    s.p50_ms,
                    s.p95_ms,
                    s.recall_at_50,
                    s.p50_ms_at_50,
                    s.p95_ms_at_50
                );
            }
        }
        for plan in &self.plans {
            let _ = writeln!(
                out,
                "\n{} query plan, {} shop, {}:",
                plan.query, plan.shop, plan.plan
            );
            for line in &plan.lines {
                let _ = writeln!(out, "  {line}");
            }
        }
        out
    }
}
