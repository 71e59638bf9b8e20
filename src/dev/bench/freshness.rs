//! Freshness: how long a product edit takes to reach search. The demo store is installed on
//! the simulator and synced; then, one edit at a time, a product's title gets a word no
//! other product has, Shopify delivers `products/update`, and search is polled until the
//! word finds that product. Measured from the delivery's start, so it includes the webhook
//! acknowledgement, both jobs (webhook, product sync), the Admin API read, embedding and the
//! write.
//!
//! With `products`, the store is a synthetic one of that many products instead of the demo
//! store: `first_sync_s` is then the time from install to "assistant ready" for a large
//! catalog (`--edits 0` measures only that).

use std::time::{Duration, Instant};

use anyhow::Context;
use secrecy::SecretString;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::quantile;
use crate::config::{Config, ShopifyConfig};
use crate::crypto::Keyring;
use crate::dev::demo::DEMO_SHOP;
use crate::knowledge::{Mode, SearchRequest};

#[derive(Debug, Serialize)]
pub struct Report {
    pub products: usize,
    pub chunks: i64,
    /// From the merchant's install to the first catalog and content sync done.
    pub first_sync_s: f64,
    pub edits: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
}

/// How long one edit may take before the run fails.
const PATIENCE: Duration = Duration::from_secs(30);

pub async fn run(
    db: sqlx::PgPool,
    config: &Config,
    edits: usize,
    products: Option<usize>,
) -> anyhow::Result<Report> {
    let store = match products {
        Some(n) => shopify_sim::store::Store::synthetic(DEMO_SHOP, n),
        None => shopify_sim::store::Store::demo()?,
    };
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let app_url = format!("http://{}", listener.local_addr()?);
    let sim = shopify_sim::Simulator::start(
        shopify_sim::SimConfig::new(
            ShopifyConfig::DEMO_API_KEY,
            ShopifyConfig::DEMO_API_SECRET,
            &app_url,
        ),
        store,
    )
    .await?;
    let shopify = ShopifyConfig::demo(app_url.clone(), sim.shop_url_template());
    let keyring = Keyring::parse(&SecretString::from(Keyring::generate_entry("bench")))?;
    let state = crate::state::AppState::build(db.clone(), config.clone(), shopify, keyring).await?;
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(crate::launch(listener, state.clone(), shutdown.clone()));
    let worker = tokio::spawn(crate::jobs::run_worker(
        state.clone(),
        shutdown.clone(),
        Duration::from_secs(5),
    ));

    let started = Instant::now();
    shopify_sim::install::install_as_merchant(&app_url, DEMO_SHOP).await?;
    let shop = sqlx::query_scalar!("SELECT id FROM shops WHERE domain = $1", DEMO_SHOP)
        .fetch_one(&db)
        .await?;
    loop {
        let pending = sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!" FROM knowledge_sources
               WHERE shop_id = $1 AND (last_synced_at IS NULL OR status <> 'idle')"#,
            shop,
        )
        .fetch_one(&db)
        .await?;
        if pending == 0 {
            break;
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(600),
            "the first sync did not finish"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let first_sync = started.elapsed();
    let chunks = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM chunks WHERE shop_id = $1"#,
        shop
    )
    .fetch_one(&db)
    .await?;

    let products: Vec<String> = {
        let store = sim.store();
        let store = store
            .read()
            .map_err(|_| anyhow::anyhow!("simulator store poisoned"))?;
        store
            .shop(DEMO_SHOP)
            .context("the demo shop")?
            .products()
            .iter()
            .filter(|p| p["status"] == "ACTIVE")
            .filter_map(|p| p["id"].as_str().map(str::to_owned))
            .collect()
    };
    anyhow::ensure!(!products.is_empty(), "the store has no active product");
    let catalog = products.len();
    let mut latencies = Vec::with_capacity(edits);
    for i in 0..edits {
        let id = &products[i % products.len()];
        // A made-up word, so that only the edited product can match it.
        let word = format!("zorblax{i}q");
        let payload = {
            let store = sim.store();
            let mut store = store
                .write()
                .map_err(|_| anyhow::anyhow!("simulator store poisoned"))?;
            store
                .update_product(
                    DEMO_SHOP,
                    id,
                    serde_json::json!({ "title": format!("Harbor {word} edition") }),
                )
                .context("the product to edit")?
        };
        let sent = Instant::now();
        let delivery = sim
            .send_webhook(DEMO_SHOP, "products/update", payload, None)
            .await;
        anyhow::ensure!(
            delivery.status == Some(200),
            "delivery {i} not acknowledged"
        );
        let request = SearchRequest::new(word.clone(), Mode::Keyword, 1);
        loop {
            let hits = state.knowledge.search(shop, &request).await?;
            if hits.first().is_some_and(|h| &h.external_id == id) {
                break;
            }
            anyhow::ensure!(sent.elapsed() < PATIENCE, "edit {i} never reached search");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        latencies.push(sent.elapsed());
    }
    shutdown.cancel();
    let _ = server.await;
    let _ = worker.await;

    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    Ok(Report {
        products: catalog,
        chunks,
        first_sync_s: first_sync.as_secs_f64(),
        edits,
        p50_ms: ms(quantile(&latencies, 0.50)),
        p95_ms: ms(quantile(&latencies, 0.95)),
        max_ms: ms(latencies.last().copied().unwrap_or_default()),
    })
}
