//! Schema-driven testing: Schemathesis (installed from PyPI by `scripts/setup` into
//! `.deps/schemathesis-lib`) generates requests from our OpenAPI files — valid ones, invalid ones
//! and whole stateful sequences following the documented links — and checks that the app never
//! answers 5xx and that every answer (status, content type, body, each Server-Sent Event)
//! matches what the file documents.
//!
//! Bounded (`--max-examples`, fixed seed) so that it fits the normal suite; a longer run is
//! the same command with a larger `--max-examples` (docs/benchmarks.md).

use std::path::PathBuf;

use tokio::process::Command;

use crate::chat::{SHOP, token};
use crate::helpers::{DemoShop, TestApp, TestDb, install_shop, session_token};

/// The checks every run applies (Schemathesis' names).
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance";

/// Runs Schemathesis over `schema` against `app` with `headers`; panics with its report unless
/// it finds nothing.
async fn schemathesis(app: &TestApp, schema: &str, headers: &[String], exclude: &[&str]) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let home = root.join(".deps/schemathesis-lib");
    let script = home.join("bin/schemathesis");
    assert!(
        script.exists(),
        "Schemathesis is missing: run scripts/setup ({} not found)",
        script.display()
    );
    let mut command = Command::new("python3");
    command
        .arg(script)
        .env("PYTHONPATH", &home)
        .current_dir(&root)
        .args(["run", schema, "--url", &app.address, "--checks", CHECKS])
        .args([
            "--max-examples",
            "6",
            "--seed",
            "20261207",
            "--workers",
            "1",
        ])
        .args(["--request-timeout", "30", "--no-color"])
        .args(["--generation-database", "none"]);
    for header in headers {
        command.args(["--header", header]);
    }
    for path in exclude {
        command.args(["--exclude-path", path]);
    }
    let output = command.output().await.expect("run schemathesis");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "Schemathesis found problems in {schema}:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn the_chat_api_answers_as_its_openapi_file_says() {
    let app = TestApp::spawn_on(TestDb::migrated().await, &[]).await;
    let shop = install_shop(&app.db, SHOP).await;
    let bearer = format!("Authorization: Bearer {}", token(shop, Some("1001")));
    // `/proxy/session` is signed by Shopify: every generated request is refused before it
    // reaches any logic (the signature's own tests are in proxy.rs and differential.rs). The
    // follow stream never ends by design, which Schemathesis cannot read (chat.rs tests it,
    // with `Last-Event-ID`).
    let skip = ["/proxy/session", "/chat/conversations/{id}/events"];
    schemathesis(&app, "docs/chat-api.yaml", &[bearer], &skip).await;
}

#[tokio::test]
async fn the_admin_api_answers_as_its_openapi_file_says() {
    let (app, sim) = TestApp::with_simulator(|_| {}).await;
    let _shop = DemoShop::install(&app, &sim, false).await;
    let bearer = format!(
        "Authorization: Bearer {}",
        session_token(concierge::dev::demo::DEMO_SHOP)
    );
    // The model test calls the URL it is given: generated ones would reach out of the machine
    // (admin_model.rs tests it against a local fake endpoint). The inbox's stream never ends
    // (inbox.rs follows it).
    let skip = ["/api/settings/model/test", "/api/inbox/events"];
    schemathesis(&app, "docs/admin-api.yaml", &[bearer], &skip).await;
}
