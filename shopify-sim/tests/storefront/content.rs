//! The merchant's pages, policies, blogs and articles on the storefront, and
//! `SimConfig::local_storefront`: the URLs the Admin API gives lead there (and to the
//! placeholder pictures) when it is on, and are the store's own when it is off.

use serde_json::json;
use shopify_sim::store::Store;

use crate::helpers::*;

const ARTICLE: &str = "/blogs/field-journal/how-to-choose-a-backpacking-pack";

/// What the app asks the Admin API for: a product's storefront URL and picture, the shop's
/// primary domain and policies. The anorak is a draft (no `onlineStoreUrl`) with pictures.
const QUERY: &str = r#"{
  jacket: product(id: "gid://shopify/Product/8100000000001") { onlineStoreUrl featuredImage { url } }
  draft: productByIdentifier(identifier: {handle: "alpine-insulated-anorak"}) { status onlineStoreUrl featuredImage { url } }
  shop { url primaryDomain { url } shopPolicies { type title url } }
}"#;

#[tokio::test]
async fn with_local_storefront_the_admin_apis_urls_lead_to_the_storefront() {
    let front = Front::start_local_storefront().await;
    let data = front.admin(QUERY).await;
    let primary = format!("{}/{SHOP}", front.sim.base_url());
    assert_eq!(data["shop"]["primaryDomain"]["url"], primary);
    assert_eq!(data["shop"]["url"], primary);

    let product_url = data["jacket"]["onlineStoreUrl"].as_str().unwrap();
    assert_eq!(product_url, format!("{primary}/products/{JACKET_HANDLE}"));
    let page = front.get_absolute(product_url).await;
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").starts_with("text/html"));
    assert_eq!(page.embed_config()["page"]["product_id"], JACKET);

    // The picture is the one the theme shows, made absolute, and cached for good.
    let image_url = data["jacket"]["featuredImage"]["url"].as_str().unwrap();
    let theme_src = format!(r#"src="/{SHOP}/cdn/shop/products/{JACKET_HANDLE}-1.svg?v="#);
    let start = page.body.find(&theme_src).unwrap() + r#"src=""#.len();
    let shown = &page.body[start..start + page.body[start..].find('"').unwrap()];
    assert_eq!(image_url, format!("{}{shown}", front.sim.base_url()));
    let image = front.get_absolute(image_url).await;
    assert_eq!(image.status, 200);
    assert_eq!(image.header("content-type"), "image/svg+xml");
    assert_eq!(
        image.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert!(image.body.starts_with("<svg") && image.body.contains(">HW</text>"));

    // A draft is not on the storefront, but its pictures are served, as Shopify's CDN does.
    assert_eq!(data["draft"]["status"], "DRAFT");
    assert_eq!(data["draft"]["onlineStoreUrl"], json!(null));
    let draft_image = data["draft"]["featuredImage"]["url"].as_str().unwrap();
    assert!(draft_image.starts_with(&format!("{primary}/cdn/shop/products/")));
    let draft_image = front.get_absolute(draft_image).await;
    assert_eq!(draft_image.status, 200);
    assert_eq!(draft_image.header("content-type"), "image/svg+xml");

    let policies = data["shop"]["shopPolicies"].as_array().unwrap();
    assert_eq!(policies.len(), 4);
    for policy in policies {
        let url = policy["url"].as_str().unwrap();
        assert!(url.starts_with(&format!("{primary}/policies/")), "{url}");
        let page = front.get_absolute(url).await;
        assert_eq!(page.status, 200, "{url}");
        assert!(page.header("content-type").starts_with("text/html"));
        let title = policy["title"].as_str().unwrap();
        assert!(page.body.contains(&format!("<h1>{title}</h1>")), "{url}");
        assert_eq!(page.embed_config()["page"]["type"], "policy");
    }
    // Pages and articles have no URL field in the Admin API; the app builds theirs on the
    // shop's domain, which is now this storefront.
    for path in ["/pages/faq", ARTICLE] {
        let page = front.get_absolute(&format!("{primary}{path}")).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(page.header("content-type").starts_with("text/html"));
    }
}

#[tokio::test]
async fn without_local_storefront_the_stores_own_urls_are_given() {
    let front = Front::start().await;
    let data = front.admin(QUERY).await;
    assert_eq!(
        data["shop"]["primaryDomain"]["url"],
        "https://harborandpine.example"
    );
    assert_eq!(
        data["jacket"]["onlineStoreUrl"],
        format!("https://harborandpine.example/products/{JACKET_HANDLE}")
    );
    assert_eq!(
        data["jacket"]["featuredImage"]["url"],
        format!("https://cdn.harborandpine.example/products/{JACKET_HANDLE}-1.jpg")
    );
    assert_eq!(
        data["shop"]["shopPolicies"][0]["url"],
        "https://harborandpine.example/policies/refund-policy"
    );
}

#[tokio::test]
async fn pages_policies_blogs_and_articles_render_in_the_theme_with_the_embed() {
    let front = Front::start().await;
    let cases = [
        (
            "/pages/faq",
            "page",
            "<h1>FAQ</h1>",
            "<h3>When will my order ship?</h3>",
        ),
        (
            "/policies/refund-policy",
            "policy",
            "<h1>Refund policy</h1>",
            "<h2>Returns and refunds</h2>",
        ),
        (
            "/policies/terms-of-service",
            "policy",
            "<h1>Terms of service</h1>",
            "<div class=\"rte\">",
        ),
        (
            "/blogs/field-journal",
            "blog",
            "<h1>The Field Journal</h1>",
            &format!(r#"<a href="/{SHOP}{ARTICLE}">How to Choose a Backpacking Pack</a>"#),
        ),
        (
            ARTICLE,
            "article",
            "<h1>How to Choose a Backpacking Pack</h1>",
            "<h2>1. Pick a volume for your trips</h2>",
        ),
    ];
    for (path, template, title, body) in cases {
        let page = front.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(page.header("content-type").starts_with("text/html"));
        assert!(page.body.contains(title), "{path} lacks {title}");
        assert!(page.body.contains(body), "{path} lacks {body}");
        assert!(
            page.body
                .contains(&format!(r#"<body class="template-{template}">"#))
        );
        let config = page.embed_config();
        assert_eq!(config["page"]["type"], template, "{path}");
        assert_eq!(config["page"]["template"], template, "{path}");
        assert!(!page.body.contains("Liquid error"), "{path}");
    }
    let article = front.get(ARTICLE).await.body;
    assert!(article.contains(
        r#"<p class="article-meta">Dev Okafor &middot; <time datetime="2025-06-10T16:00:00Z">June 10, 2025</time></p>"#
    ));
    assert!(article.contains(&format!(r#"<a href="/{SHOP}/blogs/field-journal">"#)));
    // The blog lists only its own articles, newest first.
    let blog = front.get("/blogs/field-journal").await.body;
    assert!(!blog.contains("leather-boot-care"));
    let newest = blog.find("first-overnight-backpacking-trip").unwrap();
    assert!(newest < blog.find("how-to-choose-a-backpacking-pack").unwrap());

    // Under a locale prefix, as every page.
    let fr = front.get("/fr/blogs/field-journal").await;
    assert_eq!(fr.status, 200);
    assert!(fr.body.contains(r#"<html lang="fr" dir="ltr">"#));
    assert!(fr.body.contains(&format!(r#"href="/{SHOP}/fr{ARTICLE}""#)));
    assert_eq!(fr.embed_config()["root"], format!("/{SHOP}/fr"));
    for path in [
        "/ar/pages/faq",
        "/de/policies/refund-policy",
        &format!("/ja{ARTICLE}"),
    ] {
        assert_eq!(front.get(path).await.status, 200, "{path}");
    }
}

#[tokio::test]
async fn unknown_unpublished_and_empty_content_is_the_themes_404() {
    let front = Front::start().await;
    for path in [
        "/pages/no-such-page",
        // Unpublished in the demo store.
        "/pages/holiday-gift-guide-2026",
        "/policies/no-such-policy",
        // A policy type the demo store has not written.
        "/policies/contact-information",
        "/blogs/no-such-blog",
        "/blogs/no-such-blog/how-to-choose-a-backpacking-pack",
        "/blogs/field-journal/no-such-article",
        // An article of the other blog.
        "/blogs/field-journal/leather-boot-care",
        "/fr/pages/no-such-page",
        "/xx/pages/faq",
    ] {
        let page = front.get(path).await;
        assert_eq!(page.status, 404, "{path}");
        if !path.starts_with("/xx") {
            assert_eq!(page.embed_config()["page"]["type"], "404", "{path}");
        }
    }
}

#[tokio::test]
async fn hostile_content_titles_are_escaped_and_bodies_printed_as_the_merchant_wrote() {
    let hostile = r#"<script>alert(1)</script> "Q" & 'A'"#;
    let mut store = Store::new();
    store
        .insert_shop(
            SHOP,
            json!({
                "pages": [{"title": hostile, "handle": "faq", "body": "<p><em>Merchant</em> HTML</p>"}],
                "policies": [
                    {"type": "REFUND_POLICY", "title": hostile, "body": "<p>Refunds</p>"},
                    {"type": "SHIPPING_POLICY", "title": "Shipping", "body": "  "}
                ],
                "blogs": [{"id": "gid://shopify/Blog/1", "title": hostile, "handle": "news"}],
                "articles": [{"blogId": "gid://shopify/Blog/1", "title": hostile, "handle": "a",
                    "author": {"name": "<img src=x onerror=alert(2)>"}, "body": "<p>Article</p>",
                    "summary": "<p>Summary</p>", "publishedAt": "not a date"}]
            }),
        )
        .unwrap();
    let front = Front::start_with(store, Some(fixture_extension())).await;
    let escaped = "&lt;script&gt;alert(1)&lt;/script&gt; &quot;Q&quot; &amp; &#39;A&#39;";
    for (path, body) in [
        ("/pages/faq", "<p><em>Merchant</em> HTML</p>"),
        ("/policies/refund-policy", "<p>Refunds</p>"),
        ("/blogs/news", "<p>Summary</p>"),
        ("/blogs/news/a", "<p>Article</p>"),
    ] {
        let page = front.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(page.body.contains(body), "{path}");
        assert!(page.body.contains(escaped), "{path}");
        for raw in ["<script>alert", "<img src=x"] {
            assert!(!page.body.contains(raw), "{path} prints {raw} raw");
        }
        assert!(!page.body.contains("Liquid error"), "{path}");
    }
    let article = front.get("/blogs/news/a").await.body;
    assert!(article.contains("&lt;img src=x onerror=alert(2)&gt;</p>"));
    assert!(!article.contains("<time"), "no date is shown for a bad one");
    // A policy the merchant left empty is not on the storefront.
    assert_eq!(front.get("/policies/shipping-policy").await.status, 404);
}
