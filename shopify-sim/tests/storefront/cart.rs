//! The Ajax Cart API and the Section Rendering API, in Shopify's shapes.

use serde_json::json;

use crate::helpers::*;

/// Sold out: `M / Olive` of the field jacket.
const JACKET_M_OLIVE: u64 = 45_100_000_000_005;

#[tokio::test]
async fn add_count_change_and_sections_follow_shopifys_ajax_cart() {
    let front = Front::start().await;
    let empty = front.get("/cart.js").await;
    assert_eq!(empty.status, 200);
    let empty = empty.json();
    assert_eq!(empty["item_count"], 0);
    assert_eq!(empty["currency"], "USD");
    assert!(empty["token"].as_str().is_some_and(|t| !t.is_empty()));

    let added = front
        .post_json(
            "/cart/add.js",
            json!({"items": [{"id": JACKET_S_TOBACCO, "quantity": 2}], "sections": "cart-icon-bubble"}),
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert!(
        added
            .header("set-cookie")
            .contains("Path=/harbor-and-pine.myshopify.com")
    );
    let added = added.json();
    let line = &added["items"][0];
    assert_eq!(line["id"], JACKET_S_TOBACCO);
    assert_eq!(line["variant_id"], JACKET_S_TOBACCO);
    assert_eq!(line["product_id"], JACKET);
    assert_eq!(line["quantity"], 2);
    assert_eq!(line["price"], 29_800);
    assert_eq!(line["line_price"], 59_600);
    assert_eq!(
        line["title"],
        "Harbor Waxed Canvas Field Jacket - S / Tobacco"
    );
    assert_eq!(line["variant_options"], json!(["S", "Tobacco"]));
    let bubble = added["sections"]["cart-icon-bubble"].as_str().unwrap();
    assert!(
        bubble
            .starts_with(r#"<div id="shopify-section-cart-icon-bubble" class="shopify-section">"#)
    );
    assert!(bubble.contains(">2</span>"), "{bubble}");

    let cart = front.get("/cart.js").await.json();
    assert_eq!(cart["item_count"], 2);
    assert_eq!(cart["total_price"], 59_600);
    assert_eq!(cart["items"][0]["key"], line["key"]);
    assert_eq!(cart["token"], empty["token"]);

    // Adding the same variant again grows its line.
    let again = front
        .post_json(
            "/cart/add.js",
            json!({"id": JACKET_S_TOBACCO, "quantity": 1}),
        )
        .await
        .json();
    assert_eq!(
        again["quantity"], 3,
        "a single id answers with the line itself"
    );

    let changed = front
        .post_json(
            "/cart/change.js",
            json!({"id": line["key"], "quantity": 1, "sections": ["cart-icon-bubble", "nope"]}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let changed = changed.json();
    assert_eq!(changed["item_count"], 1);
    assert!(
        changed["sections"]["cart-icon-bubble"]
            .as_str()
            .unwrap()
            .contains(">1</span>")
    );
    assert_eq!(changed["sections"]["nope"], json!(null));

    let sections = front
        .get("/?sections=cart-icon-bubble,main-cart-items")
        .await;
    assert_eq!(sections.status, 200);
    let sections = sections.json();
    assert!(
        sections["cart-icon-bubble"]
            .as_str()
            .unwrap()
            .contains(">1</span>")
    );
    assert!(
        sections["main-cart-items"]
            .as_str()
            .unwrap()
            .contains("Harbor Waxed Canvas Field Jacket")
    );
    let one = front.get("/?section_id=cart-icon-bubble").await;
    assert!(one.header("content-type").starts_with("text/html"));
    assert!(one.body.contains("shopify-section-cart-icon-bubble"));

    // The theme shows the same count, and the embed sees it.
    let page = front.get("/cart").await;
    assert!(page.body.contains(">1</span>"));
    assert!(page.body.contains("Harbor Waxed Canvas Field Jacket"));
    assert_eq!(page.embed_config()["cart_count"], 1);

    let removed = front
        .post_json("/cart/change.js", json!({"line": 1, "quantity": 0}))
        .await
        .json();
    assert_eq!(removed["item_count"], 0);
    assert_eq!(removed["items"], json!([]));

    // Another browser has its own cart.
    front
        .post_json("/cart/add.js", json!({"id": JACKET_S_TOBACCO}))
        .await;
    front.forget_cookies();
    assert_eq!(front.get("/cart.js").await.json()["item_count"], 0);
}

#[tokio::test]
async fn update_and_clear_work_by_variant() {
    let front = Front::start().await;
    let updated = front
        .post_json(
            "/cart/update.js",
            json!({"updates": {JACKET_S_TOBACCO.to_string(): 4}}),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.json()["item_count"], 4);
    let cleared = front.post_json("/cart/clear.js", json!({})).await.json();
    assert_eq!(cleared["item_count"], 0);
}

#[tokio::test]
async fn the_product_form_works_without_javascript_and_with_dawns_fetch() {
    let front = Front::start().await;
    let id = JACKET_S_TOBACCO.to_string();
    let posted = front
        .post_form("/cart/add", &[("id", &id), ("quantity", "1")])
        .await;
    assert_eq!(posted.status, 303);
    assert_eq!(posted.header("location"), format!("/{SHOP}/cart"));
    // Dawn posts FormData to /cart/add and asks for JSON.
    let multipart = "--XyZ\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\n45100000000001\r\n--XyZ\r\nContent-Disposition: form-data; name=\"quantity\"\r\n\r\n2\r\n--XyZ\r\nContent-Disposition: form-data; name=\"sections\"\r\n\r\ncart-icon-bubble\r\n--XyZ--\r\n";
    let request = front
        .http
        .post(front.url("/cart/add"))
        .header("content-type", "multipart/form-data; boundary=XyZ")
        .header("x-requested-with", "XMLHttpRequest")
        .header("accept", "application/javascript")
        .body(multipart);
    let answer = front.send(request).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let line = answer.json();
    assert_eq!(line["quantity"], 3);
    assert!(
        line["sections"]["cart-icon-bubble"]
            .as_str()
            .unwrap()
            .contains(">3</span>")
    );
    // The cart page's quantity form and remove link.
    let changed = front
        .post_form("/cart/change", &[("line", "1"), ("quantity", "0")])
        .await;
    assert_eq!(changed.status, 303);
    assert_eq!(front.get("/cart.js").await.json()["item_count"], 0);
    // A refused form post is a page that says why.
    let sold_out = JACKET_M_OLIVE.to_string();
    let refused = front.post_form("/cart/add", &[("id", &sold_out)]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("already sold out"));
}

#[tokio::test]
async fn bad_cart_requests_get_shopifys_errors() {
    let front = Front::start().await;
    let unknown = front
        .post_json("/cart/add.js", json!({"id": 1, "quantity": 1}))
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(
        unknown.json(),
        json!({"status": 404, "message": "Cart Error", "description": "Cannot find variant"})
    );
    let sold_out = front
        .post_json("/cart/add.js", json!({"id": JACKET_M_OLIVE}))
        .await;
    assert_eq!(sold_out.status, 422);
    assert_eq!(sold_out.json()["message"], "Cart Error");
    let too_many = front
        .post_json(
            "/cart/add.js",
            json!({"id": JACKET_S_TOBACCO, "quantity": 11}),
        )
        .await;
    assert_eq!(too_many.status, 422);
    assert!(
        too_many.json()["description"]
            .as_str()
            .unwrap()
            .contains("only add 10")
    );
    assert_eq!(
        front.get("/cart.js").await.json()["item_count"],
        0,
        "nothing was added"
    );

    let bad_json = front
        .send(
            front
                .http
                .post(front.url("/cart/add.js"))
                .header("content-type", "application/json")
                .body("{not json"),
        )
        .await;
    assert_eq!(bad_json.status, 400);
    assert_eq!(bad_json.json()["status"], "bad_request");
    for body in [
        json!({}),
        json!({"items": "x"}),
        json!({"items": [{"id": "abc"}]}),
        json!({"id": JACKET_S_TOBACCO, "quantity": -1}),
        json!({"id": JACKET_S_TOBACCO, "quantity": 0}),
        json!([1, 2]),
    ] {
        assert_eq!(
            front.post_json("/cart/add.js", body.clone()).await.status,
            400,
            "{body}"
        );
    }
    for body in [
        json!({}),
        json!({"line": 5, "quantity": 1}),
        json!({"line": 0, "quantity": 1}),
        json!({"id": "nope:0", "quantity": 1}),
        json!({"id": JACKET_S_TOBACCO, "quantity": 1}),
        json!({"line": 1}),
    ] {
        assert_eq!(
            front
                .post_json("/cart/change.js", body.clone())
                .await
                .status,
            400,
            "{body}"
        );
    }
    assert_eq!(
        front
            .post_json("/cart/update.js", json!({"updates": {"x": 1}}))
            .await
            .status,
        400
    );
    let garbage = front
        .send(
            front
                .http
                .post(front.url("/cart/add.js"))
                .header("content-type", "multipart/form-data; boundary=Q")
                .body(vec![0xff, 0xfe, 0x00]),
        )
        .await;
    assert_eq!(garbage.status, 400);
}
