//! With the simulator's cost bucket set low, a 10,000-product bulk sync and 500 paged queries
//! from concurrent callers complete, and no call is throttled more than once: the client
//! paces itself from the bucket levels Shopify reports.

use std::time::Duration;

use concierge::shopify::ShopDomain;
use concierge::shopify::admin::queries::{ProductsPage, products_page};
use futures::TryStreamExt;

use crate::helpers::{TestApp, state};

const SHOP: &str = "big-catalog.myshopify.com";

#[tokio::test]
async fn a_big_sync_and_paged_queries_under_a_low_bucket() {
    let store = shopify_sim::store::Store::synthetic(SHOP, 10_000);
    let (app, sim) = TestApp::with_simulated_store(store, |c| {
        // A bucket that holds two pages' worth, refilled quickly enough for a test.
        c.limits.bucket_size = 60.0;
        c.limits.restore_rate = 1000.0;
    })
    .await;
    shopify_sim::install::install_as_merchant(&app.address, SHOP)
        .await
        .unwrap();
    let state = state(&app.db, &["--shopify-shop-url", &sim.shop_url_template()]).await;
    let shop = ShopDomain::parse(SHOP).unwrap();
    let token = state.access_token(&shop).await.unwrap();
    let admin = &state.admin;

    let started = std::time::Instant::now();
    // The bulk sync of the whole catalog.
    let url = admin
        .run_bulk(
            &shop,
            &token,
            "{ products { edges { node { id title handle variants { edges { node { id sku price } } } } } } }",
            Duration::from_secs(120),
        )
        .await
        .unwrap()
        .expect("a result file");
    let mut products = 0;
    let mut records = admin.bulk_records(&url);
    while let Some(record) = records.try_next().await.unwrap() {
        assert!(
            !record.children.is_empty(),
            "a product without its variants"
        );
        products += 1;
    }
    assert_eq!(products, 10_000);
    eprintln!("bulk sync of 10,000 products: {:?}", started.elapsed());
    let started = std::time::Instant::now();

    // 500 paged queries from 4 concurrent callers, each walking the catalog.
    let walk = |_: usize| {
        let (admin, token, shop) = (&admin, &token, &shop);
        async move {
            let mut after = None;
            for _ in 0..125 {
                let page = admin
                    .query::<ProductsPage>(
                        shop,
                        token,
                        products_page::Variables {
                            first: 25,
                            after: after.clone(),
                        },
                    )
                    .await
                    .unwrap();
                assert_eq!(page.products.nodes.len(), 25);
                after = page.products.page_info.end_cursor;
            }
        }
    };
    futures::future::join_all((0..4).map(walk)).await;
    eprintln!("500 paged queries: {:?}", started.elapsed());

    assert!(
        admin.worst_call_throttles() <= 1,
        "a call was throttled {} times ({} throttled answers in all)",
        admin.worst_call_throttles(),
        admin.throttled_count()
    );
    eprintln!("throttled answers in all: {}", admin.throttled_count());
}
