//! The admin's home page and playground over HTTP, against the simulated demo store: the
//! shop's name from the Admin API, the sync's progress and the checklist, the theme editor's
//! deep link; customers to chat as, a playground session chatting from the app's own origin
//! through the widget's chat API, its trace, and its absence from the figures.

use concierge::chat::visitor::Visitor;
use concierge::dev::demo::DEMO_SHOP;
use serde_json::{Value, json};

use crate::admin_settings::Admin;
use crate::chat::Client;
use crate::helpers::{DemoShop, TEST_API_KEY, TEST_API_SECRET, TestApp};

#[tokio::test]
async fn home_shows_progress_checklist_and_figures_and_the_playground_traces_its_turns() {
    let (app, sim) = TestApp::with_simulator(|_| {}).await;
    let demo = DemoShop::install(&app, &sim, false).await;
    let admin = Admin {
        app: &app,
        shop: DEMO_SHOP,
    };
    let (status, home) = admin.get("/api/home").await;
    assert_eq!(status, 200, "{home}");
    assert_eq!(home["shop"]["name"], "Harbor & Pine Supply Co.");
    assert_eq!(home["shop"]["domain"], DEMO_SHOP);
    assert_eq!(home["sync"]["done"], false);
    assert_eq!(home["sync"]["percent"], 0);
    assert_eq!(home["sync"]["sources"].as_array().unwrap().len(), 2);
    assert_eq!(
        home["checklist"],
        json!({"widget_enabled": false, "knowledge_synced": false,
               "assistant_named": false, "test_conversation": false})
    );
    assert_eq!(
        home["theme_editor_url"],
        format!(
            "{}/{DEMO_SHOP}/admin/themes/current/editor?context=apps&activateAppId={TEST_API_KEY}/concierge",
            sim.shop_url_template().trim_end_matches("/{shop}")
        )
    );
    assert_eq!(home["stats"]["conversations"], 0);
    assert_eq!(home["stats"]["csat_average"], Value::Null);

    // One source done, the other half way: 75 %.
    sqlx::query(
        "UPDATE knowledge_sources SET status = 'idle', last_synced_at = now()
         WHERE shop_id = $1 AND kind = 'shopify_catalog'",
    )
    .bind(demo.shop_id)
    .execute(&app.db.pool)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE knowledge_sources SET status = 'syncing', seen = 10, processed = 5
         WHERE shop_id = $1 AND kind = 'shopify_content'",
    )
    .bind(demo.shop_id)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let (_, home) = admin.get("/api/home").await;
    assert_eq!(
        (
            home["sync"]["percent"].as_u64(),
            home["sync"]["done"].as_bool()
        ),
        (Some(75), Some(false))
    );
    sqlx::query(
        "UPDATE knowledge_sources SET status = 'idle', last_synced_at = now() WHERE shop_id = $1",
    )
    .bind(demo.shop_id)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let (_, home) = admin.get("/api/home").await;
    assert_eq!(home["sync"]["percent"], 100);
    assert_eq!(home["checklist"]["knowledge_synced"], true);

    // Customers to chat as, from the Admin API.
    let (status, customers) = admin.get("/api/playground/customers").await;
    assert_eq!(status, 200, "{customers}");
    let customers = customers["customers"].as_array().unwrap();
    assert!(!customers.is_empty() && customers.len() <= 25);
    let customer = &customers[0];
    assert!(
        customer["id"].is_u64() && customer["name"].is_string(),
        "{customer}"
    );

    // A playground session as that customer: the widget's session, marked as the playground's.
    let (status, session) = admin
        .post(
            "/api/playground/sessions",
            json!({"customer_id": customer["id"]}),
        )
        .await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["logged_in"], true);
    assert!(session["assistant"]["name"].is_string());
    let token = session["token"].as_str().unwrap().to_owned();
    let visitor = Visitor::verify(
        TEST_API_SECRET.as_bytes(),
        &token,
        chrono::Utc::now().timestamp(),
    )
    .unwrap();
    assert!(visitor.playground);
    assert_eq!(visitor.customer_id, Some(customer["id"].to_string()));
    assert_eq!(
        admin
            .post("/api/playground/sessions", json!({"customer_id": "x"}))
            .await
            .0,
        422
    );

    // An FAQ entry, then a question about it, from the app's own origin (the admin's frame).
    let (status, _) = admin
        .post(
            "/api/faq",
            json!({"question": "Do you gift wrap orders?", "answer": "Yes: gift wrapping is free on every order."}),
        )
        .await;
    assert_eq!(status, 201);
    let origin = app.address.clone();
    let create = |token: &str, origin: &str| {
        app.client
            .post(app.url("/chat/conversations"))
            .bearer_auth(token)
            .header("origin", origin)
            .json(&json!({"locale": "en"}))
            .send()
    };
    let created = create(&token, &origin).await.unwrap();
    assert_eq!(created.status(), 201);
    let conversation = created.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        create(&token, "https://elsewhere.example")
            .await
            .unwrap()
            .status(),
        403
    );
    let storefront_token = Visitor {
        shop_id: demo.shop_id,
        shop: concierge::shopify::ShopDomain::parse(DEMO_SHOP).unwrap(),
        visitor_id: uuid::Uuid::new_v4(),
        customer_id: None,
        playground: false,
    }
    .token(TEST_API_SECRET.as_bytes(), chrono::Utc::now().timestamp());
    assert_eq!(
        create(&storefront_token, &origin).await.unwrap().status(),
        403,
        "only the playground calls from the app's origin"
    );
    let shopper = Client {
        app: &app,
        token: token.clone(),
    };
    let answer = shopper
        .say(&conversation, "do you gift wrap orders?", None)
        .await;
    assert!(answer.iter().any(|(n, _)| n == "done"), "{answer:?}");

    let (status, trace) = admin
        .get(&format!(
            "/api/playground/conversations/{conversation}/trace"
        ))
        .await;
    assert_eq!(status, 200, "{trace}");
    let turn = &trace["turns"][0];
    assert_eq!(turn["question"], "do you gift wrap orders?");
    assert!(turn["answer"].is_string(), "{turn}");
    assert_eq!(turn["model"], "local");
    assert!(turn["latency_ms"].is_i64(), "{turn}");
    assert_eq!(turn["tokens"], json!({"input": 0, "output": 0}));
    let calls = turn["tool_calls"].as_array().unwrap();
    let search = calls
        .iter()
        .find(|c| c["name"] == "search_knowledge")
        .unwrap_or_else(|| panic!("no knowledge search in {turn}"));
    assert_eq!(search["ok"], true);
    assert!(search["arguments"]["query"].is_string(), "{search}");
    let passage = &turn["passages"][0];
    assert_eq!(passage["title"], "Do you gift wrap orders?", "{turn}");
    assert!(passage["score"].as_f64().unwrap() > 0.0);

    // The playground is not the shop's figures, but it is a test conversation.
    let (_, home) = admin.get("/api/home").await;
    assert_eq!(home["stats"]["conversations"], 0);
    assert_eq!(home["checklist"]["test_conversation"], true);

    // A storefront conversation is counted, and not traced here.
    let storefront = Client {
        app: &app,
        token: storefront_token,
    };
    let shopper_conversation = storefront.conversation().await;
    let events = storefront.say(&shopper_conversation, "hello", None).await;
    assert!(events.iter().any(|(n, _)| n == "done"));
    let (_, home) = admin.get("/api/home").await;
    assert_eq!(home["stats"]["conversations"], 1);
    assert_eq!(home["stats"]["messages"], 2);
    assert_eq!(home["stats"]["ai_resolved"], 1);
    assert_eq!(
        admin
            .get(&format!(
                "/api/playground/conversations/{shopper_conversation}/trace"
            ))
            .await
            .0,
        404
    );
}
