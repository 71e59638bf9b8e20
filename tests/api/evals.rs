//! `concierge eval ... --json`: the one JSON object scripts and dashboards read, from the real
//! binary — retrieval on a tiny BEIR folder written here, chat on two cases through the real
//! engine over the simulator's demo store.

use serde_json::Value;

use crate::helpers::{TestDb, concierge};

/// Runs `concierge eval ... --json` against the test server and parses its one line of JSON.
async fn eval_json(args: &[&str]) -> Value {
    // A database on the test server names the server the eval makes its scratch one on.
    let db = TestDb::migrated().await;
    let out = concierge()
        .args(["eval"])
        .args(args)
        .args(["--json", "--database-url", db.url.as_str()])
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The logs share stdout (one JSON line each, under `timestamp`); the report is the last line.
    let report = stdout.trim().lines().last().unwrap_or_default();
    let report: Value = serde_json::from_str(report).unwrap();
    assert!(
        report.get("timestamp").is_none(),
        "a report, not a log line: {report}"
    );
    report
}

fn is_number(value: &Value, key: &str) -> bool {
    value.get(key).is_some_and(Value::is_f64)
}

#[tokio::test]
async fn eval_retrieval_json_has_every_figure_per_mode() {
    let dir = tempdir();
    std::fs::create_dir_all(dir.join("qrels")).unwrap();
    std::fs::write(
        dir.join("corpus.jsonl"),
        r#"{"_id": "d1", "title": "Returns", "text": "Unworn items can be returned within 30 days for a full refund."}
{"_id": "d2", "title": "Shipping", "text": "Orders ship within two business days; express delivery is available."}
{"_id": "d3", "title": "Care", "text": "Wash merino base layers cold and dry them flat."}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("queries.jsonl"),
        r#"{"_id": "q1", "text": "how long do I have to return something"}
{"_id": "q2", "text": "how do I wash merino"}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("qrels/test.tsv"),
        "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td3\t1\n",
    )
    .unwrap();
    let report = eval_json(&["retrieval", dir.to_str().unwrap()]).await;
    let modes = report.as_object().unwrap();
    assert_eq!(
        modes.keys().map(String::as_str).collect::<Vec<_>>(),
        ["hybrid", "keyword", "vector"] // serde_json's map keeps keys sorted
    );
    for (mode, figures) in modes {
        for key in [
            "ndcg_at_10",
            "recall_at_100",
            "mrr_at_10",
            "p50_ms",
            "p95_ms",
        ] {
            assert!(is_number(figures, key), "{mode}.{key} in {figures}");
        }
        assert_eq!(figures.as_object().unwrap().len(), 5, "{figures}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn eval_chat_json_has_the_figures_and_every_case() {
    let dir = tempdir();
    let file = dir.join("cases.jsonl");
    std::fs::write(
        &file,
        r#"{"id": "search", "message": "Do you have a waterproof jacket under $200?", "expect_tool": "search_products", "expect_args": {"max_price": 200}, "must_contain": ["Squall"]}
{"id": "hello", "message": "Hello!", "expect_tool": null}
"#,
    )
    .unwrap();
    let report = eval_json(&["chat", file.to_str().unwrap()]).await;
    assert_eq!(report["cases"], 2, "{report}");
    assert_eq!(report["answer_checks"], 1, "{report}");
    for key in [
        "routing_accuracy",
        "answer_checks_passed",
        "p50_ms",
        "p95_ms",
        "unpaced_p50_ms",
        "unpaced_p95_ms",
        "paced_turns",
    ] {
        assert!(
            report.get(key).is_some_and(Value::is_number),
            "{key} in {report}"
        );
    }
    let cases = report["per_case"].as_array().unwrap();
    assert_eq!(cases.len(), 2, "{report}");
    for case in cases {
        let keys: Vec<&str> = case
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "answer_ok",
                "first_tool",
                "id",
                "latency_ms",
                "paced_ms",
                "routed",
                "writes"
            ], // sorted
            "{case}"
        );
    }
    assert_eq!(cases[0]["id"], "search");
    assert_eq!(cases[0]["first_tool"], "search_products", "{report}");
    assert_eq!(cases[1]["answer_ok"], Value::Null, "{report}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A fresh folder under the system's temporary directory.
fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("concierge-evals-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
