//! The App Home's page: framed only by the shop's admin, its scripts from the CDN setting, its
//! own assets under a content hash (a year's cache) and nothing else under `/admin/`.

use crate::helpers::TestApp;

const SHOP: &str = "harbor-and-pine.myshopify.com";

#[tokio::test]
async fn the_app_url_serves_the_app_home_to_the_shops_admin_only() {
    let (app, sim) = TestApp::with_simulator(|_| {}).await;
    for path in ["/", "/settings", "/knowledge", "/playground"] {
        let response = app
            .client
            .get(app.url(&format!("{path}?embedded=1&host=x&shop={SHOP}&id_token=x")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff");
        let policy = headers["content-security-policy"].to_str().unwrap();
        assert!(
            policy.contains(&format!(
                "frame-ancestors {} https://admin.shopify.com;",
                sim.base_url()
            )),
            "{policy}"
        );
        assert!(
            policy.contains("script-src 'self' https://cdn.shopify.com"),
            "{policy}"
        );
        let html = response.text().await.unwrap();
        assert!(html.contains(
            "<script src=\"https://cdn.shopify.com/shopifycloud/app-bridge.js\"></script>"
        ));
        assert!(html.contains(
            "<script src=\"https://cdn.shopify.com/shopifycloud/polaris-1.js\"></script>"
        ));
        assert!(html.contains("<meta name=\"shopify-api-key\" content=\""));
    }
    // Without a valid shop, only Shopify's admin may frame it.
    let response = app
        .client
        .get(app.url("/?shop=evil.example.com"))
        .send()
        .await
        .unwrap();
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.starts_with("frame-ancestors https://admin.shopify.com;"),
        "{policy}"
    );

    // Its script and stylesheet, by hash: cached for a year; any other name is a JSON 404.
    let html = response.text().await.unwrap();
    let assets: Vec<&str> = html
        .split('"')
        .filter(|token| token.starts_with("/admin/admin-"))
        .collect();
    assert_eq!(assets.len(), 2, "{html}");
    for path in assets {
        let asset = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(asset.status(), 200, "{path}");
        assert_eq!(
            asset.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert!(!asset.bytes().await.unwrap().is_empty());
    }
    let missing = app
        .client
        .get(app.url("/admin/admin-0000000000000000.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let body: serde_json::Value = missing.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
}
