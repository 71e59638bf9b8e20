//! Theme pages, the embed's page context and settings, locales, assets and escaping.

use serde_json::json;
use shopify_sim::store::Store;

use crate::helpers::*;

#[tokio::test]
async fn a_product_page_gives_the_embed_its_product_and_selected_variant() {
    let front = Front::start().await;
    let page = front
        .get(&format!("/products/{JACKET_HANDLE}?variant=45100000000004"))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").starts_with("text/html"));
    assert!(page.body.contains(r#"<html lang="en" dir="ltr">"#));
    assert!(page.body.contains(r#"<div id="cart-icon-bubble">"#));
    assert!(
        page.body
            .contains(r#"<option value="45100000000004" selected>"#)
    );
    let config = page.embed_config();
    assert_eq!(config["page"]["type"], "product");
    assert_eq!(config["page"]["template"], "product");
    assert_eq!(config["page"]["product_id"], JACKET);
    assert_eq!(config["page"]["product_handle"], JACKET_HANDLE);
    assert_eq!(config["page"]["variant_id"], 45_100_000_000_004_u64);
    assert_eq!(config["page"]["collection_id"], json!(null));
    assert_eq!(config["customer"], json!(null));
    assert_eq!(config["shop"], SHOP);
    assert_eq!(config["currency"], "USD");
    assert_eq!(config["country"], "US");
    assert_eq!(config["root"], format!("/{SHOP}/"));
    assert_eq!(config["cart_add_url"], format!("/{SHOP}/cart/add"));
    // Schema defaults: a select without one takes its first option; a text's label comes
    // from the block's `default` fallback to the locale.
    assert_eq!(
        config["settings"],
        json!({"accent": "#1f5f4a", "position": "right", "label": "Chat with us", "show_on": "all"})
    );
    assert!(page.body.contains("<!-- right -->") && page.body.contains("<!-- anonymous -->"));
    // The embed is the last thing in <body>, after the theme's footer.
    let embed = page.body.find("data-concierge-config").unwrap();
    assert!(page.body.find("</footer>").unwrap() < embed);
    assert!(embed < page.body.find("</body>").unwrap());
    assert!(!page.body.contains("Liquid error"));

    // Without `?variant`, the first available variant is selected.
    let config = front
        .get(&format!("/products/{JACKET_HANDLE}"))
        .await
        .embed_config();
    assert_eq!(config["page"]["variant_id"], JACKET_S_TOBACCO);
}

#[tokio::test]
async fn collection_pages_and_nested_product_urls_give_the_collection() {
    let front = Front::start().await;
    let page = front.get("/collections/outerwear").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(JACKET_HANDLE));
    let config = page.embed_config();
    assert_eq!(config["page"]["type"], "collection");
    assert_eq!(config["page"]["collection_id"], 460_000_000_001_u64);
    assert_eq!(config["page"]["collection_handle"], "outerwear");
    assert_eq!(config["page"]["product_id"], json!(null));

    // The catalog is paged, 24 to a page, as Dawn pages it.
    let all = front.get("/collections/all").await.body;
    assert_eq!(all.matches(r#"<li class="card">"#).count(), 24);
    assert!(all.contains(r#"rel="next""#) && !all.contains(r#"rel="prev""#));
    let third = front.get("/collections/all?page=3").await.body;
    assert!(third.contains(r#"rel="prev""#) && !third.contains(r#"rel="next""#));
    assert_eq!(front.get("/collections/all?page=99").await.status, 200);

    let nested = front
        .get(&format!("/collections/outerwear/products/{JACKET_HANDLE}"))
        .await
        .embed_config();
    assert_eq!(nested["page"]["product_id"], JACKET);
    assert_eq!(nested["page"]["collection_id"], 460_000_000_001_u64);

    for path in [
        "/",
        "/collections",
        "/collections/all",
        "/cart",
        "/checkout",
        "/account/login",
    ] {
        let page = front.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(
            page.embed_config()["page"]["product_id"],
            json!(null),
            "{path}"
        );
    }
    let index = front.get("/").await.embed_config();
    assert_eq!(index["page"]["type"], "index");
    let login = front.get("/account/login").await.embed_config();
    assert_eq!(login["page"]["type"], "customers/login");
    assert_eq!(login["page"]["template"], "login");
}

#[tokio::test]
async fn locale_prefixes_set_lang_dir_root_url_and_translations_with_fallback() {
    let front = Front::start().await;
    let fr = front.get(&format!("/fr/products/{JACKET_HANDLE}")).await;
    assert_eq!(fr.status, 200);
    assert!(fr.body.contains(r#"<html lang="fr" dir="ltr">"#));
    let config = fr.embed_config();
    assert_eq!(config["locale"], "fr");
    assert_eq!(config["language"], "fr");
    assert_eq!(config["root"], format!("/{SHOP}/fr"));
    assert_eq!(config["cart_url"], format!("/{SHOP}/fr/cart"));
    assert_eq!(config["page"]["product_id"], JACKET);
    assert_eq!(config["settings"]["label"], "Discuter avec nous");
    // `t` escapes like Shopify: the interpolated shop name's `&` arrives as `&amp;`.
    assert_eq!(
        config["strings"]["greeting"],
        "Bonjour ! Des questions sur Harbor &amp; Pine Supply Co. ?"
    );
    assert_eq!(config["strings"]["only_default"], "Default only");

    for rtl in ["ar", "he"] {
        let page = front.get(&format!("/{rtl}/")).await;
        assert!(
            page.body
                .contains(&format!(r#"<html lang="{rtl}" dir="rtl">"#))
        );
    }
    assert_eq!(
        front.get("/ar/").await.embed_config()["strings"]["close"],
        "إغلاق"
    );
    // pt-BR falls back to pt.json, then to en.default.json.
    let pt = front
        .get("/pt-BR/collections/outerwear")
        .await
        .embed_config();
    assert_eq!(pt["locale"], "pt-BR");
    assert_eq!(pt["settings"]["label"], "Fale conosco");
    assert_eq!(pt["strings"]["close"], "Close");
    assert_eq!(front.get("/xx/").await.status, 404);
    let links = front.get("/fr/collections/outerwear").await.body;
    assert!(links.contains(&format!(
        r#"href="/{SHOP}/ja/collections/outerwear" lang="ja""#
    )));
    assert!(links.contains(&format!(
        r#"href="/{SHOP}/collections/outerwear" lang="en""#
    )));
}

#[tokio::test]
async fn merchant_settings_merge_over_the_defaults_and_the_embed_can_be_switched_off() {
    let front = Front::start().await;
    front.sim.set_embed(
        SHOP,
        true,
        json!({"position": "left", "launcher_label": "Ask <us> & \"more\""}),
    );
    let page = front.get("/").await;
    let settings = page.embed_config()["settings"].clone();
    assert_eq!(settings["position"], "left");
    assert_eq!(settings["accent"], "#1f5f4a");
    assert_eq!(settings["label"], "Ask <us> & \"more\"");
    // `json` keeps `<` out of the script; `escape` keeps it out of the markup.
    assert!(
        page.body
            .contains(r#""label":"Ask \u003cus\u003e \u0026 \"more\"""#)
    );
    assert!(
        page.body
            .contains("<span hidden data-label>Ask &lt;us&gt; &amp; &quot;more&quot;</span>")
    );
    assert!(page.body.contains("<!-- left -->"));

    front.sim.set_embed(SHOP, false, json!({}));
    let page = front.get("/").await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("data-concierge-config"));

    let bare = Front::start_with(Store::demo().unwrap(), None).await;
    let page = bare.get(&format!("/products/{JACKET_HANDLE}")).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("data-concierge-config"));
}

#[tokio::test]
async fn extension_assets_are_served_where_asset_url_points_with_cache_headers() {
    let front = Front::start().await;
    let page = front.get(&format!("/products/{JACKET_HANDLE}")).await;
    let start = page.body.find("<script src=\"").unwrap() + "<script src=\"".len();
    let loader_url = &page.body[start..start + page.body[start..].find('"').unwrap()];
    assert!(loader_url.starts_with("/cdn/extensions/"), "{loader_url}");
    assert!(
        loader_url.contains("concierge-loader.js?v="),
        "{loader_url}"
    );
    let loader = front.get(loader_url).await;
    assert_eq!(loader.status, 200);
    assert_eq!(
        loader.header("content-type"),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        loader.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    let file = fixture_extension().join("assets/concierge-loader.js");
    assert_eq!(loader.body, std::fs::read_to_string(file).unwrap());

    let chat_url = page.embed_config()["chat"].as_str().unwrap().to_owned();
    let chat = front.get(&chat_url).await;
    assert_eq!(chat.status, 200);
    assert!(chat.body.contains("fixture"));
    // A stale or missing version is revalidated rather than cached for a year.
    let stale = front.get(&loader_url.replace("?v=", "?v=0")).await;
    assert_eq!(stale.header("cache-control"), "no-cache");

    let base = loader_url.split("/concierge-loader.js").next().unwrap();
    for bad in [
        "/..%2Fblocks%2Fconcierge.liquid",
        "/.hidden",
        "/nope.js",
        "/a%5Cb",
    ] {
        assert_eq!(
            front.get(&format!("{base}{bad}")).await.status,
            404,
            "{bad}"
        );
    }
    assert_eq!(
        front
            .get(&format!("{base}/../blocks/concierge.liquid"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn product_pictures_are_local_svg_placeholders() {
    let front = Front::start().await;
    let page = front.get(&format!("/products/{JACKET_HANDLE}")).await;
    assert!(
        !page.body.contains("https://"),
        "nothing may load from the internet"
    );
    let svg = front
        .get(&format!("/{SHOP}/cdn/shop/products/{JACKET_HANDLE}-2.svg"))
        .await;
    assert_eq!(svg.status, 200);
    assert_eq!(svg.header("content-type"), "image/svg+xml");
    assert!(svg.body.contains(">HW</text>"));
    // The page's picture URLs are versioned, so they are cached for good.
    let start = page.body.find("/cdn/shop/products/").unwrap();
    let src = &page.body[start..start + page.body[start..].find('"').unwrap()];
    let cached = front
        .get(&format!("/{SHOP}{}", src.replace("&amp;", "&")))
        .await;
    assert_eq!(cached.status, 200);
    assert_eq!(
        cached.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(svg.header("cache-control"), "no-cache");
    assert_eq!(
        front
            .get(&format!("/{SHOP}/cdn/shop/products/nope-1.svg"))
            .await
            .status,
        404
    );
    assert_eq!(
        front
            .get(&format!("/{SHOP}/cdn/shop/products/x.png"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn a_hostile_product_title_is_escaped_in_the_theme_and_the_embed() {
    let hostile = r#"<script>alert(1)</script> "Mug" & 'Co'"#;
    let mut store = Store::new();
    store
        .insert_shop(
            SHOP,
            json!({
                "shop": {"name": "<b>Shop</b>"},
                "collections": [{"handle": "mugs", "title": "<i>Mugs</i>"}],
                "products": [{"title": hostile, "handle": "mug", "collections": ["mugs"],
                    "variants": [{"id": "gid://shopify/ProductVariant/7", "title": "<img src=x onerror=alert(2)>",
                        "price": "5.00", "inventoryPolicy": "CONTINUE"}],
                    "options": [{"name": "<svg onload=alert(3)>", "values": ["x"]}]}]
            }),
        )
        .unwrap();
    let front = Front::start_with(store, Some(fixture_extension())).await;
    let added = front
        .post_json("/cart/add.js", json!({"items": [{"id": 7, "quantity": 1}]}))
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    for path in [
        "/",
        "/products/mug",
        "/collections/mugs",
        "/collections/all",
        "/cart",
    ] {
        let page = front.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        for raw in [
            "<script>alert",
            "<img src=x",
            "<svg onload",
            "<b>Shop",
            "<i>Mugs",
        ] {
            assert!(!page.body.contains(raw), "{path} prints {raw} raw");
        }
        assert!(!page.body.contains("Liquid error"), "{path}");
    }
    let page = front.get("/products/mug").await;
    assert!(
        page.body
            .contains("&lt;script&gt;alert(1)&lt;/script&gt; &quot;Mug&quot; &amp; &#39;Co&#39;")
    );
    assert!(
        page.body
            .contains(r#""product_title":"\u003cscript\u003ealert(1)\u003c/script\u003e"#)
    );
    assert_eq!(page.embed_config()["page"]["product_title"], hostile);
    let svg = front
        .get(&format!("/{SHOP}/cdn/shop/products/mug-1.svg"))
        .await;
    assert!(!svg.body.contains("<script>"));
}

#[tokio::test]
async fn malformed_requests_get_a_4xx_never_a_panic() {
    let front = Front::start().await;
    assert_eq!(front.get("/products/no-such-product").await.status, 404);
    assert_eq!(
        front.get("/collections/no-such-collection").await.status,
        404
    );
    assert_eq!(
        front
            .get("/products/no-such-product?variant=x")
            .await
            .status,
        404
    );
    assert_eq!(
        front
            .get(&format!("/products/{JACKET_HANDLE}?variant=notanumber"))
            .await
            .status,
        200
    );
    let unknown_shop = front
        .send(
            front
                .http
                .get(format!("{}/nope.myshopify.com/", front.sim.base_url())),
        )
        .await;
    assert_eq!(unknown_shop.status, 404);
    // Drafts and archived products are not on the storefront.
    assert_eq!(
        front.get("/products/alpine-insulated-anorak").await.status,
        404
    );
    // The 404 page is still the theme's, with the embed on it.
    let missing = front.get("/products/no-such-product").await;
    assert_eq!(missing.embed_config()["page"]["type"], "404");
}

#[tokio::test]
async fn pages_and_assets_are_gzipped_for_clients_that_accept_it() {
    use std::io::Read as _;
    let front = Front::start().await;
    let url = front.url(&format!("/products/{JACKET_HANDLE}"));
    let plain = front.get(&format!("/products/{JACKET_HANDLE}")).await;
    assert_eq!(plain.header("content-encoding"), "");
    let response = front
        .http
        .get(&url)
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-encoding"], "gzip");
    assert_eq!(response.headers()["vary"], "Accept-Encoding");
    let bytes = response.bytes().await.unwrap();
    assert!(
        bytes.len() * 2 < plain.body.len(),
        "gzip should at least halve the page"
    );
    let mut html = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut html)
        .unwrap();
    assert!(html.contains("data-concierge-config") && html.ends_with("</html>"));
    // Small bodies and refusals (`gzip;q=0`) go as they are.
    let small = front
        .http
        .get(front.url("/cart.js"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert!(small.headers().get("content-encoding").is_none());
    let refused = front
        .http
        .get(&url)
        .header("accept-encoding", "gzip;q=0")
        .send()
        .await
        .unwrap();
    assert!(refused.headers().get("content-encoding").is_none());
}

#[tokio::test]
async fn blocks_follow_their_schema_and_a_broken_block_does_not_break_the_page() {
    let dir = std::env::temp_dir().join(format!("sim-ext-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(dir.join("blocks")).unwrap();
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("assets/app.js"), "1").unwrap();
    std::fs::write(dir.join("assets/app.css"), "a{}").unwrap();
    let blocks = [
        (
            "a_broken",
            r#"{% if %}{% schema %}{"target":"body"}{% endschema %}"#,
        ),
        ("b_unschemed", "<p>no schema</p>"),
        ("c_bad_json", "{% schema %}{nope{% endschema %}"),
        (
            "d_head",
            r#"<meta name="in-head" content="{{ template.name }}">{% schema %}{"target":"head","stylesheet":"app.css","javascript":"app.js","enabled_on":{"templates":["product"]}}{% endschema %}"#,
        ),
        (
            "e_section",
            r#"<p>section block</p>{% schema %}{"target":"section"}{% endschema %}"#,
        ),
        (
            "f_odd",
            "{%}{% schema %}{\"target\":\"body\"}{% endschema %}<i>odd</i>",
        ),
    ];
    for (name, source) in blocks {
        std::fs::write(dir.join(format!("blocks/{name}.liquid")), source).unwrap();
    }
    let front = Front::start_with(Store::demo().unwrap(), Some(dir.clone())).await;
    let page = front.get(&format!("/products/{JACKET_HANDLE}")).await;
    assert_eq!(page.status, 200);
    for shown in [
        "blocks/a_broken.liquid",
        "blocks/b_unschemed.liquid",
        "blocks/c_bad_json.liquid",
    ] {
        assert!(
            page.body.contains(&format!("<!-- Liquid error ({shown})")),
            "{shown}"
        );
    }
    let head = &page.body[..page.body.find("</head>").unwrap()];
    assert!(head.contains(r#"<meta name="in-head" content="product">"#));
    assert!(head.contains(r#"<link rel="stylesheet" href="/cdn/extensions/"#));
    assert!(head.contains("app.js?v="));
    assert!(!page.body.contains("section block"));
    assert!(page.body.contains("<i>odd</i>") || page.body.contains("Liquid error (blocks/f_odd"));
    // `enabled_on` keeps the head block off other templates.
    assert!(!front.get("/").await.body.contains("in-head"));
    std::fs::remove_dir_all(dir).unwrap();
}

/// Our real block, once `theme-extension/blocks/` holds it: it must render without a Liquid
/// error on every template in every locale, with config JSON that parses.
#[tokio::test]
async fn the_real_app_embed_block_renders_on_every_template_and_locale() {
    let real = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../theme-extension");
    let has_blocks = std::fs::read_dir(real.join("blocks")).is_ok_and(|mut d| {
        d.any(|e| e.is_ok_and(|e| e.path().extension().is_some_and(|x| x == "liquid")))
    });
    if !has_blocks {
        eprintln!("theme-extension/blocks has no block yet: nothing to render");
        return;
    }
    let front = Front::start_with(Store::demo().unwrap(), Some(real)).await;
    let pages = [
        "/".to_owned(),
        format!("/products/{JACKET_HANDLE}"),
        "/collections/outerwear".to_owned(),
        "/cart".to_owned(),
        "/account/login".to_owned(),
        "/pages/faq".to_owned(),
        "/policies/refund-policy".to_owned(),
        "/blogs/field-journal".to_owned(),
        "/blogs/field-journal/how-to-choose-a-backpacking-pack".to_owned(),
        "/products/no-such-product".to_owned(),
    ];
    for locale in [
        "", "/fr", "/es", "/de", "/it", "/pt-BR", "/nl", "/ja", "/ar", "/he",
    ] {
        for page in &pages {
            let path = format!("{locale}{page}");
            let answer = front.get(&path).await;
            assert!(answer.status == 200 || page.contains("no-such"), "{path}");
            assert!(
                !answer.body.contains("Liquid error"),
                "{path}: {}",
                answer.body
            );
            assert!(answer.body.contains("data-concierge-config"), "{path}");
            answer.embed_config();
        }
    }
}
