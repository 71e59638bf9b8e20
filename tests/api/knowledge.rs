//! Knowledge: ingestion (hash skip, replacement, deletion), search in every mode with
//! filters and shop scoping, both vector plans against exact search, and the Shopify sync
//! end to end (install, webhooks, a worker SIGKILLed mid-sync).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use concierge::jobs::ReembedShop;
use concierge::jobs::{Job, JobContext};
use concierge::knowledge::Knowledge;
use concierge::knowledge::embed::{EmbedFuture, Embedder};
use concierge::knowledge::search::{Filters, Mode, SearchRequest};
use concierge::knowledge::sources::{self, Kind};
use connectors::{Block, Document, SourceKind, StructuredFields};

use concierge::dev::demo::DEMO_SHOP;

use crate::helpers::{
    APP_ENV, TestApp, TestDb, concierge, eventually, install_shop, state, worker,
};

fn product(id: &str, title: &str, text: &str, price: f64, available: bool) -> Document {
    Document {
        source_kind: SourceKind::Product,
        external_id: id.into(),
        url: Some(format!("https://shop.example/products/{id}")),
        title: title.into(),
        blocks: vec![Block::Paragraph(text.into())],
        fields: StructuredFields {
            price_min: Some(price),
            price_max: Some(price),
            currency: Some("USD".into()),
            available: Some(available),
            collections: vec!["Outdoor".into()],
            ..StructuredFields::default()
        },
        updated_at: None,
    }
}

fn page(id: &str, title: &str, sections: &[(&str, &str)]) -> Document {
    let mut blocks = Vec::new();
    for (heading, text) in sections {
        blocks.push(Block::Heading {
            level: 2,
            text: (*heading).into(),
        });
        blocks.push(Block::Paragraph((*text).into()));
    }
    Document {
        source_kind: SourceKind::Page,
        external_id: id.into(),
        url: Some(format!("https://shop.example/pages/{id}")),
        title: title.into(),
        blocks,
        fields: StructuredFields::default(),
        updated_at: None,
    }
}

fn corpus() -> Vec<Document> {
    vec![
        product(
            "p1",
            "Storm Shell Rain Jacket",
            "A waterproof, breathable jacket with taped seams for hiking in heavy rain.",
            189.0,
            true,
        ),
        product(
            "p2",
            "Merino Wool Beanie",
            "A soft knitted hat that keeps your head warm on cold winter mornings.",
            35.0,
            true,
        ),
        product(
            "p3",
            "Trail Running Shoes",
            "Lightweight shoes with a grippy sole for muddy mountain trails.",
            140.0,
            false,
        ),
        page(
            "returns",
            "Returns and refunds",
            &[
                (
                    "Return window",
                    "You can send items back within 30 days of delivery for a full refund.",
                ),
                (
                    "Exchanges",
                    "Exchanges for a different size ship free of charge.",
                ),
            ],
        ),
        page(
            "shipping",
            "Shipping",
            &[(
                "Delivery times",
                "Orders ship within two business days; delivery takes 3-5 days.",
            )],
        ),
    ]
}

async fn search(
    state: &concierge::AppState,
    shop: i64,
    query: &str,
    mode: Mode,
    filters: Filters,
) -> Vec<String> {
    let mut request = SearchRequest::new(query, mode, 10);
    request.filters = filters;
    state
        .knowledge
        .search(shop, &request)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.external_id)
        .collect()
}

async fn chunk_ids(db: &TestDb, shop: i64) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM chunks WHERE shop_id = $1 ORDER BY id")
        .bind(shop)
        .fetch_all(&db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn ingest_skips_unchanged_content_and_search_finds_it_in_every_mode() {
    let db = TestDb::migrated().await;
    let state = state(&db, &[]).await;
    let shop = install_shop(&db, "knowledge-a.myshopify.com").await;
    let other = install_shop(&db, "knowledge-b.myshopify.com").await;
    let source = sources::ensure(&db.pool, shop, Kind::Files, "test")
        .await
        .unwrap();
    let other_source = sources::ensure(&db.pool, other, Kind::Files, "test")
        .await
        .unwrap();

    let report = state
        .knowledge
        .ingest(shop, source, &corpus())
        .await
        .unwrap();
    assert_eq!((report.written, report.unchanged), (5, 0));
    assert!(report.chunks >= 5);
    // Another shop holds a near-copy of the returns page: it must never show up.
    state
        .knowledge
        .ingest(
            other,
            other_source,
            &[page(
                "returns",
                "Returns",
                &[("Refunds", "Send items back within 60 days for a refund.")],
            )],
        )
        .await
        .unwrap();

    for mode in Mode::ALL {
        let hits = search(
            &state,
            shop,
            "how many days do I have to return an item for a refund",
            mode,
            Filters::default(),
        )
        .await;
        assert_eq!(
            hits.first().map(String::as_str),
            Some("returns"),
            "{mode:?}: {hits:?}"
        );
        let hits = search(
            &state,
            shop,
            "waterproof jacket for rain",
            mode,
            Filters::default(),
        )
        .await;
        assert_eq!(
            hits.first().map(String::as_str),
            Some("p1"),
            "{mode:?}: {hits:?}"
        );
    }
    let other_hits = state
        .knowledge
        .search(other, &SearchRequest::new("refund", Mode::Hybrid, 10))
        .await
        .unwrap();
    assert!(
        other_hits.iter().all(|h| h.title == "Returns"),
        "scoped by shop"
    );

    // Hits carry what a citation needs.
    let hit = &state
        .knowledge
        .search(
            shop,
            &SearchRequest::new("exchange for another size", Mode::Hybrid, 3),
        )
        .await
        .unwrap()[0];
    assert_eq!(
        hit.url.as_deref(),
        Some("https://shop.example/pages/returns")
    );
    assert_eq!(hit.heading_path, "Exchanges");
    assert!(hit.snippet.contains("size"), "{}", hit.snippet);

    // Filters: kind, stock, price, collection.
    let products = Filters {
        kinds: vec!["product".into()],
        ..Filters::default()
    };
    for mode in Mode::ALL {
        let hits = search(
            &state,
            shop,
            "something warm for winter",
            mode,
            products.clone(),
        )
        .await;
        assert!(
            !hits.is_empty() && hits.iter().all(|h| h.starts_with('p')),
            "{mode:?} {hits:?}"
        );
        let in_stock = Filters {
            in_stock: Some(true),
            ..products.clone()
        };
        let hits = search(&state, shop, "shoes for trails", mode, in_stock).await;
        assert!(
            !hits.contains(&"p3".to_owned()),
            "{mode:?}: out of stock filtered: {hits:?}"
        );
        let cheap = Filters {
            price_max: Some(50.0),
            ..products.clone()
        };
        assert_eq!(
            search(&state, shop, "jacket hat shoes", mode, cheap).await,
            ["p2"],
            "{mode:?}"
        );
        let pricey = Filters {
            price_min: Some(150.0),
            collection: Some("Outdoor".into()),
            ..products.clone()
        };
        assert_eq!(
            search(&state, shop, "jacket hat shoes", mode, pricey).await,
            ["p1"],
            "{mode:?}"
        );
        let nowhere = Filters {
            collection: Some("Kitchen".into()),
            ..Filters::default()
        };
        assert!(
            search(&state, shop, "jacket", mode, nowhere)
                .await
                .is_empty()
        );
    }

    // The same content again: nothing is re-chunked or re-embedded.
    let before = chunk_ids(&db, shop).await;
    let again = state
        .knowledge
        .ingest(shop, source, &corpus())
        .await
        .unwrap();
    assert_eq!((again.written, again.unchanged, again.chunks), (0, 5, 0));
    assert_eq!(chunk_ids(&db, shop).await, before);

    // One changed document: only its chunks are replaced, and its new text is found.
    let mut changed = corpus();
    changed[1] = product(
        "p2",
        "Merino Wool Beanie",
        "Now in saffron yellow, knitted from merino.",
        35.0,
        true,
    );
    let report = state
        .knowledge
        .ingest(shop, source, &changed)
        .await
        .unwrap();
    assert_eq!((report.written, report.unchanged), (1, 4));
    let after = chunk_ids(&db, shop).await;
    assert_eq!(after.len(), before.len());
    assert_eq!(after.iter().filter(|id| !before.contains(id)).count(), 1);
    assert_eq!(
        search(&state, shop, "saffron", Mode::Keyword, Filters::default()).await,
        ["p2"]
    );

    // A full sync that no longer sees a document deletes it, with its chunks and vectors.
    let since = sources::begin(&db.pool, shop, source).await.unwrap();
    state
        .knowledge
        .ingest(shop, source, &changed[..4])
        .await
        .unwrap();
    assert_eq!(
        state
            .knowledge
            .delete_unseen(shop, source, since)
            .await
            .unwrap(),
        1
    );
    assert!(
        search(
            &state,
            shop,
            "delivery takes days",
            Mode::Hybrid,
            Filters::default()
        )
        .await
        .iter()
        .all(|h| h != "shipping")
    );
    let orphans: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM chunk_embeddings e WHERE NOT EXISTS
             (SELECT 1 FROM chunks c WHERE c.shop_id = e.shop_id AND c.id = e.chunk_id)",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(orphans, 0);
}

/// Vectors for `n` chunks of a shop, written straight to the tables (what the pipeline would
/// write, without minutes of embedding): clustered around 50 topic centres, as real
/// embeddings of a store's content are.
async fn synthetic_vectors(db: &TestDb, shop: i64, n: i64) {
    let source = sources::ensure(&db.pool, shop, Kind::Files, "synthetic")
        .await
        .unwrap();
    sqlx::query(
        "WITH docs AS (
             INSERT INTO documents (shop_id, source_id, kind, external_id, title, content_hash)
             SELECT $1, $2, 'file', 'doc-' || i, 'Document ' || i, md5(i::text)
             FROM generate_series(1, $3) AS i RETURNING id
         ), chunked AS (
             INSERT INTO chunks (shop_id, document_id, ordinal, title, body, content)
             SELECT $1, id, 0, 'title', 'body', 'body' FROM docs RETURNING id
         )
         INSERT INTO chunk_embeddings (shop_id, chunk_id, model_id, embedding)
         SELECT $1, chunked.id, m.id,
                (SELECT array_agg(c.x + (random() - 0.5) * 0.04 ORDER BY c.i)
                 FROM unnest((SELECT centre FROM centres WHERE k = chunked.id % 50))
                      WITH ORDINALITY AS c(x, i))::vector
         FROM chunked, embedding_models m",
    )
    .bind(shop)
    .bind(source)
    .bind(n)
    .execute(&db.pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn both_vector_plans_return_full_results_for_small_and_large_shops() {
    let db = TestDb::migrated().await;
    let state = state(&db, &[]).await;
    // Large shops (over 1,000 vectors here) take the HNSW plan, small ones the exact scan.
    let knowledge = state.knowledge.clone().with_exact_scan_max(1_000);
    knowledge.model().await.unwrap();
    let small = install_shop(&db, "vectors-small.myshopify.com").await;
    let large = install_shop(&db, "vectors-large.myshopify.com").await;
    sqlx::query(
        "CREATE TABLE centres AS SELECT k, (SELECT array_agg(random() - 0.5) FROM
             generate_series(1, 384) WHERE k >= 0)::real[] AS centre FROM generate_series(0, 49) k",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    synthetic_vectors(&db, large, 4_000).await;
    synthetic_vectors(&db, small, 60).await;
    sqlx::query("ANALYZE").execute(&db.pool).await.unwrap();

    // Rounds 0..20 go through the model's shared index, 20..40 through the large shop's own.
    let mut recall = Vec::new();
    for round in 0..40 {
        if round == 20 {
            assert!(
                !knowledge.index_large_shop(small).await.unwrap(),
                "small shops have none"
            );
            assert!(knowledge.index_large_shop(large).await.unwrap());
            let model = knowledge.model().await.unwrap().id;
            let index: String = sqlx::query_scalar(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'chunk_embeddings_hnsw_' || $1 || '_shop_' || $2",
            )
            .bind(model.to_string())
            .bind(large.to_string())
            .fetch_one(&db.pool)
            .await
            .unwrap();
            assert!(index.contains(&format!("shop_id = {large}")), "{index}");
            let others: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'chunk\\_embeddings\\_hnsw\\_%\\_shop\\_%'",
            )
            .fetch_one(&db.pool)
            .await
            .unwrap();
            assert_eq!(others, 1, "one shop index, the large shop's");
            // Asked again, it is there already.
            assert!(knowledge.index_large_shop(large).await.unwrap());
        }
        // A query near one of the topics.
        let centre: Vec<f32> = sqlx::query_scalar("SELECT centre FROM centres WHERE k = $1")
            .bind(round % 20 * 2)
            .fetch_one(&db.pool)
            .await
            .unwrap();
        let query: Vec<f32> = centre
            .iter()
            .enumerate()
            .map(|(i, x)| x + if i % 3 == 0 { 0.01 } else { -0.01 })
            .collect();
        for (shop, exact_required) in [(small, true), (large, false)] {
            let found = knowledge
                .nearest(shop, &query, &Filters::default(), 10)
                .await
                .unwrap();
            assert_eq!(found.len(), 10, "a full page of results for shop {shop}");
            let truth: Vec<i64> = sqlx::query_scalar(
                "SELECT chunk_id FROM chunk_embeddings WHERE shop_id = $1
                 ORDER BY embedding <=> $2::text::vector LIMIT 10",
            )
            .bind(shop)
            .bind(format!("{query:?}"))
            .fetch_all(&db.pool)
            .await
            .unwrap();
            let truth: HashSet<i64> = truth.into_iter().collect();
            let hits = found.iter().filter(|(id, _)| truth.contains(id)).count();
            if exact_required {
                assert_eq!(hits, 10, "the exact plan is exact");
            } else {
                recall.push(hits as f64 / 10.0);
            }
        }
    }
    let mean = recall.iter().sum::<f64>() / recall.len() as f64;
    assert!(mean >= 0.9, "HNSW recall@10 {mean}");
    // The later rounds walked the shop's own graph (statistics reach the view within a second
    // or so).
    let model = knowledge.model().await.unwrap().id;
    let own = format!("chunk_embeddings_hnsw_{model}_shop_{large}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let scans: i64 = sqlx::query_scalar(
            "SELECT coalesce(sum(idx_scan), 0)::int8 FROM pg_stat_user_indexes WHERE indexrelname = $1",
        )
        .bind(&own)
        .fetch_one(&db.pool)
        .await
        .unwrap();
        if scans >= 20 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{own} scanned {scans} times"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn each_model_has_its_own_partial_hnsw_index() {
    let db = TestDb::migrated().await;
    let state = state(&db, &[]).await;
    let model = state.knowledge.model().await.unwrap().clone();
    assert_eq!(model.dimensions, 384);
    // The model's partial HNSW index exists, on its own rows only.
    let index: String = sqlx::query_scalar(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'chunk_embeddings_hnsw_' || $1",
    )
    .bind(model.id.to_string())
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(
        index.contains("vector(384)") && index.contains(&format!("model_id = {}", model.id)),
        "{index}"
    );
}

/// The simulator's active products: (gid, title).
fn active_products(sim: &shopify_sim::Simulator, shop: &str) -> Vec<(String, String)> {
    let store = sim.store();
    let store = store.read().unwrap();
    store
        .shop(shop)
        .unwrap()
        .products()
        .iter()
        .filter(|p| p["status"] == "ACTIVE")
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_owned(),
                p["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn synced(db: &TestDb, shop: i64, kinds: &[&str]) -> bool {
    let idle: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM knowledge_sources
         WHERE shop_id = $1 AND kind = ANY($2) AND status = 'idle' AND last_synced_at IS NOT NULL",
    )
    .bind(shop)
    .bind(kinds)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    idle == kinds.len() as i64
}

async fn shop_id(db: &TestDb, domain: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM shops WHERE domain = $1")
        .bind(domain)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn installing_syncs_the_store_and_webhooks_keep_it_current() {
    let (app, sim) = TestApp::with_simulator(|_| {}).await;
    let state = state(&app.db, &["--shopify-shop-url", &sim.shop_url_template()]).await;
    let stop = worker(state.clone());
    shopify_sim::install::install_as_merchant(&app.address, DEMO_SHOP)
        .await
        .unwrap();
    let shop = shop_id(&app.db, DEMO_SHOP).await;
    let done = eventually(Duration::from_secs(180), || async {
        synced(&app.db, shop, &["shopify_catalog", "shopify_content"])
            .await
            .then_some(())
    })
    .await;
    assert!(done.is_some(), "the first sync did not finish");

    // Every active product is indexed once, with one chunk and one vector.
    let products = active_products(&sim, DEMO_SHOP);
    let indexed: Vec<String> = sqlx::query_scalar(
        "SELECT external_id FROM documents WHERE shop_id = $1 AND kind = 'product' ORDER BY 1",
    )
    .bind(shop)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let mut expected: Vec<String> = products.iter().map(|(id, _)| id.clone()).collect();
    expected.sort();
    assert_eq!(indexed, expected);
    let (chunks, vectors): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM chunks c JOIN documents d ON d.shop_id = c.shop_id AND d.id = c.document_id
                 WHERE c.shop_id = $1 AND d.kind = 'product'),
                (SELECT count(*) FROM chunk_embeddings WHERE shop_id = $1)",
    )
    .bind(shop)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(chunks, products.len() as i64);
    assert!(vectors >= chunks);

    // Searchable: a product by its title, the policies by their subject.
    let (id, title) = &products[products.len() / 2];
    let hits = state
        .knowledge
        .search(shop, &SearchRequest::new(title.clone(), Mode::Hybrid, 3))
        .await
        .unwrap();
    assert!(
        hits.iter().any(|h| &h.external_id == id),
        "{title}: {hits:?}"
    );
    let mut policies = SearchRequest::new("can I get a refund", Mode::Hybrid, 3);
    policies.filters.kinds = vec!["policy".into()];
    assert!(
        !state
            .knowledge
            .search(shop, &policies)
            .await
            .unwrap()
            .is_empty()
    );

    // The admin sees both sources, finished, with their sizes.
    let listing: serde_json::Value = app
        .client
        .get(app.url("/api/sources"))
        .bearer_auth(sim.session_token(DEMO_SHOP, 7))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sources = listing["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 2, "{listing}");
    for source in sources {
        assert_eq!(source["status"], "idle", "{source}");
        assert!(source["documents"].as_i64().unwrap() > 0, "{source}");
        assert_eq!(source["seen"], source["processed"], "{source}");
    }
    assert_eq!(
        app.client
            .get(app.url("/api/sources"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    // A product edit reaches search through its webhook.
    let payload = sim
        .store()
        .write()
        .unwrap()
        .update_product(
            DEMO_SHOP,
            id,
            serde_json::json!({ "title": "Zephyrine Storm Cloak" }),
        )
        .unwrap();
    let delivery = sim
        .send_webhook(DEMO_SHOP, "products/update", payload, None)
        .await;
    assert_eq!(delivery.status, Some(200));
    let found = eventually(Duration::from_secs(20), || async {
        let hits = search(&state, shop, "zephyrine", Mode::Keyword, Filters::default()).await;
        (hits == [id.clone()]).then_some(())
    })
    .await;
    assert!(found.is_some(), "the edit never reached search");

    // A deletion removes it.
    let payload = sim
        .store()
        .write()
        .unwrap()
        .delete_product(DEMO_SHOP, id)
        .unwrap();
    sim.send_webhook(DEMO_SHOP, "products/delete", payload, None)
        .await;
    let gone = eventually(Duration::from_secs(20), || async {
        search(&state, shop, "zephyrine", Mode::Keyword, Filters::default())
            .await
            .is_empty()
            .then_some(())
    })
    .await;
    assert!(gone.is_some(), "the deleted product is still found");
    stop.cancel();
}

/// `concierge worker` as a child process against the simulator.
fn spawn_worker(db: &TestDb, shop_url: &str) -> tokio::process::Child {
    concierge()
        .arg("worker")
        .envs(APP_ENV.iter().copied())
        .env("DATABASE_URL", &db.url)
        .env("SHOPIFY_SHOP_URL", shop_url)
        .env("CONCIERGE_JOB_HEARTBEAT_SECS", "1")
        .env("CONCIERGE_JOB_MISSED_HEARTBEATS", "2")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start a worker")
}

#[tokio::test]
async fn a_sync_killed_mid_way_finishes_on_restart_without_duplicates_or_losses() {
    let domain = "resume-sync.myshopify.com";
    let (app, sim) =
        TestApp::with_simulated_store(shopify_sim::store::Store::synthetic(domain, 400), |_| {})
            .await;
    let template = sim.shop_url_template();
    let mut first = spawn_worker(&app.db, &template);
    shopify_sim::install::install_as_merchant(&app.address, domain)
        .await
        .unwrap();
    let shop = shop_id(&app.db, domain).await;

    // Kill the worker once the catalog sync has written some, not all, of the products.
    let progress = || async {
        sqlx::query_scalar::<_, i32>(
            "SELECT processed FROM knowledge_sources
             WHERE shop_id = $1 AND kind = 'shopify_catalog'",
        )
        .bind(shop)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
    };
    let started = eventually(Duration::from_secs(120), || async {
        (progress().await > 0).then_some(())
    })
    .await;
    assert!(started.is_some(), "the sync never started writing");
    first.start_kill().unwrap();
    first.wait().await.unwrap();
    let at_kill = progress().await;
    let products = active_products(&sim, domain).len();
    assert!(
        (at_kill as usize) < products,
        "killed after the end ({at_kill})"
    );

    let mut second = spawn_worker(&app.db, &template);
    let done = eventually(Duration::from_secs(300), || async {
        synced(&app.db, shop, &["shopify_catalog"])
            .await
            .then_some(())
    })
    .await;
    second.start_kill().unwrap();
    assert!(done.is_some(), "the sync never finished after the restart");

    let (documents, chunks, vectors, duplicates): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM documents WHERE shop_id = $1 AND kind = 'product'),
                (SELECT count(*) FROM chunks WHERE shop_id = $1),
                (SELECT count(*) FROM chunk_embeddings WHERE shop_id = $1),
                (SELECT count(*) FROM (SELECT document_id FROM chunks WHERE shop_id = $1
                                       GROUP BY document_id HAVING count(*) > 1) d)",
    )
    .bind(shop)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    // The content source holds a few pages too; products are one chunk each.
    assert_eq!(documents as usize, products, "every product, once");
    assert_eq!(duplicates, 0);
    assert_eq!(chunks, vectors);
}

/// A stand-in for a hosted model: words hashed into 32 dimensions.
struct HashedWords;

impl Embedder for HashedWords {
    fn model(&self) -> &str {
        "test:hashed-words:32"
    }

    fn dimensions(&self) -> usize {
        32
    }

    fn max_tokens(&self) -> usize {
        512
    }

    fn count_tokens(&self, text: &str) -> usize {
        text.split_whitespace().count()
    }

    fn embed(&self, texts: Vec<String>) -> EmbedFuture<'_> {
        Box::pin(async move {
            Ok(texts
                .iter()
                .map(|text| {
                    let mut v = [0.0f32; 32];
                    for word in text.to_lowercase().split(|c: char| !c.is_alphanumeric()) {
                        let bucket = word.bytes().fold(7usize, |h, b| h * 31 + usize::from(b)) % 32;
                        v[bucket] += 1.0;
                    }
                    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
                    v.iter().map(|x| x / norm).collect()
                })
                .collect())
        })
    }
}

#[tokio::test]
async fn a_model_change_re_embeds_while_the_old_vectors_keep_serving() {
    let db = TestDb::migrated().await;
    let old = state(&db, &[]).await;
    let shop = install_shop(&db, "model-change.myshopify.com").await;
    let source = sources::ensure(&db.pool, shop, Kind::Files, "test")
        .await
        .unwrap();
    old.knowledge.ingest(shop, source, &corpus()).await.unwrap();
    let chunks = chunk_ids(&db, shop).await.len() as i64;

    // The operator switches models: the new one is current, the old one still loaded.
    let local = Arc::new(concierge::knowledge::embed::local().unwrap());
    let mut new = old.clone();
    new.knowledge = Knowledge::new(db.pool.clone(), Arc::new(HashedWords)).with_previous(local);
    let old_model = old.knowledge.model().await.unwrap().clone();
    let new_model = new.knowledge.model().await.unwrap().clone();
    assert_ne!(old_model.id, new_model.id);

    // Until re-embedded, the shop is served from the old vectors.
    let (_, serving) = new.knowledge.serving(shop).await.unwrap();
    assert_eq!(serving.id, old_model.id);
    let hits = search(
        &new,
        shop,
        "how long do I have to send something back",
        Mode::Vector,
        Filters::default(),
    )
    .await;
    assert_eq!(
        hits.first().map(String::as_str),
        Some("returns"),
        "{hits:?}"
    );

    // The worker re-embeds it (queued at start), then switches it over and drops the old.
    assert_eq!(concierge::jobs::queue_reembeds(&new).await.unwrap(), 1);
    let job = ReembedShop { shop_id: shop };
    let context = JobContext {
        db: db.pool.clone(),
        state: new.clone(),
        worker: "test".into(),
    };
    job.clone().run(context.clone()).await.unwrap();
    let (_, serving) = new.knowledge.serving(shop).await.unwrap();
    assert_eq!(serving.id, new_model.id);
    let by_model: Vec<(i16, i64)> = sqlx::query_as(
        "SELECT model_id, count(*) FROM chunk_embeddings WHERE shop_id = $1 GROUP BY 1",
    )
    .bind(shop)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(by_model, [(new_model.id, chunks)]);
    assert!(
        !search(&new, shop, "refund", Mode::Vector, Filters::default())
            .await
            .is_empty()
    );
    // Run again (at least once delivery): nothing left to do, nothing changes.
    job.run(context).await.unwrap();
    assert_eq!(concierge::jobs::queue_reembeds(&new).await.unwrap(), 0);
}

#[tokio::test]
async fn stale_sources_are_synced_again_on_schedule() {
    let db = TestDb::migrated().await;
    let shop = install_shop(&db, "refresh.myshopify.com").await;
    let mut ids = Vec::new();
    for kind in [
        Kind::ShopifyCatalog,
        Kind::ShopifyContent,
        Kind::Web,
        Kind::Faq,
    ] {
        ids.push(
            sources::ensure(&db.pool, shop, kind, "default")
                .await
                .unwrap(),
        );
    }
    // Everything last synced 7 hours ago: only the content (every 6 h) is due.
    sqlx::query("UPDATE knowledge_sources SET last_synced_at = now() - interval '7 hours'")
        .execute(&db.pool)
        .await
        .unwrap();
    let refresh = concierge::jobs::queue_due_refreshes;
    assert_eq!(refresh(&db.pool).await.unwrap(), 1);
    let queued: Vec<String> = sqlx::query_scalar(
        "SELECT kind FROM knowledge_sources WHERE status = 'queued' ORDER BY kind",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(queued, ["shopify_content"]);
    let jobs: i64 =
        sqlx::query_scalar("SELECT count(*) FROM apalis.jobs WHERE job_type = 'knowledge-sync'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(jobs, 1);
    // Queued already: not again. A day later the catalog and the site are due too.
    assert_eq!(refresh(&db.pool).await.unwrap(), 0);
    sqlx::query("UPDATE knowledge_sources SET last_synced_at = now() - interval '25 hours'")
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(refresh(&db.pool).await.unwrap(), 2);
    // An uninstalled shop's sources wait.
    sqlx::query("UPDATE shops SET install_state = 'uninstalled'")
        .execute(&db.pool)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE knowledge_sources SET status = 'idle', last_synced_at = now() - interval '30 days'",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    assert_eq!(refresh(&db.pool).await.unwrap(), 0);
}
