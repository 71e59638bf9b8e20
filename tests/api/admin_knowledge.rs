//! The admin's knowledge additions over HTTP: the FAQ editor (list, edit, reorder), the search
//! box that shows what the assistant would retrieve, and the document browser.

use serde_json::{Value, json};

use crate::admin_settings::Admin;
use crate::helpers::{TestApp, install_shop};

const SHOP: &str = "knowledge-admin.myshopify.com";

#[tokio::test]
async fn faq_entries_are_listed_edited_reordered_and_searched_as_the_assistant_would() {
    let app = TestApp::spawn().await;
    install_shop(&app.db, SHOP).await;
    let admin = Admin {
        app: &app,
        shop: SHOP,
    };
    let mut ids = Vec::new();
    for (question, answer) in [
        ("Do you ship to Canada?", "Yes, for a flat $19."),
        ("How long do returns take?", "Refunds arrive within 5 days."),
        ("Do you gift wrap?", "Gift wrapping is free."),
    ] {
        let (status, created) = admin
            .post("/api/faq", json!({"question": question, "answer": answer}))
            .await;
        assert_eq!(status, 201, "{created}");
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    let (status, listed) = admin.get("/api/faq").await;
    assert_eq!(status, 200);
    let entries = listed["entries"].as_array().unwrap();
    let order: Vec<&str> = entries.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(order, ids);
    assert_eq!(entries[0]["question"], "Do you ship to Canada?");
    assert_eq!(entries[0]["answer"], "Yes, for a flat $19.");
    assert_eq!(entries[2]["position"], 2);

    // Edited: listed and searched as edited.
    let (status, edited) = admin
        .put(
            &format!("/api/faq/{}", ids[1]),
            json!({"question": "How long do refunds take?", "answer": "Refunds reach your card within 3 business days."}),
        )
        .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["position"], 1);
    let (status, found) = admin
        .get("/api/search?q=when%20will%20my%20refund%20reach%20my%20card&limit=3")
        .await;
    assert_eq!(status, 200, "{found}");
    let top = &found["hits"][0];
    assert_eq!(top["title"], "How long do refunds take?", "{found}");
    assert!(
        top["snippet"].as_str().unwrap().contains("3 business days"),
        "{top}"
    );
    assert!(top["score"].as_f64().unwrap() > 0.0);
    assert_eq!(top["source"]["kind"], "faq");
    assert!(top["chunk_id"].is_i64() && top["document_id"].is_i64());
    assert!(found["hits"].as_array().unwrap().len() <= 3);

    // Reordered: every entry once, or nothing changes.
    let reversed: Vec<&String> = ids.iter().rev().collect();
    assert_eq!(
        admin
            .put("/api/faq/order", json!({"ids": reversed}))
            .await
            .0,
        204
    );
    let (_, listed) = admin.get("/api/faq").await;
    let order: Vec<&str> = listed["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(order, reversed);
    for bad in [
        json!({"ids": [ids[0]]}),
        json!({"ids": [ids[0], ids[0], ids[1], ids[2]]}),
        json!({"ids": [ids[0], ids[1], "faq:nope"]}),
    ] {
        assert_eq!(admin.put("/api/faq/order", bad).await.0, 422);
    }
    assert_eq!(
        admin
            .put(
                "/api/faq/faq:unknown",
                json!({"question": "Q?", "answer": "A."})
            )
            .await
            .0,
        404
    );
    assert_eq!(
        admin
            .put(
                &format!("/api/faq/{}", ids[0]),
                json!({"question": " ", "answer": "A."})
            )
            .await
            .0,
        422
    );

    // The document browser: every FAQ entry with its chunks, filtered by title.
    let (status, browsed) = admin.get("/api/documents").await;
    assert_eq!(status, 200, "{browsed}");
    let documents = browsed["documents"].as_array().unwrap();
    assert_eq!(documents.len(), 3);
    assert!(documents.iter().all(|d| d["chunks"].as_i64() >= Some(1)));
    assert_eq!(browsed["next_page"], Value::Null);
    let (_, filtered) = admin.get("/api/documents?q=gift").await;
    assert_eq!(filtered["documents"].as_array().unwrap().len(), 1);
    assert_eq!(filtered["documents"][0]["title"], "Do you gift wrap?");
    let (_, literal) = admin.get("/api/documents?q=%25").await;
    assert_eq!(
        literal["documents"].as_array().unwrap().len(),
        0,
        "% is matched as itself"
    );
    let (_, later) = admin.get("/api/documents?page=2").await;
    assert_eq!(later["documents"], json!([]));
    let (_, other_source) = admin.get("/api/documents?source_id=999999").await;
    assert_eq!(other_source["documents"], json!([]));
    for bad in [
        "/api/search?q=",
        "/api/search?q=x&limit=0",
        "/api/search?q=x&limit=51",
        "/api/search?limit=3",
        "/api/documents?page=0",
        "/api/documents?page=x",
    ] {
        assert_eq!(admin.get(bad).await.0, 400, "{bad}");
    }
}
