//! The merchant's knowledge API: FAQ entries, uploaded files (a PDF, a broken one), and a
//! site to crawl, each through its job and into search; bad input gets a 4xx.

use std::time::Duration;

use axum::routing::get;
use concierge::knowledge::search::{Filters, Mode, SearchRequest};
use serde_json::{Value, json};

use crate::helpers::{TestApp, eventually, install_shop, serve, state, worker};

const SHOP: &str = "sources-shop.myshopify.com";

/// A small help center: robots.txt keeps `/private/` out, the sitemap lists a page no link
/// reaches, and every page carries navigation and a footer.
fn help_center() -> axum::Router {
    let page = |title: &str, body: &str| {
        format!(
            "<html><head><title>{title}</title></head><body>
             <nav><a href=\"/\">Home</a> <a href=\"/shipping\">Shipping</a> Menu item</nav>
             <main><h1>{title}</h1><p>{body}</p></main>
             <footer>Copyright Harbor Help Center, all rights reserved</footer></body></html>"
        )
    };
    let home = page(
        "Help center",
        "Start here. <a href=\"/shipping\">Shipping</a> <a href=\"/private/notes\">Notes</a>",
    );
    let shipping = page(
        "Shipping",
        "Parcels to Norway travel by sea freight and arrive in nine days.",
    );
    let hidden = page(
        "Gift wrapping",
        "Gift wrapping uses recycled kraft paper and costs four dollars.",
    );
    let private = page("Internal notes", "Staff discount codes live here.");
    axum::Router::new()
        .route("/robots.txt", get(|| async { "User-agent: *\nDisallow: /private/\n" }))
        .route(
            "/sitemap.xml",
            get(|headers: axum::http::HeaderMap| async move {
                let host = headers
                    .get("host")
                    .and_then(|h| h.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                format!(
                    "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">
                     <url><loc>http://{host}/gift-wrapping</loc></url></urlset>"
                )
            }),
        )
        .route("/", get(move || async move { axum::response::Html(home) }))
        .route("/shipping", get(move || async move { axum::response::Html(shipping) }))
        .route("/gift-wrapping", get(move || async move { axum::response::Html(hidden) }))
        .route("/private/notes", get(move || async move { axum::response::Html(private) }))
}

#[tokio::test]
async fn faq_entries_files_and_a_crawled_site_become_searchable() {
    let (app, sim) = TestApp::with_simulator(|_| {}).await;
    let shop = install_shop(&app.db, SHOP).await;
    let state = state(&app.db, &["--crawl-private-addresses", "true"]).await;
    let stop = worker(state.clone());
    let token = sim.session_token(SHOP, 1);
    let post = |path: &str| app.client.post(app.url(path)).bearer_auth(&token);
    let found = |query: &'static str, kind: &'static str| {
        let state = state.clone();
        async move {
            let mut request = SearchRequest::new(query, Mode::Hybrid, 3);
            request.filters = Filters {
                kinds: vec![kind.into()],
                ..Filters::default()
            };
            state.knowledge.search(shop, &request).await.unwrap()
        }
    };

    // A FAQ entry is searchable as soon as it is answered.
    let created = post("/api/faq")
        .json(&json!({ "question": "Do you ship to Iceland?", "answer": "Yes: Iceland orders arrive in 5-7 days." }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let hits = found("shipping to Iceland", "faq").await;
    assert!(hits[0].snippet.contains("Iceland"), "{hits:?}");
    for bad in [
        json!({ "question": "only a question" }),
        json!({ "question": " ", "answer": " " }),
    ] {
        let status = post("/api/faq").json(&bad).send().await.unwrap().status();
        assert!(status.is_client_error(), "{bad}: {status}");
    }
    let deleted = app
        .client
        .delete(app.url(&format!("/api/faq/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert!(found("shipping to Iceland", "faq").await.is_empty());

    // Files: a real PDF and a broken one, ingested by the worker.
    let pdf = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/connectors/tests/fixtures/linen-care.pdf"
    ))
    .unwrap();
    let accepted = post("/api/files?name=linen-care.pdf")
        .body(pdf)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 202);
    let broken = post("/api/files?name=broken.pdf")
        .body("%PDF-1.7 garbage")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), 202);
    let pdf_found = eventually(Duration::from_secs(30), || async {
        let hits = found("how to wash a linen shirt", "file").await;
        hits.first()
            .filter(|h| h.title == "Caring for Linen")
            .map(|_| ())
    })
    .await;
    assert!(pdf_found.is_some(), "the PDF never became searchable");
    let error = eventually(Duration::from_secs(30), || async {
        let sources: Value = app
            .client
            .get(app.url("/api/sources"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        sources["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["kind"] == "files")
            .and_then(|s| s["last_error"].as_str().map(str::to_owned))
    })
    .await;
    assert!(
        error.is_some_and(|e| e.starts_with("broken.pdf")),
        "the broken file's error is shown"
    );
    for (path, body) in [
        ("/api/files?name=notes.exe", "x"),
        ("/api/files?name=empty.txt", ""),
        ("/api/files", "x"),
    ] {
        let status = post(path).body(body).send().await.unwrap().status();
        assert!(status.is_client_error(), "{path}: {status}");
    }

    // A site: robots.txt obeyed, the sitemap followed, navigation and footer left out.
    let site = serve(help_center()).await;
    let created = post("/api/sources")
        .json(&json!({ "kind": "web", "url": format!("{site}/") }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let source = created.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let crawled = eventually(Duration::from_secs(60), || async {
        let status: String =
            sqlx::query_scalar("SELECT status FROM knowledge_sources WHERE id = $1")
                .bind(source)
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
        (status == "idle").then_some(())
    })
    .await;
    assert!(crawled.is_some(), "the crawl did not finish");
    let urls: Vec<String> =
        sqlx::query_scalar("SELECT url FROM documents WHERE source_id = $1 ORDER BY url")
            .bind(source)
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        urls,
        [
            format!("{site}/"),
            format!("{site}/gift-wrapping"),
            format!("{site}/shipping")
        ]
    );
    let hits = found("how long does a parcel to Norway take", "web").await;
    assert_eq!(
        hits[0].url.as_deref(),
        Some(format!("{site}/shipping").as_str())
    );
    let text: String = sqlx::query_scalar("SELECT string_agg(content, ' ') FROM chunks c JOIN documents d ON d.shop_id = c.shop_id AND d.id = c.document_id WHERE d.source_id = $1")
        .bind(source)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(
        !text.contains("Copyright") && !text.contains("Menu item") && !text.contains("discount"),
        "{text}"
    );

    // Outside test mode the same local site is refused, with the reason shown.
    let strict = state_without_private(&app).await;
    let mut tx = app.db.pool.begin().await.unwrap();
    let strict_source = concierge::knowledge::sources::ensure(
        &mut *tx,
        shop,
        concierge::knowledge::sources::Kind::Web,
        &format!("{site}/strict"),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let job = concierge::jobs::SyncSource {
        shop_id: shop,
        source_id: strict_source,
    };
    let context = concierge::jobs::JobContext {
        db: app.db.pool.clone(),
        state: strict,
        worker: "test".into(),
    };
    use concierge::jobs::Job;
    assert!(job.run(context).await.is_err());
    let error: Option<String> =
        sqlx::query_scalar("SELECT last_error FROM knowledge_sources WHERE id = $1")
            .bind(strict_source)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(error.is_some(), "a refused crawl says why");

    // The merchant removes the site: its pages go with it.
    let removed = app
        .client
        .delete(app.url(&format!("/api/sources/{source}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 204);
    assert!(found("parcel to Norway", "web").await.is_empty());
    let not_yours = app
        .client
        .delete(app.url("/api/sources/999999"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(not_yours.status(), 404);
    stop.cancel();
}

async fn state_without_private(app: &TestApp) -> concierge::AppState {
    state(&app.db, &[]).await
}
