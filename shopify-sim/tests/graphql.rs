//! The simulator's Admin GraphQL API against the demo store: every reference operation
//! Concierge sends, Shopify-shaped errors, pagination, cost-based throttling, bulk exports
//! and large CSV catalogs.

// Test helpers outside `#[test]` functions panic on purpose when a fixture is broken.
#![allow(clippy::unwrap_used)]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use shopify_sim::graphql::{AdminApi, Limits, Response};
use shopify_sim::store::Store;

const SHOP: &str = "harbor-and-pine.myshopify.com";

fn api_with(store: Store, limits: Limits) -> AdminApi {
    AdminApi::new(Arc::new(RwLock::new(store)), limits).unwrap()
}

fn demo_api() -> AdminApi {
    api_with(Store::demo().unwrap(), Limits::default())
}

/// Limits that never get in the way, for tests about data rather than metering.
fn generous() -> Limits {
    Limits {
        bucket_size: 1e9,
        restore_rate: 1e9,
        max_query_cost: 1e9,
    }
}

async fn post(api: &AdminApi, shop: &str, query: &str, variables: Value) -> Response {
    api.execute(shop, &json!({ "query": query, "variables": variables }))
        .await
}

/// Runs an operation that must succeed; returns `data`.
async fn data(api: &AdminApi, query: &str, variables: Value) -> Value {
    let response = post(api, SHOP, query, variables).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(
        response.body.get("errors").is_none(),
        "unexpected errors: {}",
        response.body
    );
    response.body["data"].clone()
}

fn reference(name: &str) -> String {
    let path = format!(
        "{}/../graphql/shopify/reference-queries/{name}.graphql",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Polls `bulkOperation(id:)` until it is final.
async fn wait_for_bulk(api: &AdminApi, shop: &str, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let query = "query($id: ID!) { bulkOperation(id: $id) { id status errorCode objectCount rootObjectCount fileSize url createdAt completedAt } }";
        let response = post(api, shop, query, json!({ "id": id })).await;
        let op = response.body["data"]["bulkOperation"].clone();
        if matches!(
            op["status"].as_str(),
            Some("COMPLETED" | "FAILED" | "CANCELED")
        ) {
            return op;
        }
        assert!(
            Instant::now() < deadline,
            "bulk operation did not finish: {op}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn run_bulk(api: &AdminApi, shop: &str, query: &str) -> Value {
    let response = post(
        api,
        shop,
        &reference("RunBulkQuery"),
        json!({ "query": query }),
    )
    .await;
    let payload = &response.body["data"]["bulkOperationRunQuery"];
    assert_eq!(payload["userErrors"], json!([]), "{}", response.body);
    assert_eq!(payload["bulkOperation"]["status"], "CREATED");
    let id = payload["bulkOperation"]["id"].as_str().unwrap().to_owned();
    wait_for_bulk(api, shop, &id).await
}

fn jsonl(api: &AdminApi, op: &Value) -> Vec<Value> {
    let path = api
        .bulk_file(op["id"].as_str().unwrap())
        .expect("bulk file");
    let url = op["url"].as_str().unwrap();
    assert!(url.ends_with(&format!(
        "/bulk/{}",
        path.file_name().unwrap().to_string_lossy()
    )));
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const PRODUCTS_WITH_VARIANTS_BULK: &str = r#"{
  products(query: "status:active") {
    edges { node { id title handle variants { edges { node { id sku inventoryQuantity } } } } }
  }
}"#;

#[tokio::test]
async fn every_reference_operation_has_a_test_here() {
    let covered: HashSet<&str> = [
        "Articles",
        "BulkById",
        "CreateAppSubscription",
        "CreateWebhook",
        "CurrentBulk",
        "InventoryLevels",
        "OrderByName",
        "Pages",
        "ProductsWithVariants",
        "RunBulkQuery",
        "RunningBulk",
        "ShopPolicies",
    ]
    .into_iter()
    .collect();
    let dir = format!(
        "{}/../graphql/shopify/reference-queries",
        env!("CARGO_MANIFEST_DIR")
    );
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry
            .unwrap()
            .file_name()
            .to_string_lossy()
            .replace(".graphql", "");
        assert!(
            covered.contains(name.as_str()),
            "reference query {name} has no test"
        );
    }
}

#[tokio::test]
async fn catalog_reference_queries_return_demo_data() {
    let api = demo_api();
    let store = Store::demo().unwrap();
    let shop = store.shop(SHOP).unwrap();

    let d = data(
        &api,
        &reference("ProductsWithVariants"),
        json!({ "first": 5 }),
    )
    .await;
    let products = &d["products"];
    assert_eq!(products["edges"].as_array().unwrap().len(), 5);
    assert_eq!(products["pageInfo"]["hasNextPage"], true);
    let first = &products["edges"][0]["node"];
    let stored = &shop.products()[0];
    assert_eq!(first["id"], stored["id"]);
    assert_eq!(first["handle"], stored["handle"]);
    let variants = first["variants"]["nodes"].as_array().unwrap();
    assert_eq!(variants.len(), stored["variants"].as_array().unwrap().len());
    let total: i64 = variants
        .iter()
        .map(|v| v["inventoryQuantity"].as_i64().unwrap())
        .sum();
    assert_eq!(first["totalInventory"], total);
    assert_eq!(
        first["onlineStoreUrl"],
        format!(
            "https://harborandpine.example/products/{}",
            stored["handle"].as_str().unwrap()
        )
    );
    assert!(
        variants
            .iter()
            .all(|v| v["price"].as_str().unwrap().contains('.'))
    );
    // A sold-out DENY variant of an active product is not for sale; stocked ones are.
    for v in variants {
        let expected = v["inventoryQuantity"].as_i64().unwrap() > 0;
        assert_eq!(v["availableForSale"], expected, "{v}");
    }

    let draft = data(
        &api,
        &reference("ProductsWithVariants"),
        json!({ "first": 5, "query": "status:draft" }),
    )
    .await;
    for edge in draft["products"]["edges"].as_array().unwrap() {
        assert_eq!(edge["node"]["status"], "DRAFT");
        assert_eq!(edge["node"]["onlineStoreUrl"], Value::Null);
    }
    assert!(!draft["products"]["edges"].as_array().unwrap().is_empty());

    let item = stored["variants"][0]["inventoryItem"]["id"]
        .as_str()
        .unwrap();
    let d = data(&api, &reference("InventoryLevels"), json!({ "id": item })).await;
    let levels = d["inventoryItem"]["inventoryLevels"]["nodes"]
        .as_array()
        .unwrap();
    assert_eq!(d["inventoryItem"]["sku"], stored["variants"][0]["sku"]);
    assert_eq!(d["inventoryItem"]["tracked"], true);
    assert_eq!(levels.len(), 2);
    let sum: i64 = levels
        .iter()
        .map(|l| l["quantities"][0]["quantity"].as_i64().unwrap())
        .sum();
    assert_eq!(levels[0]["quantities"][0]["name"], "available");
    assert_eq!(sum, shopify_sim_inventory(&stored["variants"][0]));
    assert!(levels[0]["location"]["name"].as_str().unwrap().len() > 3);
}

fn shopify_sim_inventory(variant: &Value) -> i64 {
    variant["inventory"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_i64().unwrap())
        .sum()
}

#[tokio::test]
async fn content_reference_queries_return_demo_data() {
    let api = demo_api();
    let d = data(&api, &reference("Articles"), json!({ "first": 20 })).await;
    let articles = d["articles"]["nodes"].as_array().unwrap();
    assert!(articles.len() >= 5);
    for article in articles {
        assert!(article["blog"]["title"].as_str().unwrap().len() > 2);
        assert!(article["body"].as_str().unwrap().starts_with('<'));
    }
    assert_eq!(d["blogs"]["nodes"].as_array().unwrap().len(), 2);

    let d = data(&api, &reference("Pages"), json!({ "first": 50 })).await;
    let pages = d["pages"]["nodes"].as_array().unwrap();
    assert!(pages.iter().any(|p| p["handle"] == "faq"));

    let d = data(&api, &reference("ShopPolicies"), json!({})).await;
    assert_eq!(d["shop"]["name"], "Harbor & Pine Supply Co.");
    let policies = d["shop"]["shopPolicies"].as_array().unwrap();
    assert!(policies.iter().any(|p| p["type"] == "REFUND_POLICY"));
    assert!(
        policies
            .iter()
            .all(|p| p["url"].as_str().unwrap().starts_with("https://"))
    );
}

#[tokio::test]
async fn order_lookups_by_name_email_and_customer() {
    let api = demo_api();
    let d = data(
        &api,
        &reference("OrderByName"),
        json!({ "query": "name:#1001" }),
    )
    .await;
    let order = &d["orders"]["nodes"][0];
    assert_eq!(order["name"], "#1001");
    assert_eq!(order["displayFulfillmentStatus"], "FULFILLED");
    assert_eq!(
        order["customer"]["defaultEmailAddress"]["emailAddress"],
        "emma.caldwell@example.com"
    );
    assert_eq!(
        order["fulfillments"][0]["trackingInfo"][0]["company"],
        "UPS"
    );
    assert!(
        order["fulfillments"][0]["trackingInfo"][0]["url"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );

    let none = data(
        &api,
        &reference("OrderByName"),
        json!({ "query": "name:#999999" }),
    )
    .await;
    assert_eq!(none["orders"]["nodes"], json!([]));

    let query =
        "query($q: String) { orders(first: 50, query: $q) { nodes { id email customer { id } } } }";
    let by_email = data(
        &api,
        query,
        json!({ "q": "email:emma.caldwell@example.com" }),
    )
    .await;
    let orders = by_email["orders"]["nodes"].as_array().unwrap();
    assert!(!orders.is_empty());
    assert!(
        orders
            .iter()
            .all(|o| o["email"] == "emma.caldwell@example.com")
    );
    let customer = orders[0]["customer"]["id"].as_str().unwrap();
    let number = customer.rsplit('/').next().unwrap();
    let by_customer = data(&api, query, json!({ "q": format!("customer_id:{number}") })).await;
    assert_eq!(
        by_customer["orders"]["nodes"].as_array().unwrap().len(),
        orders.len()
    );

    let d = data(
        &api,
        "query($id: ID!) { customer(id: $id) { id firstName lastName defaultEmailAddress { emailAddress } } }",
        json!({ "id": customer }),
    )
    .await;
    assert_eq!(d["customer"]["firstName"], "Emma");
    assert_eq!(
        d["customer"]["defaultEmailAddress"]["emailAddress"],
        "emma.caldwell@example.com"
    );
}

#[tokio::test]
async fn single_lookups_fragments_aliases_and_typename() {
    let api = demo_api();
    let store = Store::demo().unwrap();
    let product = &store.shop(SHOP).unwrap().products()[0];
    let id = product["id"].as_str().unwrap();
    let variant_id = product["variants"][0]["id"].as_str().unwrap();
    let query = r#"
        fragment Money on MoneyV2 { amount currencyCode }
        query($id: ID!, $vid: ID!) {
          product(id: $id) {
            __typename id title
            priceRangeV2 { minVariantPrice { ...Money } maxVariantPrice { ...Money } }
            variants(first: 3) {
              nodes { id title sku price compareAtPrice availableForSale inventoryQuantity
                      selectedOptions { name value } inventoryItem { id } }
            }
          }
          productVariant(id: $vid) { id product { id } displayName }
          wrongType: customer(id: $id) { id }
          node(id: $vid) { __typename id ... on ProductVariant { sku } }
          nodes(ids: [$id, "gid://shopify/Product/1"]) { id ... on Product { handle } }
          shop { name myshopifyDomain currencyCode primaryDomain { url } }
          locations(first: 5) { nodes { id name isActive } }
          firstTwo: collections(first: 2) { nodes { handle } pageInfo { endCursor hasNextPage } }
        }"#;
    let d = data(&api, query, json!({ "id": id, "vid": variant_id })).await;
    assert_eq!(d["product"]["__typename"], "Product");
    assert_eq!(
        d["product"]["priceRangeV2"]["minVariantPrice"]["currencyCode"],
        "USD"
    );
    let v = &d["product"]["variants"]["nodes"][0];
    assert_eq!(v["id"], variant_id);
    assert_eq!(
        v["selectedOptions"],
        product["variants"][0]["selectedOptions"]
    );
    assert_eq!(
        v["inventoryItem"]["id"],
        product["variants"][0]["inventoryItem"]["id"]
    );
    assert_eq!(d["productVariant"]["product"]["id"], id);
    assert_eq!(d["wrongType"], Value::Null);
    assert_eq!(d["node"]["__typename"], "ProductVariant");
    assert_eq!(d["node"]["sku"], product["variants"][0]["sku"]);
    assert_eq!(d["nodes"][0]["handle"], product["handle"]);
    assert_eq!(d["nodes"][1], Value::Null);
    assert_eq!(d["shop"]["myshopifyDomain"], SHOP);
    assert_eq!(
        d["shop"]["primaryDomain"]["url"],
        "https://harborandpine.example"
    );
    assert_eq!(d["locations"]["nodes"].as_array().unwrap().len(), 2);

    let after = d["firstTwo"]["pageInfo"]["endCursor"].as_str().unwrap();
    let next = data(
        &api,
        "query($after: String) { collections(first: 2, after: $after) { nodes { handle } } }",
        json!({ "after": after }),
    )
    .await;
    assert_ne!(next["collections"]["nodes"][0], d["firstTwo"]["nodes"][0]);
}

#[tokio::test]
async fn pagination_walks_every_product_exactly_once() {
    let api = demo_api();
    let expected = Store::demo().unwrap().product_count(SHOP);
    let mut seen = HashSet::new();
    let mut after = Value::Null;
    let mut pages = 0;
    loop {
        let d = data(
            &api,
            "query($after: String) { products(first: 7, after: $after) { pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }",
            json!({ "after": after }),
        )
        .await;
        pages += 1;
        for edge in d["products"]["edges"].as_array().unwrap() {
            assert!(
                seen.insert(edge["node"]["id"].as_str().unwrap().to_owned()),
                "seen twice: {edge}"
            );
        }
        if d["products"]["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = d["products"]["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen.len(), expected);
    assert_eq!(pages, expected.div_ceil(7));
}

#[tokio::test]
async fn invalid_operations_get_shopify_shaped_errors() {
    let api = demo_api();
    let unknown = post(&api, SHOP, "{ shop { name nonsense } }", json!({})).await;
    assert_eq!(unknown.status, 200);
    assert!(unknown.body.get("data").is_none());
    let error = &unknown.body["errors"][0];
    assert_eq!(error["extensions"]["code"], "undefinedField");
    assert_eq!(
        error["message"],
        "Field 'nonsense' doesn't exist on type 'Shop'"
    );
    assert_eq!(error["locations"][0], json!({ "line": 1, "column": 15 }));

    let bad_type = post(&api, SHOP, &reference("Pages"), json!({ "first": "ten" })).await;
    let error = &bad_type.body["errors"][0];
    assert!(bad_type.body.get("data").is_none());
    assert_eq!(error["extensions"]["code"], "INVALID_VARIABLE");
    assert_eq!(
        error["message"],
        "Variable $first of type Int! was provided invalid value"
    );
    assert_eq!(error["extensions"]["value"], "ten");

    let missing = post(&api, SHOP, &reference("InventoryLevels"), json!({})).await;
    assert_eq!(
        missing.body["errors"][0]["extensions"]["problems"][0]["explanation"],
        "Expected value to not be null"
    );

    let bad_enum = post(
        &api,
        SHOP,
        &reference("CreateWebhook"),
        json!({ "topic": "NOPE", "uri": "https://x" }),
    )
    .await;
    assert_eq!(
        bad_enum.body["errors"][0]["extensions"]["code"],
        "INVALID_VARIABLE"
    );

    let literal = post(
        &api,
        SHOP,
        "{ products(first: \"x\") { nodes { id } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        literal.body["errors"][0]["extensions"]["code"],
        "argumentLiteralsIncompatible"
    );

    let syntax = post(&api, SHOP, "{ shop { name ", json!({})).await;
    assert_eq!(
        syntax.body["errors"][0]["extensions"]["code"],
        "syntaxError"
    );

    let no_page_size = post(
        &api,
        SHOP,
        "{ products(query: \"x\") { nodes { id } } }",
        json!({}),
    )
    .await;
    assert_eq!(no_page_size.body["data"], Value::Null);
    assert_eq!(
        no_page_size.body["errors"][0]["message"],
        "you must provide one of first or last"
    );
    assert_eq!(no_page_size.body["errors"][0]["path"], json!(["products"]));

    let no_query = api.execute(SHOP, &json!({ "variables": {} })).await;
    assert_eq!(no_query.status, 400);
    let unknown_shop = post(&api, "nobody.myshopify.com", "{ shop { name } }", json!({})).await;
    assert_eq!(unknown_shop.status, 404);
}

#[tokio::test]
async fn missing_non_null_data_is_a_field_error_with_a_path() {
    let api = demo_api();
    let response = post(
        &api,
        SHOP,
        "{ orders(first: 1) { nodes { id currentSubtotalLineItemsQuantity } } shop { name } }",
        json!({}),
    )
    .await;
    let error = &response.body["errors"][0];
    assert_eq!(
        error["path"],
        json!(["orders", "nodes", 0, "currentSubtotalLineItemsQuantity"])
    );
    assert_eq!(error["extensions"]["code"], "INTERNAL_SERVER_ERROR");
    // Every parent up to the root is non-null, so the error nulls all of `data`.
    assert_eq!(response.body["data"], Value::Null);

    let nullable = data(
        &api,
        "{ products(first: 1) { nodes { category { name } featuredImage { url } } } }",
        json!({}),
    )
    .await;
    assert_eq!(nullable["products"]["nodes"][0]["category"], Value::Null);
    assert!(
        nullable["products"]["nodes"][0]["featuredImage"]["url"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
}

#[tokio::test]
async fn cost_is_reported_and_large_queries_are_refused() {
    let api = demo_api();
    let response = post(
        &api,
        SHOP,
        &reference("ProductsWithVariants"),
        json!({ "first": 5 }),
    )
    .await;
    let cost = &response.body["extensions"]["cost"];
    // 2 + 5 × (1 product + 2 + 100 × 1 variant)
    assert_eq!(cost["requestedQueryCost"], 517);
    assert!(cost["actualQueryCost"].as_i64().unwrap() < 517);
    assert_eq!(cost["throttleStatus"]["maximumAvailable"], 2000.0);
    assert_eq!(cost["throttleStatus"]["restoreRate"], 100.0);

    let too_big = post(
        &api,
        SHOP,
        &reference("ProductsWithVariants"),
        json!({ "first": 50 }),
    )
    .await;
    let error = &too_big.body["errors"][0];
    assert_eq!(error["extensions"]["code"], "MAX_COST_EXCEEDED");
    assert_eq!(error["extensions"]["cost"], 5152);
    assert!(too_big.body.get("data").is_none());
}

#[tokio::test]
async fn a_low_bucket_throttles_then_recovers() {
    let limits = Limits {
        bucket_size: 50.0,
        restore_rate: 100.0,
        max_query_cost: 1000.0,
    };
    let api = api_with(Store::demo().unwrap(), limits);
    let query = "{ products(first: 40) { nodes { id } } }";
    let first = post(&api, SHOP, query, json!({})).await;
    assert_eq!(first.body["extensions"]["cost"]["requestedQueryCost"], 42);
    assert_eq!(
        first.body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"],
        8
    );

    let throttled = post(&api, SHOP, query, json!({})).await;
    assert_eq!(throttled.status, 200);
    assert_eq!(throttled.body["errors"][0]["message"], "Throttled");
    assert_eq!(
        throttled.body["errors"][0]["extensions"]["code"],
        "THROTTLED"
    );
    assert_eq!(
        throttled.body["extensions"]["cost"]["actualQueryCost"],
        Value::Null
    );
    let wait = throttled.retry_after.unwrap();
    assert!(wait > 0.2 && wait <= 0.35, "{wait}");

    tokio::time::sleep(Duration::from_secs_f64(wait + 0.02)).await;
    let recovered = post(&api, SHOP, query, json!({})).await;
    assert!(recovered.body.get("errors").is_none(), "{}", recovered.body);
    // Other shops have their own buckets.
    assert_eq!(recovered.retry_after, None);
}

#[tokio::test]
async fn bulk_export_stitches_variants_to_their_products() {
    let api = demo_api();
    api.set_base_url("http://127.0.0.1:9999/");
    let mut events = api.bulk_events();
    let op = run_bulk(&api, SHOP, PRODUCTS_WITH_VARIANTS_BULK).await;
    assert_eq!(op["status"], "COMPLETED", "{op}");
    assert!(
        op["url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:9999/bulk/")
    );

    let event = tokio::time::timeout(Duration::from_secs(5), events.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(event.id, op["id"].as_str().unwrap());
    assert_eq!(event.shop, SHOP);
    assert_eq!(event.webhook_payload()["status"], "completed");

    let lines = jsonl(&api, &op);
    assert_eq!(op["objectCount"], lines.len().to_string());
    let store = Store::demo().unwrap();
    let active: Vec<&Value> = store
        .shop(SHOP)
        .unwrap()
        .products()
        .iter()
        .filter(|p| p["status"] == "ACTIVE")
        .collect();
    let mut parents: HashMap<String, usize> = HashMap::new();
    let mut children: HashMap<String, Vec<String>> = HashMap::new();
    for (i, line) in lines.iter().enumerate() {
        match line.get("__parentId").and_then(Value::as_str) {
            None => {
                assert!(
                    line.get("variants").is_none(),
                    "nested connection left inline: {line}"
                );
                parents.insert(line["id"].as_str().unwrap().to_owned(), i);
            }
            Some(parent) => {
                assert!(
                    parents.get(parent).is_some_and(|&at| at < i),
                    "child before parent: {line}"
                );
                children
                    .entry(parent.to_owned())
                    .or_default()
                    .push(line["id"].as_str().unwrap().to_owned());
            }
        }
    }
    assert_eq!(parents.len(), active.len());
    assert_eq!(op["rootObjectCount"], active.len().to_string());
    for product in active {
        let expected: Vec<String> = product["variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            children.get(product["id"].as_str().unwrap()),
            Some(&expected)
        );
    }

    let d = data(&api, &reference("BulkById"), json!({ "id": op["id"] })).await;
    assert_eq!(d["bulkOperation"]["fileSize"], op["fileSize"]);
    assert_eq!(d["bulkOperation"]["partialDataUrl"], Value::Null);
    let d = data(&api, &reference("CurrentBulk"), json!({})).await;
    assert_eq!(d["currentBulkOperation"]["id"], op["id"]);
    let d = data(&api, &reference("RunningBulk"), json!({})).await;
    assert_eq!(d["bulkOperations"]["nodes"], json!([]));
}

#[tokio::test]
async fn bulk_queries_are_checked_and_one_runs_at_a_time() {
    let api = api_with(Store::synthetic(SHOP, 2000), generous());
    let run = |query: &'static str| {
        let api = api.clone();
        async move {
            let r = post(
                &api,
                SHOP,
                &reference("RunBulkQuery"),
                json!({ "query": query }),
            )
            .await;
            r.body["data"]["bulkOperationRunQuery"].clone()
        }
    };
    let not_connection = run("{ shop { name } }").await;
    assert_eq!(not_connection["userErrors"][0]["code"], "INVALID");
    let invalid = run("{ products { nodes { nope } } }").await;
    assert_eq!(invalid["userErrors"][0]["code"], "INVALID");
    let no_parent_id = run("{ products { nodes { title variants { nodes { id } } } } }").await;
    assert!(
        no_parent_id["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("'id'")
    );

    // The current-thread test runtime does not run the export until this task yields, so
    // the first operation is surely still in progress when the second is asked for.
    let first = run("{ products { nodes { id variants { nodes { id } } } } }").await;
    assert_eq!(first["userErrors"], json!([]));
    let id = first["bulkOperation"]["id"].as_str().unwrap().to_owned();
    let second = run("{ products { nodes { id } } }").await;
    assert_eq!(second["userErrors"][0]["code"], "OPERATION_IN_PROGRESS");
    assert!(
        second["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains(&id)
    );
    let running = data(&api, &reference("RunningBulk"), json!({})).await;
    assert_eq!(running["bulkOperations"]["nodes"][0]["id"], id.as_str());

    let op = wait_for_bulk(&api, SHOP, &id).await;
    assert_eq!(op["status"], "COMPLETED");
    let after = run("{ products { nodes { id } } }").await;
    assert_eq!(after["userErrors"], json!([]));
}

#[tokio::test]
async fn a_bulk_operation_can_be_canceled() {
    let api = api_with(Store::synthetic(SHOP, 500), generous());
    let query = "{ products { nodes { id } } }";
    let started = post(
        &api,
        SHOP,
        &reference("RunBulkQuery"),
        json!({ "query": query }),
    )
    .await;
    let id = started.body["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"].clone();
    let cancel = "mutation($id: ID!) { bulkOperationCancel(id: $id) { bulkOperation { status } userErrors { message } } }";
    let canceled = data(&api, cancel, json!({ "id": id })).await;
    assert_eq!(
        canceled["bulkOperationCancel"]["bulkOperation"]["status"],
        "CANCELING"
    );
    let op = wait_for_bulk(&api, SHOP, id.as_str().unwrap()).await;
    assert_eq!(op["status"], "CANCELED");
    let again = data(&api, cancel, json!({ "id": id })).await;
    assert!(
        !again["bulkOperationCancel"]["userErrors"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn webhook_and_app_subscriptions_are_recorded() {
    let api = demo_api();
    api.set_base_url("http://127.0.0.1:9999");
    let uri = "https://concierge.example/webhooks";
    let d = data(
        &api,
        &reference("CreateWebhook"),
        json!({ "topic": "PRODUCTS_UPDATE", "uri": uri }),
    )
    .await;
    let sub = &d["webhookSubscriptionCreate"]["webhookSubscription"];
    assert_eq!(sub["topic"], "PRODUCTS_UPDATE");
    assert_eq!(sub["uri"], uri);
    assert_eq!(sub["format"], "JSON");
    let again = data(
        &api,
        &reference("CreateWebhook"),
        json!({ "topic": "PRODUCTS_UPDATE", "uri": uri }),
    )
    .await;
    assert_eq!(
        again["webhookSubscriptionCreate"]["userErrors"][0]["message"],
        "Address for this topic has already been taken"
    );
    data(
        &api,
        &reference("CreateWebhook"),
        json!({ "topic": "APP_UNINSTALLED", "uri": uri }),
    )
    .await;
    assert_eq!(
        api.subscriptions(SHOP),
        vec![
            ("PRODUCTS_UPDATE".to_owned(), uri.to_owned()),
            ("APP_UNINSTALLED".to_owned(), uri.to_owned())
        ]
    );
    assert!(api.subscriptions("other.myshopify.com").is_empty());

    let variables = json!({
        "name": "Concierge Growth", "returnUrl": "https://concierge.example/billing/return",
        "test": true, "trialDays": 14,
        "lineItems": [{ "plan": { "appRecurringPricingDetails": { "price": { "amount": "49.00", "currencyCode": "USD" } } } }]
    });
    let d = data(&api, &reference("CreateAppSubscription"), variables).await;
    let created = &d["appSubscriptionCreate"];
    assert_eq!(created["appSubscription"]["status"], "PENDING");
    assert_eq!(created["appSubscription"]["test"], true);
    assert!(
        created["confirmationUrl"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:9999/admin/charges/")
    );
    let id = created["appSubscription"]["id"].as_str().unwrap();
    assert!(
        api.set_app_subscription_status(SHOP, id, "ACTIVE")
            .is_some()
    );
    let d = data(
        &api,
        "{ currentAppInstallation { activeSubscriptions { id name status } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        d["currentAppInstallation"]["activeSubscriptions"][0]["id"],
        id
    );
}

#[tokio::test]
async fn store_changes_show_up_in_queries() {
    let api = demo_api();
    let (product_id, item, location) = {
        let store = api.store().read().unwrap();
        let shop = store.shop(SHOP).unwrap();
        let p = &shop.products()[0];
        (
            p["id"].as_str().unwrap().to_owned(),
            p["variants"][0]["inventoryItem"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
            shop.locations()[0]["id"].as_str().unwrap().to_owned(),
        )
    };
    let payload = api
        .store()
        .write()
        .unwrap()
        .update_product(SHOP, &product_id, json!({ "title": "Renamed Jacket" }))
        .unwrap();
    assert_eq!(payload["admin_graphql_api_id"], product_id.as_str());
    api.store()
        .write()
        .unwrap()
        .set_inventory(SHOP, &item, &location, 500)
        .unwrap();
    let d = data(
        &api,
        "query($id: ID!) { product(id: $id) { title variants(first: 1) { nodes { inventoryQuantity } } } }",
        json!({ "id": product_id }),
    )
    .await;
    assert_eq!(d["product"]["title"], "Renamed Jacket");
    assert!(
        d["product"]["variants"]["nodes"][0]["inventoryQuantity"]
            .as_i64()
            .unwrap()
            >= 500
    );
    let renamed = data(
        &api,
        "{ products(first: 5, query: \"title:*renamed*\") { nodes { id } } }",
        json!({}),
    )
    .await;
    assert_eq!(renamed["products"]["nodes"][0]["id"], product_id.as_str());

    api.store()
        .write()
        .unwrap()
        .delete_product(SHOP, &product_id)
        .unwrap();
    let gone = data(
        &api,
        "query($id: ID!) { product(id: $id) { id } }",
        json!({ "id": product_id }),
    )
    .await;
    assert_eq!(gone["product"], Value::Null);
}

#[tokio::test]
async fn a_10000_product_csv_loads_and_bulk_exports() {
    let domain = "big-catalog.myshopify.com";
    let started = Instant::now();
    let csv = Store::synthetic(domain, 10_000)
        .to_products_csv(domain)
        .unwrap();
    let generated = started.elapsed();
    let started = Instant::now();
    let store = Store::from_products_csv(domain, &csv).unwrap();
    let loaded = started.elapsed();
    assert_eq!(store.product_count(domain), 10_000);
    let variants: usize = store
        .shop(domain)
        .unwrap()
        .products()
        .iter()
        .map(|p| p["variants"].as_array().unwrap().len())
        .sum();
    let original = Store::synthetic(domain, 10_000);
    let original_variants: usize = original
        .shop(domain)
        .unwrap()
        .products()
        .iter()
        .map(|p| p["variants"].as_array().unwrap().len())
        .sum();
    assert_eq!(variants, original_variants);

    let api = api_with(store, Limits::default());
    let started = Instant::now();
    let op = run_bulk(
        &api,
        domain,
        "{ products { edges { node { id title variants { edges { node { id sku price } } } } } } }",
    )
    .await;
    let exported = started.elapsed();
    assert_eq!(op["status"], "COMPLETED");
    assert_eq!(op["rootObjectCount"], "10000");
    assert_eq!(op["objectCount"], (10_000 + variants).to_string());
    let lines = jsonl(&api, &op);
    assert_eq!(lines.len(), 10_000 + variants);
    println!(
        "10,000 products / {variants} variants: CSV {} KB generated in {generated:?}, loaded in {loaded:?}, bulk-exported in {exported:?} ({} KB)",
        csv.len() / 1024,
        op["fileSize"].as_str().unwrap().parse::<u64>().unwrap() / 1024
    );
}

#[tokio::test]
async fn introspection_is_answered_from_the_schema() {
    let api = demo_api();
    let query = r#"{ __typename shop { name } __type(name: "ProductStatus") { kind enumValues { name } } __schema { queryType { name } } }"#;
    let d = data(&api, query, json!({})).await;
    assert_eq!(d["__typename"], "QueryRoot");
    assert_eq!(d["shop"]["name"], "Harbor & Pine Supply Co.");
    assert_eq!(d["__type"]["kind"], "ENUM");
    assert!(
        d["__type"]["enumValues"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["name"] == "ACTIVE")
    );
    assert_eq!(d["__schema"]["queryType"]["name"], "QueryRoot");
}

#[test]
fn the_api_can_be_shared_across_threads_and_awaited_anywhere() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    fn send<T: Send>(_: T) {}
    let api = demo_api();
    send_sync(&api);
    let request = json!({ "query": "{ shop { name } }" });
    send(api.execute(SHOP, &request));
}

#[tokio::test]
async fn timings() {
    let api = api_with(Store::demo().unwrap(), generous());
    let (schema_load, problems) = AdminApi::schema_load();
    assert_eq!(problems, 0, "the 2026-10 schema validates cleanly");
    let query = reference("ProductsWithVariants");
    let runs = 50;
    let started = Instant::now();
    for _ in 0..runs {
        let d = data(&api, &query, json!({ "first": 50 })).await;
        assert_eq!(d["products"]["edges"].as_array().unwrap().len(), 50);
    }
    let per_request = started.elapsed() / runs;
    println!(
        "schema load+validate: {schema_load:?}; ProductsWithVariants(first: 50): {per_request:?} per request"
    );
}
