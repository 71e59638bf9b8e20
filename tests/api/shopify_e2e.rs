//! End to end against the Shopify simulator: install through OAuth, receive a webhook,
//! bulk-sync the whole demo catalog, refresh an expired token, uninstall, `shop/redact`,
//! and no row of the shop remains.

use std::time::Duration;

use concierge::shopify::ShopDomain;
use futures::TryStreamExt;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::json;

use crate::helpers::{TestApp, assert_shop_erased, eventually, http, shop_id_of, wait_for_sync};

const SHOP: &str = "harbor-and-pine.myshopify.com";

/// A browser that does not follow redirects, so each step can be looked at.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A merchant starts the install and approves on Shopify's screen: returns the state
/// cookie the app set and the callback URL Shopify sends the browser to.
async fn approve(app: &TestApp, client: &reqwest::Client) -> (String, String) {
    let start = client
        .get(app.url(&format!("/auth?shop={SHOP}")))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 303, "{:?}", start.text().await);
    let cookie = start.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let consent = start.headers()[LOCATION].to_str().unwrap().to_owned();
    let approved = client.get(&consent).send().await.unwrap();
    assert!(approved.status().is_redirection(), "{}", approved.status());
    let callback = approved.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(
        callback.starts_with(&app.url("/auth/callback")),
        "{callback}"
    );
    (cookie, callback)
}

/// Follows the install as a merchant's browser would: /auth → Shopify's consent → callback.
/// Returns the callback URL and the cookie it was sent with (to try a replay).
async fn install(app: &TestApp) -> (String, String) {
    let client = browser();
    let (cookie, callback) = approve(app, &client).await;
    // Another browser (no cookie) cannot complete it.
    assert_eq!(client.get(&callback).send().await.unwrap().status(), 401);

    let done = client
        .get(&callback)
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303, "{:?}", done.text().await);
    assert!(
        done.headers()[LOCATION]
            .to_str()
            .unwrap()
            .contains("/admin/apps/")
    );
    (callback, cookie)
}

async fn processed(app: &TestApp, event_id: &str) -> bool {
    eventually(Duration::from_secs(20), || async {
        let done: Option<bool> = sqlx::query_scalar(
            "SELECT processed_at IS NOT NULL FROM webhook_events WHERE event_id = $1",
        )
        .bind(event_id)
        .fetch_optional(&app.db.pool)
        .await
        .ok()
        .flatten();
        done.filter(|d| *d)
    })
    .await
    .is_some()
}

#[tokio::test]
async fn install_sync_refresh_uninstall_and_redact_against_the_simulator() {
    let (app, sim) = TestApp::with_simulator(|_| {}).await;
    let state =
        crate::helpers::state(&app.db, &["--shopify-shop-url", &sim.shop_url_template()]).await;
    let stop_worker = crate::helpers::worker(state.clone());
    let shop = ShopDomain::parse(SHOP).unwrap();

    // Install through OAuth; the token is stored sealed.
    let (callback, cookie) = install(&app).await;
    let (install_state, sealed): (String, Vec<u8>) = sqlx::query_as(
        "SELECT install_state, access_token_ciphertext FROM shops WHERE domain = $1",
    )
    .bind(SHOP)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(install_state, "installed");
    assert!(
        !sealed.windows(6).any(|w| w == b"shpat_"),
        "token stored in clear"
    );
    // A replay of the callback, cookie and all, fails: the code is spent.
    let replay = http()
        .get(&callback)
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 401);

    // A webhook from Shopify is verified, stored and processed.
    let delivery = sim
        .send_webhook(
            SHOP,
            "products/update",
            crate::webhooks::product(8100000000001),
            None,
        )
        .await;
    assert_eq!(delivery.status, Some(200));
    assert!(processed(&app, &delivery.event_id).await);

    // Bulk-sync the whole catalog: every product and every variant comes back, stitched. The
    // install's own catalog sync runs a bulk operation too, and Shopify runs one at a time per
    // app and shop: that one first.
    let shop_id = shop_id_of(&app.db, SHOP).await;
    assert!(
        wait_for_sync(
            &app.db,
            shop_id,
            &["shopify_catalog"],
            Duration::from_secs(120)
        )
        .await,
        "the install's catalog sync did not finish"
    );
    let token = state.access_token(&shop).await.unwrap();
    let admin = &state.admin;
    let url = admin
        .run_bulk(
            &shop,
            &token,
            "{ products { edges { node { id title variants { edges { node { id sku } } } } } } }",
            Duration::from_secs(60),
        )
        .await
        .unwrap()
        .expect("a result file");
    let records: Vec<_> = admin.bulk_records(&url).try_collect().await.unwrap();
    // Shopify also announced the finished operation.
    let announced = eventually(Duration::from_secs(10), || async {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM webhook_events WHERE topic = 'bulk_operations/finish'",
        )
        .fetch_one(&app.db.pool)
        .await
        .ok()?;
        (n > 0).then_some(())
    })
    .await;
    assert!(announced.is_some(), "no bulk_operations/finish webhook");
    let products = sim.store().read().unwrap().product_count(SHOP);
    assert_eq!(records.len(), products);
    let variants: usize = records.iter().map(|r| r.children.len()).sum();
    assert!(
        variants >= records.len(),
        "{variants} variants for {} products",
        records.len()
    );

    // An hour passes: the access token expires, and is refreshed (rotating the refresh token).
    sim.expire_access_tokens(SHOP);
    sqlx::query(
        "UPDATE shops SET access_token_expires_at = now() - interval '1 minute' WHERE domain = $1",
    )
    .bind(SHOP)
    .execute(&app.db.pool)
    .await
    .unwrap();
    assert!(!sim.has_live_token(SHOP));
    let (a, b) = tokio::join!(state.access_token(&shop), state.access_token(&shop),);
    let (a, b) = (a.unwrap(), b.unwrap());
    use secrecy::ExposeSecret;
    assert_eq!(
        a.expose_secret(),
        b.expose_secret(),
        "two callers, one refresh"
    );
    assert_ne!(a.expose_secret(), token.expose_secret());
    assert!(sim.has_live_token(SHOP));
    let shop_name = admin
        .bulk_records(&url)
        .try_collect::<Vec<_>>()
        .await
        .map(|r| r.len())
        .unwrap();
    assert!(shop_name > 0);

    // Uninstall: credentials forgotten.
    let uninstalled = sim.uninstall(SHOP).await;
    assert_eq!(uninstalled.status, Some(200));
    assert!(processed(&app, &uninstalled.event_id).await);
    let (install_state, gone): (String, bool) = sqlx::query_as(
        "SELECT install_state, access_token_ciphertext IS NULL FROM shops WHERE domain = $1",
    )
    .bind(SHOP)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!((install_state.as_str(), gone), ("uninstalled", true));

    // 48 hours later, shop/redact: nothing of the shop remains.
    let redact = sim
        .send_webhook(
            SHOP,
            "shop/redact",
            json!({"shop_id": 1, "shop_domain": SHOP}),
            None,
        )
        .await;
    assert_eq!(redact.status, Some(200));
    assert_shop_erased(&app.db, shop_id).await;

    // And it can be installed again.
    install(&app).await;
    stop_worker.cancel();
}

#[tokio::test]
async fn the_embedded_admin_installs_by_token_exchange() {
    let (app, sim) = TestApp::with_simulator(|_| {}).await;
    let token = sim.session_token(SHOP, 901);
    let response = app
        .client
        .get(app.url("/api/shop"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["shop"], SHOP);
    assert_eq!(body["install_state"], "installed");
    assert!(sim.has_live_token(SHOP));
}

#[tokio::test]
async fn tampered_stale_or_foreign_callbacks_are_refused() {
    let (app, _sim) = TestApp::with_simulator(|_| {}).await;
    let client = browser();
    let (cookie, callback) = approve(&app, &client).await;
    let (base, query) = callback.split_once('?').unwrap();
    let params = concierge::shopify::signature::parse_query(query);
    let rebuild = |params: &[(String, String)]| {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in params {
            q.append_pair(k, v);
        }
        format!("{base}?{}", q.finish())
    };
    let with = |key: &str, value: Option<&str>| {
        let mut p: Vec<(String, String)> =
            params.iter().filter(|(k, _)| k != key).cloned().collect();
        if let Some(v) = value {
            p.push((key.to_owned(), v.to_owned()));
        }
        rebuild(&p)
    };
    let hmac = params.iter().find(|(k, _)| k == "hmac").unwrap().1.clone();
    let flipped_hmac = format!(
        "{}{}",
        if hmac.starts_with('0') { "1" } else { "0" },
        &hmac[1..]
    );
    let old = (chrono::Utc::now().timestamp() - 600).to_string();
    let other_state = uuid::Uuid::new_v4().simple().to_string();
    for (name, url, expected) in [
        ("flipped hmac", with("hmac", Some(&flipped_hmac)), 401),
        ("missing hmac", with("hmac", None), 400),
        ("stale timestamp", with("timestamp", Some(&old)), 401),
        (
            "another shop",
            with("shop", Some("other.myshopify.com")),
            401,
        ),
        ("another state", with("state", Some(&other_state)), 401),
        (
            "duplicated shop",
            format!("{callback}&shop=other.myshopify.com"),
            400,
        ),
        (
            "not a shop domain",
            with("shop", Some("evil.example.com")),
            401,
        ),
    ] {
        let response = client
            .get(&url)
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), expected, "{name}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(body["error"]["message"].is_string(), "{name}: {body}");
    }
    // The untouched callback still works: none of the above spent the code.
    let done = client
        .get(&callback)
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);
    // /auth refuses what is not a shop domain.
    let bad = client
        .get(app.url("/auth?shop=evil.example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}
