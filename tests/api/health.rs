use serde_json::Value;

use crate::helpers::{TestApp, TestDb};

#[tokio::test]
async fn healthz_answers_without_the_database() {
    let app = TestApp::spawn().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn readyz_is_green_on_a_migrated_database() {
    let app = TestApp::spawn().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["pending_migrations"], 0);
}

#[tokio::test]
async fn readyz_is_red_while_migrations_are_pending() {
    let app = TestApp::spawn_on(TestDb::empty().await, &[]).await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "migrations_pending");
    assert!(body["pending_migrations"].as_u64().unwrap() > 0);

    concierge::db::migrate(&app.db.pool).await.unwrap();
    assert_eq!(app.get("/readyz").await.status(), 200);
}

#[tokio::test]
async fn readyz_is_red_when_the_database_is_unreachable() {
    let app = TestApp::spawn().await;
    app.db.pool.close().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "service_unavailable");
    // Liveness does not depend on the database.
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn migrations_apply_twice_without_change_and_bring_pgvector() {
    let db = TestDb::migrated().await;
    concierge::db::migrate(&db.pool).await.unwrap();
    assert_eq!(
        concierge::db::pending_migrations(&db.pool).await.unwrap(),
        0
    );
    let vector: String =
        sqlx::query_scalar("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert!(vector.as_str() >= "0.7", "pgvector {vector}");
    let pgcrypto: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_extension WHERE extname = 'pgcrypto'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(pgcrypto, 0, "the job queue must not need pgcrypto");
}

#[tokio::test]
async fn metrics_expose_requests_and_job_queues() {
    let token = "metrics-token-for-the-test";
    let app = TestApp::spawn_on(TestDb::migrated().await, &["--metrics-token", token]).await;
    app.get("/healthz").await;
    concierge::jobs::Probe::start(&app.db.pool, std::time::Duration::ZERO)
        .await
        .unwrap();
    let response = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(
        text.contains(
            r#"concierge_http_requests_total{method="GET",route="/healthz",status="200"}"#
        ),
        "{text}"
    );
    assert!(
        text.contains("concierge_http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(
        text.contains(r#"concierge_jobs{queue="probe",status="Pending"} 1"#),
        "{text}"
    );
}
