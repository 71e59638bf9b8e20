//! The demo login and what the app proxy tells the app about the shopper.

use std::collections::BTreeMap;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::json;
use sha2::Sha256;

use crate::helpers::*;

const EMMA: &str = "7300000000001";

/// Checks the app-proxy signature as the app does: sorted `k=v`, no separator.
fn signed(params: &BTreeMap<String, String>) -> bool {
    let message: String = params
        .iter()
        .filter(|(k, _)| *k != "signature")
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(message.as_bytes());
    params
        .get("signature")
        .and_then(|s| hex::decode(s).ok())
        .is_some_and(|given| mac.verify_slice(&given).is_ok())
}

async fn proxied(front: &Front, path: &str) -> BTreeMap<String, String> {
    let answer = front.get(path).await;
    assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    front.received.lock().unwrap().last().cloned().unwrap()
}

#[tokio::test]
async fn logging_in_makes_the_app_proxy_sign_the_customer() {
    let front = Front::start().await;
    let anonymous = proxied(&front, "/apps/concierge/session?visitor=v1").await;
    assert!(signed(&anonymous));
    assert_eq!(anonymous["logged_in_customer_id"], "");
    assert_eq!(anonymous["shop"], SHOP);
    assert_eq!(anonymous["visitor"], "v1");

    let login = front.get("/account/login").await;
    assert_eq!(login.status, 200);
    assert!(login.body.contains("Emma Caldwell"));
    assert!(
        login
            .body
            .contains(&format!(r#"name="customer_id" value="{EMMA}""#))
    );
    let done = front
        .post_form("/account/login", &[("customer_id", EMMA)])
        .await;
    assert_eq!(done.status, 303);
    assert_eq!(done.header("location"), format!("/{SHOP}/account"));
    let cookie = done.header("set-cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains(&format!("Path=/{SHOP}")));

    let known = proxied(&front, "/apps/concierge/session?visitor=v1").await;
    assert!(signed(&known));
    assert_eq!(known["logged_in_customer_id"], EMMA);
    assert_eq!(known["path_prefix"], "/apps/concierge");
    // The widget calls `{routes.root_url}/apps/...`, which carries the locale prefix.
    let localized = proxied(&front, "/fr/apps/concierge/session?visitor=v2").await;
    assert!(signed(&localized));
    assert_eq!(localized["logged_in_customer_id"], EMMA);
    // The browser cannot name someone else: its own parameter is replaced.
    let spoofed = proxied(
        &front,
        "/apps/concierge/session?logged_in_customer_id=7300000000002&shop=evil.myshopify.com",
    )
    .await;
    assert_eq!(spoofed["logged_in_customer_id"], EMMA);
    assert_eq!(spoofed["shop"], SHOP);

    let page = front.get("/").await;
    assert!(page.body.contains(">Account</a>"));
    assert_eq!(
        page.embed_config()["customer"],
        json!(7_300_000_000_001_u64)
    );
    let account = front.get("/account").await;
    assert_eq!(account.status, 200);
    assert!(account.body.contains("emma.caldwell@example.com") && account.body.contains("#1001"));

    let out = front.get("/account/logout").await;
    assert_eq!(out.status, 303);
    assert_eq!(out.header("location"), format!("/{SHOP}/"));
    let after = proxied(&front, "/apps/concierge/session").await;
    assert_eq!(after["logged_in_customer_id"], "");
    assert_eq!(front.get("/").await.embed_config()["customer"], json!(null));
    assert_eq!(front.get("/account").await.status, 303);
}

#[tokio::test]
async fn a_session_made_without_a_browser_works_too() {
    let front = Front::start().await;
    let cookie = front.sim.storefront_login(SHOP, 7_300_000_000_002).unwrap();
    let request = front
        .http
        .get(front.sim.proxy_url(SHOP, "session"))
        .header("cookie", cookie);
    assert_eq!(front.send(request).await.status, 200);
    let received = front.received.lock().unwrap().last().cloned().unwrap();
    assert_eq!(received["logged_in_customer_id"], "7300000000002");
    assert!(front.sim.storefront_login(SHOP, 1).is_none());
    assert!(
        front
            .sim
            .storefront_login("nope.myshopify.com", 7_300_000_000_002)
            .is_none()
    );
}

#[tokio::test]
async fn bad_logins_get_a_4xx_and_return_to_stays_on_the_shop() {
    let front = Front::start().await;
    assert_eq!(front.post_form("/account/login", &[]).await.status, 400);
    assert_eq!(
        front
            .post_form("/account/login", &[("customer_id", "abc")])
            .await
            .status,
        400
    );
    assert_eq!(
        front
            .post_form("/account/login", &[("customer_id", "1")])
            .await
            .status,
        422
    );
    let offsite = front
        .post_form(
            "/account/login",
            &[
                ("customer_id", EMMA),
                ("return_to", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(offsite.header("location"), format!("/{SHOP}/account"));
    let back = format!("/{SHOP}/products/{JACKET_HANDLE}");
    let onsite = front
        .post_form(
            "/account/login",
            &[("customer_id", EMMA), ("return_to", &back)],
        )
        .await;
    assert_eq!(onsite.header("location"), back);
    // Another shop's cookie path does not carry the session (scoped per shop).
    assert!(
        onsite
            .header("set-cookie")
            .contains(&format!("Path=/{SHOP};"))
    );
}
