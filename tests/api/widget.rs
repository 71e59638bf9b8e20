//! What the storefront widget brings beyond text: the page a message is written from, photos,
//! an email left when nobody is online, and an agent's reply arriving on the widget's stream.

use std::time::Duration;

use serde_json::{Value, json};

use crate::chat::{Client, SHOP, app_with, events, token};
use crate::fake_llm::{FakeLlm, Reply};
use crate::helpers::{install_shop, session_token};

/// The note the engine adds for the page, from the request the model received.
fn page_note(messages: &[Value]) -> Option<Value> {
    messages.iter().find_map(|m| {
        let content = m["content"].as_str()?;
        let json = content.strip_prefix("The shopper is writing from this page")?;
        serde_json::from_str(&json[json.find('{')?..]).ok()
    })
}

#[tokio::test]
async fn the_page_tells_the_model_what_this_is() {
    let llm = FakeLlm::start().await;
    llm.then_times(3, Reply::text(&["It is."]));
    let (app, shop) = app_with(&llm, &[]).await;
    let client = Client {
        app: &app,
        token: token(shop, None),
    };
    let conversation = client.conversation().await;
    let path = format!("/chat/conversations/{conversation}/messages");
    let page = json!({"template": "product", "url": "/products/squall", "product_id": 8801,
                      "variant_id": 4402});

    // A product the shop's catalog does not hold is not named: the browser says only ids.
    let response = client
        .post(
            &path,
            json!({"text": "Is this available in XL?", "page": page}),
        )
        .await;
    assert_eq!(response.status(), 200);
    response.text().await.unwrap();
    let note = page_note(&llm.messages(0)).expect("a page note");
    assert_eq!(note, json!({"template": "product"}));

    // Once the catalog holds it, the note names it, just before the question.
    let source: i64 = sqlx::query_scalar(
        "INSERT INTO knowledge_sources (shop_id, kind, name) VALUES ($1, 'shopify_catalog', 'default')
         RETURNING id",
    )
    .bind(shop)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO documents (shop_id, source_id, kind, external_id, title, content_hash)
         VALUES ($1, $2, 'product', 'gid://shopify/Product/8801', 'Squall 2.5L Rain Shell', 'h')",
    )
    .bind(shop)
    .bind(source)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let said = client.say(&conversation, "And in M?", None).await;
    assert!(said.iter().any(|(name, _)| name == "done"));
    assert_eq!(page_note(&llm.messages(1)), None, "no page, no note");
    let response = client
        .post(
            &path,
            json!({"text": "Is this available in XL?", "page": page}),
        )
        .await;
    response.text().await.unwrap();
    let messages = llm.messages(2);
    assert_eq!(
        page_note(&messages).unwrap(),
        json!({"template": "product", "product": "Squall 2.5L Rain Shell",
               "product_id": "gid://shopify/Product/8801",
               "variant_id": "gid://shopify/ProductVariant/4402"})
    );
    let last = messages.len() - 1;
    assert_eq!(messages[last]["role"], "user");
    assert!(page_note(&messages[last - 1..last]).is_some());

    // The page is kept with the message (agents will see where the shopper was).
    let stored: Value = sqlx::query_scalar(
        "SELECT page FROM messages WHERE shop_id = $1 AND page IS NOT NULL ORDER BY id DESC LIMIT 1",
    )
    .bind(shop)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(stored["product_id"], 8801);

    // What is not a page is refused, and nothing is stored.
    for bad in [
        json!({"template": "product\"><script>"}),
        json!({"url": "javascript:alert(1)"}),
        json!({"product_id": "8801; DROP TABLE"}),
        json!({"product_id": -1}),
        json!({"shop": "other.myshopify.com"}),
    ] {
        let response = client
            .post(&path, json!({"text": "this?", "page": bad}))
            .await;
        assert_eq!(response.status(), 422, "{bad}");
        let body: Value = response.json().await.unwrap();
        assert!(body["error"]["message"].is_string());
    }
    assert_eq!(llm.request_count(), 3);
}

/// A JPEG's structure carrying a position in its EXIF (the pixels do not matter here).
fn jpeg_with_location() -> Vec<u8> {
    let segment = |marker: u8, contents: &[u8]| {
        let len = u16::try_from(contents.len() + 2).unwrap().to_be_bytes();
        [&[0xFF, marker][..], &len, contents].concat()
    };
    [
        vec![0xFF, 0xD8],
        segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"),
        segment(0xE1, b"Exif\0\0GPS 48.8584 N 2.2945 E"),
        segment(0xDB, &[0; 65]),
        segment(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]),
        segment(0xDA, &[1, 1, 0, 0, 0x3F, 0]),
        vec![0x12, 0x34, 0xFF, 0xD9],
    ]
    .concat()
}

#[tokio::test]
async fn photos_are_kept_without_metadata_for_their_conversation_only() {
    let llm = FakeLlm::start().await;
    llm.then(Reply::text(&["Sorry to see that."]));
    let (app, shop) = app_with(&llm, &[]).await;
    let client = Client {
        app: &app,
        token: token(shop, None),
    };
    let conversation = client.conversation().await;
    let upload = |body: Vec<u8>, content_type: &'static str| {
        app.client
            .post(app.url(&format!("/chat/conversations/{conversation}/attachments")))
            .bearer_auth(&client.token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };

    let response = upload(jpeg_with_location(), "image/jpeg").await.unwrap();
    assert_eq!(response.status(), 201);
    let photo: Value = response.json().await.unwrap();
    assert_eq!(photo["content_type"], "image/jpeg");
    let id = photo["id"].as_str().unwrap().to_owned();

    // Sent with a message: the message lists it; the stored bytes have no position.
    let said = client
        .post(
            &format!("/chat/conversations/{conversation}/messages"),
            json!({"text": "It arrived broken", "attachments": [id]}),
        )
        .await;
    assert_eq!(said.status(), 200);
    let said = events(&said.text().await.unwrap());
    let stored = &said.iter().find(|(n, _)| n == "stored").unwrap().1;
    assert_eq!(
        stored["message"]["attachments"],
        json!([{"type": "photo", "id": id, "content_type": "image/jpeg"}])
    );
    let path = format!("/chat/conversations/{conversation}/attachments/{id}");
    let response = client.get(&path).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(&[0xFF, 0xD8]));
    assert!(!bytes.windows(3).any(|w| w == b"GPS"));

    // Another visitor sees nothing of it, and cannot attach to the conversation.
    let stranger = Client {
        app: &app,
        token: token(shop, None),
    };
    assert_eq!(stranger.get(&path).await.status(), 404);
    let response = app
        .client
        .post(app.url(&format!("/chat/conversations/{conversation}/attachments")))
        .bearer_auth(&stranger.token)
        .body(jpeg_with_location())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);

    // Only images, whatever the label says; damaged ones and oversized ones are refused.
    let svg = b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>".to_vec();
    assert_eq!(upload(svg, "image/jpeg").await.unwrap().status(), 415);
    assert_eq!(
        upload(jpeg_with_location()[..20].to_vec(), "image/jpeg")
            .await
            .unwrap()
            .status(),
        422
    );
    let huge = [jpeg_with_location(), vec![0; 6 * 1024 * 1024]].concat();
    assert_eq!(upload(huge, "image/jpeg").await.unwrap().status(), 413);
}

#[tokio::test]
async fn an_email_is_left_and_an_agents_reply_reaches_the_widget_live() {
    let llm = FakeLlm::start().await;
    let (app, shop) = app_with(&llm, &[]).await;
    let client = Client {
        app: &app,
        token: token(shop, None),
    };
    let conversation = client.conversation().await;
    let contact = format!("/chat/conversations/{conversation}/contact");
    assert_eq!(
        client
            .post(&contact, json!({"email": "not an email"}))
            .await
            .status(),
        422
    );
    assert_eq!(
        client
            .post(&contact, json!({"email": "ada@example.com"}))
            .await
            .status(),
        204
    );
    let stranger = Client {
        app: &app,
        token: token(shop, None),
    };
    assert_eq!(
        stranger
            .post(&contact, json!({"email": "eve@example.com"}))
            .await
            .status(),
        404
    );
    let email: Option<String> =
        sqlx::query_scalar("SELECT contact_email FROM conversations WHERE shop_id = $1")
            .bind(shop)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(email.as_deref(), Some("ada@example.com"));

    // The widget follows the conversation; an agent replies from the admin.
    let mut follow = app
        .client
        .get(app.url(&format!("/chat/conversations/{conversation}/events")))
        .bearer_auth(&client.token)
        .send()
        .await
        .unwrap();
    let session = session_token(SHOP);
    let reply = |conversation: String, text: &'static str| {
        app.client
            .post(app.url(&format!("/api/inbox/conversations/{conversation}/messages")))
            .bearer_auth(&session)
            .json(&json!({"text": text}))
            .send()
    };
    let response = reply(conversation.clone(), "Hi Ada, I'm on it.")
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let mut seen = String::new();
    let arrived = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(chunk) = follow.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains("I'm on it") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(arrived, Ok(true), "{seen}");
    let message = events(&seen)
        .into_iter()
        .find(|(n, _)| n == "message")
        .unwrap()
        .1;
    assert_eq!(message["message"]["role"], "agent");
    let owner: String = sqlx::query_scalar("SELECT owner FROM conversations WHERE shop_id = $1")
        .bind(shop)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(owner, "human");
    // The shopper's next message waits for the agents: no model is asked.
    let said = client.say(&conversation, "Thanks!", None).await;
    assert_eq!(said.len(), 1, "{said:?}");
    assert_eq!(llm.request_count(), 0);

    // Another shop's staff cannot write into this shop's conversation.
    install_shop(&app.db, "other-shop.myshopify.com").await;
    let stranger = app
        .client
        .post(app.url(&format!("/api/inbox/conversations/{conversation}/messages")))
        .bearer_auth(session_token("other-shop.myshopify.com"))
        .json(&json!({"text": "hello from elsewhere"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stranger.status(), 404);

    // Unknown conversations and empty replies are refused.
    let unknown = uuid::Uuid::new_v4().to_string();
    assert_eq!(reply(unknown, "Hello").await.unwrap().status(), 404);
    assert_eq!(reply(conversation, "  ").await.unwrap().status(), 422);
}

#[tokio::test]
async fn a_card_number_a_model_copies_into_a_tool_call_is_not_kept_in_the_audit() {
    let llm = FakeLlm::start().await;
    llm.then(Reply::tool_call(
        "c1",
        "search_knowledge",
        r#"{"query": "refund to card 4111.1111.1111.1111"}"#,
    ));
    llm.then(Reply::text(&["Refunds go back to the card you paid with."]));
    let (app, shop) = app_with(&llm, &[]).await;
    let client = Client {
        app: &app,
        token: token(shop, None),
    };
    let conversation = client.conversation().await;
    let said = client
        .say(
            &conversation,
            "refund to my card 4111.1111.1111.1111?",
            None,
        )
        .await;
    assert!(said.iter().any(|(name, _)| name == "done"), "{said:?}");
    let arguments: Vec<Value> =
        sqlx::query_scalar("SELECT arguments FROM tool_calls WHERE shop_id = $1")
            .bind(shop)
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(arguments.len(), 1);
    let kept = arguments[0]["query"].as_str().unwrap();
    assert!(!kept.contains("4111"), "{kept}");
    assert!(kept.contains(concierge::chat::redact::CARD), "{kept}");
}
