//! The chat tool host (`chat::host::StoreTools`) against the demo store on the Shopify
//! simulator over HTTP and a real PostgreSQL: live prices, stock and status over a stale
//! index, variant matching, per-location stock, the order-access rule with its lock, the
//! cart refusal and the handoff.

use std::collections::HashMap;
use std::time::Duration;

use concierge::chat::host::{AGENTS_CHANNEL, StoreTools};
use concierge::dev::demo::DEMO_SHOP;
use concierge::shopify::ShopDomain;
use llm::{ToolOutput, ToolRunner};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tools::io::{
    CartAction, Handoff, Inventory, KnowledgeFound, OrderStatus, ProductDetail, ProductsFound,
};
use uuid::Uuid;

use crate::helpers::{DemoShop, TestApp, TestDb, install_shop, state};

/// A conversation row, as the chat API creates it.
async fn conversation(db: &sqlx::PgPool, shop_id: i64, customer: Option<&str>) -> Uuid {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO conversations (shop_id, id, visitor_id, customer_id) VALUES ($1, $2, $3, $4)",
    )
    .bind(shop_id)
    .bind(id)
    .bind(Uuid::new_v4())
    .bind(customer)
    .execute(db)
    .await
    .unwrap();
    id
}

fn host(
    state: &concierge::AppState,
    shop: &str,
    shop_id: i64,
    conversation_id: Uuid,
    customer: Option<&str>,
    write_allowed: bool,
) -> StoreTools {
    StoreTools::new(
        state.chat_services(),
        ShopDomain::parse(shop).unwrap(),
        conversation_id,
        tools::TurnContext {
            shopper: tools::Shopper {
                shop_id,
                customer_id: customer.map(str::to_owned),
                verification_failures: 0,
            },
            write_allowed,
        },
    )
}

/// Runs a tool that must succeed, reading its answer as `T`.
async fn ok<T: DeserializeOwned>(tools: &StoreTools, name: &str, arguments: Value) -> T {
    let output = tools.run(name, arguments.clone()).await;
    assert!(
        !output.is_error,
        "{name}({arguments}) failed: {}",
        output.content
    );
    serde_json::from_value(output.content.clone())
        .unwrap_or_else(|e| panic!("{name}: {e}: {}", output.content))
}

/// Runs a tool that must fail; returns its message.
async fn fails(tools: &StoreTools, name: &str, arguments: Value) -> String {
    let output: ToolOutput = tools.run(name, arguments.clone()).await;
    assert!(
        output.is_error,
        "{name}({arguments}) succeeded: {}",
        output.content
    );
    output.content["error"].as_str().unwrap().to_owned()
}

/// The simulator's product with this handle.
fn sim_product(sim: &shopify_sim::Simulator, handle: &str) -> Value {
    let store = sim.store();
    let store = store.read().unwrap();
    store
        .shop(DEMO_SHOP)
        .unwrap()
        .products()
        .iter()
        .find(|p| p["handle"] == handle)
        .cloned()
        .unwrap_or_else(|| panic!("no product {handle} in the demo store"))
}

fn variant<'a>(product: &'a Value, title: &str) -> &'a Value {
    product["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["title"] == title)
        .unwrap_or_else(|| panic!("no variant {title}"))
}

fn digits(gid: &str) -> &str {
    gid.rsplit('/').next().unwrap()
}

/// Location name → units, as the simulator holds them for a variant.
fn sim_stock(sim: &shopify_sim::Simulator, variant: &Value) -> HashMap<String, i64> {
    let store = sim.store();
    let store = store.read().unwrap();
    let locations = store.shop(DEMO_SHOP).unwrap().locations().to_vec();
    variant["inventory"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(location, units)| {
            let name = locations.iter().find(|l| &l["id"] == location).unwrap()["name"]
                .as_str()
                .unwrap()
                .to_owned();
            (name, units.as_i64().unwrap())
        })
        .collect()
}

#[tokio::test]
async fn catalog_tools_answer_from_live_store_data_and_never_offer_inactive_products() {
    let (app, sim) = TestApp::with_simulator(|_| {}).await;
    let demo = DemoShop::install(&app, &sim, true).await;
    let conversation_id = conversation(&app.db.pool, demo.shop_id, None).await;
    let tools = host(
        &demo.state,
        DEMO_SHOP,
        demo.shop_id,
        conversation_id,
        None,
        false,
    );

    // Search: product cards with live price and a storefront URL.
    let found: ProductsFound = ok(
        &tools,
        "search_products",
        json!({"query": "waxed canvas field jacket"}),
    )
    .await;
    assert!(!found.products.is_empty() && found.products.len() <= 5);
    let jacket = found
        .products
        .iter()
        .find(|p| p.handle == "harbor-waxed-canvas-field-jacket")
        .unwrap_or_else(|| panic!("{found:?}"));
    assert_eq!((jacket.price_min, jacket.price_max), (298.0, 298.0));
    assert_eq!(jacket.currency, "USD");
    assert!(jacket.available);
    assert!(
        jacket
            .url
            .ends_with("/products/harbor-waxed-canvas-field-jacket")
    );
    assert!(jacket.image.is_some() && !jacket.summary.is_empty());
    let ids: Vec<&str> = found.products.iter().map(|p| p.id.as_str()).collect();
    let unique: std::collections::HashSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "one card per product");

    // A price change the index has not seen (no webhook) is what the shopper is told, and
    // the price filter applies to the live price.
    let product = sim_product(&sim, "harbor-waxed-canvas-field-jacket");
    let jacket_id = product["id"].as_str().unwrap().to_owned();
    let repriced: Vec<Value> = product["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| json!({"id": v["id"], "price": "412.00"}))
        .collect();
    sim.store()
        .write()
        .unwrap()
        .update_product(DEMO_SHOP, &jacket_id, json!({ "variants": repriced }))
        .unwrap();
    let found: ProductsFound = ok(
        &tools,
        "search_products",
        json!({"query": "waxed canvas field jacket"}),
    )
    .await;
    let jacket = found.products.iter().find(|p| p.id == jacket_id).unwrap();
    assert_eq!((jacket.price_min, jacket.price_max), (412.0, 412.0));
    let under_300: ProductsFound = ok(
        &tools,
        "search_products",
        json!({"query": "waxed canvas field jacket", "max_price": 300}),
    )
    .await;
    assert!(
        under_300.products.iter().all(|p| p.id != jacket_id),
        "the index's stale price let it through: {under_300:?}"
    );
    assert!(under_300.products.iter().all(|p| p.price_min <= 300.0));
    let detail: ProductDetail = ok(
        &tools,
        "get_product",
        json!({"product": "Harbor Waxed Canvas Field Jacket"}),
    )
    .await;
    assert_eq!(detail.card.id, jacket_id);
    assert!(detail.variants.iter().all(|v| v.price == 412.0));

    // Product details: options, variants, plain-text description.
    let flannel: ProductDetail = ok(
        &tools,
        "get_product",
        json!({"product": "harbor flannel shirt"}),
    )
    .await;
    assert_eq!(flannel.card.handle, "harbor-flannel-shirt");
    let sim_flannel = sim_product(&sim, "harbor-flannel-shirt");
    assert_eq!(
        flannel.variants.len(),
        sim_flannel["variants"].as_array().unwrap().len()
    );
    let names: Vec<&str> = flannel.options.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["Size", "Color"]);
    assert!(!flannel.description.is_empty() && !flannel.description.contains('<'));
    assert_eq!(flannel.vendor.as_deref(), Some("Harbor & Pine"));
    let womens: ProductDetail = ok(
        &tools,
        "get_product",
        json!({"product": "Women's Harbor Flannel Shirt"}),
    )
    .await;
    assert_eq!(womens.card.handle, "womens-harbor-flannel-shirt");
    let by_handle: ProductDetail = ok(
        &tools,
        "get_product",
        json!({"product": "cast-iron-skillet-10"}),
    )
    .await;
    assert_eq!(by_handle.card.handle, "cast-iron-skillet-10");
    assert!(by_handle.options.is_empty(), "no placeholder option");
    let by_variant: ProductDetail = ok(
        &tools,
        "get_product",
        json!({ "product": sim_flannel["variants"][0]["id"] }),
    )
    .await;
    assert_eq!(by_variant.card.handle, "harbor-flannel-shirt");

    // Drafts and archived products are never offered, whether the index knows them or not.
    for handle in ["alpine-insulated-anorak", "classic-canvas-daypack-2024"] {
        let inactive = sim_product(&sim, handle);
        let id = inactive["id"].as_str().unwrap();
        let title = inactive["title"].as_str().unwrap();
        let message = fails(&tools, "get_product", json!({ "product": id })).await;
        assert!(message.contains("no product matches"), "{message}");
        let found: ProductsFound = ok(&tools, "search_products", json!({ "query": title })).await;
        assert!(
            found.products.iter().all(|p| p.id != id),
            "{handle}: {found:?}"
        );
        let output = tools.run("get_product", json!({ "product": handle })).await;
        assert!(output.is_error || output.content["id"] != id, "{handle}");
    }
    let fleece = sim_product(&sim, "tidepool-fleece-jacket");
    let fleece_id = fleece["id"].as_str().unwrap().to_owned();
    sim.store()
        .write()
        .unwrap()
        .update_product(DEMO_SHOP, &fleece_id, json!({"status": "DRAFT"}))
        .unwrap();
    let found: ProductsFound = ok(
        &tools,
        "search_products",
        json!({"query": "tidepool fleece jacket"}),
    )
    .await;
    assert!(
        found.products.iter().all(|p| p.id != fleece_id),
        "{found:?}"
    );
    let message = fails(
        &tools,
        "get_product",
        json!({"product": "tidepool-fleece-jacket"}),
    )
    .await;
    assert!(message.contains("no product matches"), "{message}");
    // Every card offered is of an active product.
    let found: ProductsFound = ok(&tools, "search_products", json!({"query": "jacket"})).await;
    for card in &found.products {
        assert_eq!(
            sim_product(&sim, &card.handle)["status"],
            "ACTIVE",
            "{}",
            card.title
        );
    }

    // Stock: variants matched by their words, units per location, live.
    let m_olive = variant(&product, "M / Olive").clone();
    let inventory: Inventory = ok(
        &tools,
        "check_inventory",
        json!({"product": "Harbor Waxed Canvas Field Jacket", "variant": "M Olive"}),
    )
    .await;
    assert!(inventory.variant_matched);
    assert_eq!(inventory.variants.len(), 1, "{inventory:?}");
    assert_eq!(inventory.variants[0].id, m_olive["id"]);
    let shown: HashMap<String, i64> = inventory.variants[0]
        .locations
        .iter()
        .map(|l| (l.location.clone(), l.available))
        .collect();
    assert_eq!(shown, sim_stock(&sim, &m_olive));
    assert_eq!(shown.len(), 2);
    let reno = sim
        .store()
        .read()
        .unwrap()
        .shop(DEMO_SHOP)
        .unwrap()
        .locations()[0]
        .clone();
    sim.store()
        .write()
        .unwrap()
        .set_inventory(
            DEMO_SHOP,
            m_olive["inventoryItem"]["id"].as_str().unwrap(),
            reno["id"].as_str().unwrap(),
            3,
        )
        .unwrap();
    let inventory: Inventory = ok(
        &tools,
        "check_inventory",
        json!({"product": "harbor-waxed-canvas-field-jacket", "variant": "medium olive"}),
    )
    .await;
    let at_reno = inventory.variants[0]
        .locations
        .iter()
        .find(|l| l.location == reno["name"])
        .unwrap();
    assert_eq!(at_reno.available, 3);
    for (product, asked, expected) in [
        ("Summit Leather Hiking Boot", "size 10 brown", "10 / Brown"),
        (
            "Harbor Flannel Shirt",
            "Blue Plaid medium",
            "M / Blue Plaid",
        ),
        ("Enamel Camp Mug", "red", "Red"),
    ] {
        let inventory: Inventory = ok(
            &tools,
            "check_inventory",
            json!({"product": product, "variant": asked}),
        )
        .await;
        let titles: Vec<&str> = inventory
            .variants
            .iter()
            .map(|v| v.title.as_str())
            .collect();
        assert!(inventory.variant_matched, "{product} {asked}");
        assert_eq!(titles, [expected], "{product} {asked}");
    }
    let unmatched: Inventory = ok(
        &tools,
        "check_inventory",
        json!({"product": "Harbor Flannel Shirt", "variant": "purple"}),
    )
    .await;
    assert!(!unmatched.variant_matched);
    assert_eq!(unmatched.variants.len(), flannel.variants.len());
    // A merchant who hides locations gets in / out of stock only.
    sqlx::query("UPDATE shops SET settings = $2 WHERE id = $1")
        .bind(demo.shop_id)
        .bind(json!({"show_inventory_locations": false}))
        .execute(&app.db.pool)
        .await
        .unwrap();
    let hidden: Inventory = ok(
        &tools,
        "check_inventory",
        json!({"product": "Harbor Flannel Shirt"}),
    )
    .await;
    assert!(hidden.variants.iter().all(|v| v.locations.is_empty()));

    // The cart: refused unless the shopper asked; then the numeric id the Ajax API takes.
    let tee = sim_product(&sim, "deckhand-heavyweight-tee");
    // A variant in stock somewhere, named the way a shopper would ("Deckhand Tee L Pine").
    let in_stock = tee["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| {
            v["inventory"]
                .as_object()
                .is_some_and(|i| i.values().any(|n| n.as_i64() > Some(0)))
        })
        .unwrap()
        .clone();
    let in_stock_title = in_stock["title"].as_str().unwrap();
    let message = fails(
        &tools,
        "add_to_cart",
        json!({ "variant_id": in_stock["id"] }),
    )
    .await;
    assert!(message.contains("refused"), "{message}");
    let cart = host(
        &demo.state,
        DEMO_SHOP,
        demo.shop_id,
        conversation_id,
        None,
        true,
    );
    let action: CartAction = ok(
        &cart,
        "add_to_cart",
        json!({"product": format!("Deckhand Tee {}", in_stock_title.replace(" / ", " "))}),
    )
    .await;
    assert_eq!(action.variant_id, digits(in_stock["id"].as_str().unwrap()));
    assert_eq!((action.quantity, action.currency.as_str()), (1, "USD"));
    assert_eq!(action.product_title, "Deckhand Heavyweight Tee");
    assert_eq!(action.variant_title, in_stock_title);
    assert!(action.available && action.price > 0.0);
    let action: CartAction = ok(
        &cart,
        "add_to_cart",
        json!({"variant_id": digits(in_stock["id"].as_str().unwrap()), "quantity": 2}),
    )
    .await;
    assert_eq!(action.quantity, 2);
    let message = fails(
        &cart,
        "add_to_cart",
        json!({"variant_id": in_stock["id"], "quantity": 21}),
    )
    .await;
    assert!(message.contains("quantity"), "{message}");
    let message = fails(
        &cart,
        "add_to_cart",
        json!({"product": "Deckhand Heavyweight Tee"}),
    )
    .await;
    assert!(
        message.contains(in_stock_title),
        "the choices are listed: {message}"
    );
    let anorak = sim_product(&sim, "alpine-insulated-anorak");
    let message = fails(
        &cart,
        "add_to_cart",
        json!({ "variant_id": anorak["variants"][0]["id"] }),
    )
    .await;
    assert!(message.contains("no product variant"), "{message}");
    // A variant out of stock everywhere (and not sold when out) cannot be added.
    let sold_out = {
        let store = sim.store();
        let store = store.read().unwrap();
        store
            .shop(DEMO_SHOP)
            .unwrap()
            .products()
            .iter()
            .filter(|p| p["status"] == "ACTIVE")
            .flat_map(|p| p["variants"].as_array().unwrap().clone())
            .find(|v| {
                v["inventoryPolicy"] == "DENY"
                    && v["inventoryItem"]["tracked"] == true
                    && v["inventory"]
                        .as_object()
                        .is_some_and(|i| i.values().all(|n| n.as_i64() == Some(0)))
            })
            .expect("the demo store has a sold-out variant")
    };
    let message = fails(
        &cart,
        "add_to_cart",
        json!({ "variant_id": sold_out["id"] }),
    )
    .await;
    assert!(message.contains("sold out"), "{message}");

    // Help content: passages to cite, never products.
    let knowledge: KnowledgeFound = ok(
        &tools,
        "search_knowledge",
        json!({"query": "how many days do I have to return an item"}),
    )
    .await;
    assert!(!knowledge.passages.is_empty());
    for passage in &knowledge.passages {
        assert_ne!(passage.kind, "product");
        assert!(passage.text.chars().count() <= 601, "{}", passage.text);
        assert!(!passage.text.is_empty() && !passage.title.is_empty());
    }
    assert!(
        knowledge
            .passages
            .iter()
            .any(|p| p.text.to_lowercase().contains("return")),
        "{knowledge:?}"
    );

    // Arguments the schema does not allow are refused with a reason.
    let message = fails(
        &tools,
        "search_products",
        json!({"query": "jacket", "shop_id": 1}),
    )
    .await;
    assert!(message.contains("shop_id"), "{message}");
    let message = fails(&tools, "search_products", json!({"query": 7})).await;
    assert!(message.contains("invalid arguments"), "{message}");
    let message = fails(&tools, "delete_everything", json!({})).await;
    assert!(message.contains("no tool"), "{message}");
}

const EMMA: &str = "7300000000001";
const EMMA_EMAIL: &str = "emma.caldwell@example.com";
const MARCUS: &str = "7300000000002";

async fn failures(db: &sqlx::PgPool, shop_id: i64, conversation_id: Uuid) -> i32 {
    sqlx::query_scalar(
        "SELECT verification_failures FROM conversations WHERE shop_id = $1 AND id = $2",
    )
    .bind(shop_id)
    .bind(conversation_id)
    .fetch_one(db)
    .await
    .unwrap()
}

#[tokio::test]
async fn an_order_is_shown_to_its_owner_or_with_its_email_and_guessing_locks() {
    let (app, sim) = TestApp::with_simulator(|_| {}).await;
    let demo = DemoShop::install(&app, &sim, false).await;
    let (db, shop_id) = (&app.db.pool, demo.shop_id);
    let tools_for = |conversation: Uuid, customer: Option<&str>| {
        host(
            &demo.state,
            DEMO_SHOP,
            shop_id,
            conversation,
            customer,
            false,
        )
    };

    // The logged-in owner sees their order: status, items, tracking.
    let emma = tools_for(conversation(db, shop_id, Some(EMMA)).await, Some(EMMA));
    let status: OrderStatus = ok(&emma, "get_order_status", json!({"order_number": "1001"})).await;
    let OrderStatus::Found { order } = &status else {
        panic!("{status:?}");
    };
    assert_eq!(order.name, "#1001");
    assert_eq!(order.fulfillment_status, "FULFILLED");
    assert_eq!(order.financial_status.as_deref(), Some("PAID"));
    assert_eq!(
        (order.total.as_str(), order.currency.as_str()),
        ("346.50", "USD")
    );
    assert!(
        order
            .lines
            .iter()
            .any(|l| l.title == "Harbor Waxed Canvas Field Jacket"
                && l.variant.as_deref() == Some("M / Tobacco"))
    );
    let shipment = &order.shipments[0];
    assert_eq!(
        shipment.tracking[0].number.as_deref(),
        Some("1ZR23R1A0277354684")
    );
    assert_eq!(shipment.tracking[0].company.as_deref(), Some("UPS"));
    assert_eq!(shipment.delivery_status.as_deref(), Some("DELIVERED"));
    assert!(shipment.delivered_at.is_some() && !shipment.lines.is_empty());
    assert!(order.status_url.is_some());
    // Nothing about the customer: not their name, email, phone or address.
    let text = serde_json::to_string(&status).unwrap().to_lowercase();
    for private in [
        "emma",
        "caldwell",
        "@",
        "5552010187",
        "2211",
        "45th",
        "seattle",
        "98103",
        "customer",
    ] {
        assert!(!text.contains(private), "{private} leaked: {text}");
    }
    for spelling in ["#1001", "order 1001", "Order no. #1001"] {
        let again: OrderStatus = ok(
            &emma,
            "get_order_status",
            json!({ "order_number": spelling }),
        )
        .await;
        assert!(matches!(again, OrderStatus::Found { .. }), "{spelling}");
    }

    // The store's note is told to the order's owner, unless the shop keeps its notes internal.
    let marcus_own = tools_for(conversation(db, shop_id, Some(MARCUS)).await, Some(MARCUS));
    let note = |status: OrderStatus| match status {
        OrderStatus::Found { order } => order.note,
        other => panic!("{other:?}"),
    };
    let preorder = json!({"order_number": "#1034"});
    let shared: OrderStatus = ok(&marcus_own, "get_order_status", preorder.clone()).await;
    assert_eq!(
        note(shared).as_deref(),
        Some("Preorder: ships on or about December 8, 2026.")
    );
    sqlx::query(
        "UPDATE shops SET settings = coalesce(settings, '{}') || '{\"share_order_notes\": false}'
         WHERE id = $1",
    )
    .bind(shop_id)
    .execute(db)
    .await
    .unwrap();
    let kept: OrderStatus = ok(&marcus_own, "get_order_status", preorder).await;
    assert_eq!(note(kept), None);

    // Another logged-in customer, or nobody, must prove it with the order's email.
    let marcus = tools_for(conversation(db, shop_id, Some(MARCUS)).await, Some(MARCUS));
    let status: OrderStatus = ok(
        &marcus,
        "get_order_status",
        json!({"order_number": "#1001"}),
    )
    .await;
    assert_eq!(
        status,
        OrderStatus::NeedsEmail {
            order_number: "#1001".into()
        }
    );
    let anonymous_id = conversation(db, shop_id, None).await;
    let anonymous = tools_for(anonymous_id, None);
    let status: OrderStatus = ok(
        &anonymous,
        "get_order_status",
        json!({"order_number": "1001"}),
    )
    .await;
    assert!(
        matches!(status, OrderStatus::NeedsEmail { .. }),
        "{status:?}"
    );
    // The number and the email: a one-time code goes to the order's email (the mail waits in
    // the outbox here: no SMTP server is set); given back, it shows the order.
    let proof = json!({"order_number": "1001", "email": "  Emma.Caldwell@Example.COM "});
    let status: OrderStatus = ok(&anonymous, "get_order_status", proof.clone()).await;
    assert_eq!(
        status,
        OrderStatus::CodeSent {
            order_number: "#1001".into()
        }
    );
    let (to, body): (String, String) = sqlx::query_as(
        "SELECT recipient, body FROM mail_outbox WHERE shop_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(shop_id)
    .fetch_one(db)
    .await
    .unwrap();
    assert_eq!(to, EMMA_EMAIL);
    let code: String = body
        .split_whitespace()
        .find(|w| w.len() == 6 && w.bytes().all(|b| b.is_ascii_digit()))
        .unwrap()
        .to_owned();
    let mut with_code = proof.clone();
    with_code["code"] = json!(code);
    let status: OrderStatus = ok(&anonymous, "get_order_status", with_code).await;
    assert!(matches!(status, OrderStatus::Found { .. }), "{status:?}");
    assert_eq!(
        failures(db, shop_id, anonymous_id).await,
        0,
        "a proof is no failure"
    );
    // An identity in the arguments is no input at all.
    let message = fails(
        &anonymous,
        "get_order_status",
        json!({"order_number": "1001", "customer_id": EMMA}),
    )
    .await;
    assert!(message.contains("customer_id"), "{message}");
    let message = fails(
        &anonymous,
        "get_order_status",
        json!({"order_number": "1001 OR email:*"}),
    )
    .await;
    assert!(message.contains("#1001"), "{message}");

    // A wrong email and an unknown number answer alike.
    let wrong_email = tools_for(conversation(db, shop_id, None).await, None);
    let unknown = tools_for(conversation(db, shop_id, None).await, None);
    let a: Value = ok(
        &wrong_email,
        "get_order_status",
        json!({"order_number": "1001", "email": "eve@example.com"}),
    )
    .await;
    let b: Value = ok(
        &unknown,
        "get_order_status",
        json!({"order_number": "99999", "email": "mallory@example.com"}),
    )
    .await;
    assert_eq!(a["order_number"], "#1001");
    assert_eq!(b["order_number"], "#99999");
    let blank = |mut v: Value| {
        v["order_number"] = Value::Null;
        v
    };
    assert_eq!(blank(a.clone()), blank(b));
    assert_eq!(a["status"], "not_verified");
    assert_eq!(a["attempts_left"], 4);

    // Five failed proofs lock the conversation, even against the right email next. (Each
    // guess names another order and email: those are counted too, across conversations, see
    // `abuse::guessing_order_numbers_for_a_known_email_stops_across_conversations`.)
    let guesser_id = conversation(db, shop_id, None).await;
    let guesser = tools_for(guesser_id, None);
    for left in (0..5).rev() {
        let number = 2000 + left;
        let status: OrderStatus = ok(
            &guesser,
            "get_order_status",
            json!({"order_number": number.to_string(), "email": format!("guess{left}@example.com")}),
        )
        .await;
        assert_eq!(
            status,
            OrderStatus::NotVerified {
                order_number: format!("#{number}"),
                attempts_left: left
            }
        );
    }
    let status: OrderStatus = ok(
        &guesser,
        "get_order_status",
        json!({"order_number": "1001", "email": EMMA_EMAIL}),
    )
    .await;
    assert_eq!(status, OrderStatus::Locked);
    assert_eq!(failures(db, shop_id, guesser_id).await, 5);
    // The count is the database's, not the engine's snapshot: a fresh host says the same.
    let status: OrderStatus = ok(
        &tools_for(guesser_id, None),
        "get_order_status",
        json!({"order_number": "1001"}),
    )
    .await;
    assert_eq!(status, OrderStatus::Locked);

    // A locked conversation still shows the logged-in owner their own orders, nothing else.
    let owner_id = conversation(db, shop_id, Some(EMMA)).await;
    sqlx::query(
        "UPDATE conversations SET verification_failures = 5 WHERE shop_id = $1 AND id = $2",
    )
    .bind(shop_id)
    .bind(owner_id)
    .execute(db)
    .await
    .unwrap();
    let owner = tools_for(owner_id, Some(EMMA));
    let status: OrderStatus = ok(&owner, "get_order_status", json!({"order_number": "1001"})).await;
    assert!(matches!(status, OrderStatus::Found { .. }), "{status:?}");
    let status: OrderStatus = ok(
        &owner,
        "get_order_status",
        json!({"order_number": "1002", "email": "marcus.reyes@example.net"}),
    )
    .await;
    assert_eq!(status, OrderStatus::Locked);

    // Parallel guesses cannot get past the limit.
    let racer_id = conversation(db, shop_id, None).await;
    let racer = tools_for(racer_id, None);
    let guesses = (0..12).map(|i| {
        racer.run(
            "get_order_status",
            json!({"order_number": (3000 + i).to_string(), "email": format!("racer{i}@example.com")}),
        )
    });
    let outputs = futures::future::join_all(guesses).await;
    let statuses: Vec<OrderStatus> = outputs
        .into_iter()
        .map(|o| serde_json::from_value(o.content).unwrap())
        .collect();
    let not_verified = statuses
        .iter()
        .filter(|s| matches!(s, OrderStatus::NotVerified { .. }))
        .count();
    let locked = statuses
        .iter()
        .filter(|s| **s == OrderStatus::Locked)
        .count();
    assert_eq!((not_verified, locked), (5, 7), "{statuses:?}");
    assert_eq!(failures(db, shop_id, racer_id).await, 5);
}

#[tokio::test]
async fn handoff_moves_the_conversation_to_agents_and_tells_them_once() {
    let db = TestDb::migrated().await;
    let state = state(&db, &[]).await;
    let shop = "handoff-tools.myshopify.com";
    let shop_id = install_shop(&db, shop).await;
    let mut listener = sqlx::postgres::PgListener::connect_with(&db.pool)
        .await
        .unwrap();
    listener.listen(AGENTS_CHANNEL).await.unwrap();
    let conversation_id = conversation(&db.pool, shop_id, None).await;
    let tools = host(&state, shop, shop_id, conversation_id, None, false);

    // No cart write without the shopper asking; refused before anything is looked up (this
    // shop has no Shopify credentials, so a look-up would have failed differently).
    let message = fails(
        &tools,
        "add_to_cart",
        json!({"variant_id": "gid://shopify/ProductVariant/45100000000001"}),
    )
    .await;
    assert!(message.contains("refused"), "{message}");

    // An agent is online (available, inbox seen just now).
    sqlx::query(
        "INSERT INTO agents (shop_id, staff_id, availability, last_seen_at) VALUES ($1, '1', 'online', now())",
    )
    .bind(shop_id)
    .execute(&db.pool)
    .await
    .unwrap();
    let handoff: Handoff = ok(
        &tools,
        "handoff_to_human",
        json!({"reason": "wants to talk to a person about a damaged parcel"}),
    )
    .await;
    assert_eq!(
        handoff,
        Handoff {
            agents_available: true,
            email_needed: false,
            email: None,
            next_open: None,
        }
    );
    let owner: String = sqlx::query_scalar("SELECT owner FROM conversations WHERE id = $1")
        .bind(conversation_id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(owner, "human");
    let note = tokio::time::timeout(Duration::from_secs(5), listener.recv())
        .await
        .expect("the agents are notified")
        .unwrap();
    let payload: Value = serde_json::from_str(note.payload()).unwrap();
    assert_eq!(payload["shop_id"], shop_id);
    assert_eq!(payload["conversation_id"], conversation_id.to_string());
    assert_eq!(
        payload["reason"],
        "wants to talk to a person about a damaged parcel"
    );

    // Asking again keeps it with the agents, stores the email, and does not notify twice.
    let message = fails(
        &tools,
        "handoff_to_human",
        json!({"reason": "follow-up", "email": "not an email"}),
    )
    .await;
    assert!(message.contains("email"), "{message}");
    let handoff: Handoff = ok(
        &tools,
        "handoff_to_human",
        json!({"reason": "follow-up", "email": "ada@example.com"}),
    )
    .await;
    assert_eq!(handoff.email.as_deref(), Some("ada@example.com"));
    let (owner, email): (String, Option<String>) =
        sqlx::query_as("SELECT owner, contact_email FROM conversations WHERE id = $1")
            .bind(conversation_id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        (owner.as_str(), email.as_deref()),
        ("human", Some("ada@example.com"))
    );
    assert!(
        tokio::time::timeout(Duration::from_millis(500), listener.recv())
            .await
            .is_err(),
        "notified twice"
    );

    // Outside business hours (open only on another weekday), an email is needed to reply.
    let today = chrono::Datelike::weekday(&chrono::Utc::now()).num_days_from_monday();
    let other_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][(today as usize + 3) % 7];
    sqlx::query("UPDATE shops SET settings = $2 WHERE id = $1")
        .bind(shop_id)
        .bind(json!({"business_hours": {
            "timezone": "UTC",
            "utc_offset": "+00:00",
            "weekly": { other_day: {"open": "09:00", "close": "17:00"} }
        }}))
        .execute(&db.pool)
        .await
        .unwrap();
    let closed = host(
        &state,
        shop,
        shop_id,
        conversation(&db.pool, shop_id, None).await,
        None,
        false,
    );
    let handoff: Handoff = ok(&closed, "handoff_to_human", json!({"reason": "refund"})).await;
    assert!(!handoff.agents_available && handoff.email_needed && handoff.email.is_none());
    // The widget says when they are back: 09:00 UTC on that day, within the week.
    let back = chrono::DateTime::parse_from_rfc3339(handoff.next_open.as_deref().unwrap()).unwrap();
    assert_eq!(chrono::Timelike::hour(&back), 9);
    assert_eq!(
        chrono::Datelike::weekday(&back).num_days_from_monday(),
        (today + 3) % 7
    );
    let handoff: Handoff = ok(
        &closed,
        "handoff_to_human",
        json!({"reason": "refund", "email": "ada@example.com"}),
    )
    .await;
    assert!(!handoff.agents_available && !handoff.email_needed);
}
