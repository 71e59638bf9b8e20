//! A bad setting stops the binary with status 2 and one line naming it; secrets never show.

use crate::helpers::concierge;

/// Runs the binary and returns (exit code, stderr lines).
async fn run(args: &[&str], env: &[(&str, &str)]) -> (i32, Vec<String>) {
    let mut cmd = concierge();
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    (
        out.status.code().unwrap_or(-1),
        stderr.lines().map(str::to_owned).collect(),
    )
}

#[tokio::test]
async fn bad_settings_exit_2_with_one_line_naming_them() {
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        (
            &["serve"],
            &[("CONCIERGE_LISTEN", "not-an-address")],
            "CONCIERGE_LISTEN",
        ),
        (
            &["serve", "--listen", "1.2.3.4:99999"],
            &[],
            "CONCIERGE_LISTEN",
        ),
        (
            &["serve"],
            &[("CONCIERGE_DB_MAX_CONNECTIONS", "0")],
            "CONCIERGE_DB_MAX_CONNECTIONS",
        ),
        (
            &["worker"],
            &[("CONCIERGE_JOB_HEARTBEAT_SECS", "soon")],
            "CONCIERGE_JOB_HEARTBEAT_SECS",
        ),
        (
            &["serve"],
            &[("CONCIERGE_LOG_FORMAT", "xml")],
            "CONCIERGE_LOG_FORMAT",
        ),
        (&["serve"], &[("CONCIERGE_LOG", "[[[")], "CONCIERGE_LOG"),
        (
            &["serve"],
            &[("DATABASE_URL", "mysql://localhost/x")],
            "DATABASE_URL",
        ),
        (&["serve"], &[], "SHOPIFY_API_KEY"),
        (
            &["serve"],
            &[("SHOPIFY_API_KEY", "k")],
            "SHOPIFY_API_SECRET",
        ),
        (
            &["serve"],
            &[("SHOPIFY_API_KEY", "k"), ("SHOPIFY_API_SECRET", "s")],
            "SHOPIFY_APP_URL",
        ),
        (
            &["serve"],
            &[
                ("SHOPIFY_API_KEY", "k"),
                ("SHOPIFY_API_SECRET", "s"),
                ("SHOPIFY_APP_URL", "https://a.example"),
            ],
            "CONCIERGE_ENCRYPTION_KEYS",
        ),
        (
            &["serve"],
            &[("CONCIERGE_ENCRYPTION_KEYS", "k1:short")],
            "CONCIERGE_ENCRYPTION_KEYS",
        ),
        (
            &["serve"],
            &[("SHOPIFY_SHOP_URL", "https://example.com")],
            "SHOPIFY_SHOP_URL",
        ),
        (
            &["serve"],
            &[
                ("SHOPIFY_API_KEY", "k"),
                ("SHOPIFY_API_SECRET", "s"),
                ("SHOPIFY_APP_URL", "https://a.example"),
                (
                    "CONCIERGE_ENCRYPTION_KEYS",
                    crate::helpers::TEST_ENCRYPTION_KEYS,
                ),
            ],
            "DATABASE_URL",
        ),
        (&["serve"], &[("SCOPES", "read products")], "SCOPES"),
        (
            &["serve"],
            &[("SHOPIFY_API_VERSION", "2026-13")],
            "SHOPIFY_API_VERSION",
        ),
        (&["migrate"], &[], "DATABASE_URL"),
        (
            &["serve"],
            &[("CONCIERGE_SHOPIFY_CDN_URL", "cdn.shopify.com")],
            "CONCIERGE_SHOPIFY_CDN_URL",
        ),
        (
            &["serve"],
            &[("CONCIERGE_EMBEDDINGS_MODEL", "text-embedding-3-small")],
            "CONCIERGE_EMBEDDINGS_URL",
        ),
        (
            &["serve"],
            &[("CONCIERGE_EMBEDDINGS_URL", "https://api.openai.com/v1")],
            "CONCIERGE_EMBEDDINGS_MODEL",
        ),
        (
            &["serve"],
            &[
                ("CONCIERGE_EMBEDDINGS_URL", "https://api.openai.com/v1"),
                ("CONCIERGE_EMBEDDINGS_MODEL", "text-embedding-3-large"),
                ("CONCIERGE_EMBEDDINGS_DIMENSIONS", "3072"),
            ],
            "CONCIERGE_EMBEDDINGS_DIMENSIONS",
        ),
    ];
    for (args, env, name) in cases {
        let (code, lines) = run(args, env).await;
        assert_eq!(code, 2, "{args:?} {env:?}: {lines:?}");
        assert_eq!(lines.len(), 1, "{args:?} {env:?}: one line, got {lines:?}");
        assert!(
            lines[0].contains(name),
            "{args:?} {env:?}: {lines:?} should name {name}"
        );
    }
}

#[tokio::test]
async fn the_config_file_supplies_defaults_that_the_environment_overrides() {
    let dir = std::env::temp_dir().join(format!("concierge-cfg-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("concierge.toml");

    std::fs::write(&file, "listen = \"nonsense\"\n").unwrap();
    let (code, lines) = run(&["serve", "--config", file.to_str().unwrap()], &[]).await;
    assert_eq!(code, 2);
    assert!(lines[0].contains("CONCIERGE_LISTEN"), "{lines:?}");

    // The environment wins over the file: the bad file value is never used.
    let (code, lines) = run(
        &["migrate", "--config", file.to_str().unwrap()],
        &[("CONCIERGE_LISTEN", "127.0.0.1:0")],
    )
    .await;
    assert_eq!(code, 2);
    assert!(lines[0].contains("DATABASE_URL"), "{lines:?}");

    std::fs::write(&file, "no_such_setting = 1\n").unwrap();
    let (code, lines) = run(&["serve"], &[("CONCIERGE_CONFIG", file.to_str().unwrap())]).await;
    assert_eq!(code, 2);
    assert_eq!(lines.len(), 1);
    assert!(lines[0].contains("no_such_setting"), "{lines:?}");

    std::fs::write(&file, "listen = [").unwrap();
    let (code, lines) = run(&["serve", "--config", file.to_str().unwrap()], &[]).await;
    assert_eq!(code, 2);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("CONCIERGE_CONFIG"), "{lines:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn help_explains_every_setting() {
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["worker", "--help"],
        &["demo", "--help"],
    ] {
        let out = concierge().args(args).output().await.unwrap();
        assert_eq!(out.status.code(), Some(0));
        let help = String::from_utf8_lossy(&out.stdout);
        for name in [
            "DATABASE_URL",
            "CONCIERGE_CONFIG",
            "CONCIERGE_LISTEN",
            "CONCIERGE_DATA_DIR",
            "CONCIERGE_PG_BIN",
            "CONCIERGE_MAX_BODY_BYTES",
            "CONCIERGE_REQUEST_TIMEOUT_SECS",
            "CONCIERGE_SHUTDOWN_GRACE_SECS",
            "CONCIERGE_WORKER_CONCURRENCY",
            "CONCIERGE_JOB_HEARTBEAT_SECS",
            "CONCIERGE_LOG",
            "SHOPIFY_API_KEY",
            "SHOPIFY_API_SECRET",
            "SHOPIFY_APP_URL",
            "SCOPES",
        ] {
            assert!(help.contains(name), "{args:?} help lacks {name}:\n{help}");
        }
    }
}

#[tokio::test]
async fn secrets_stay_out_of_debug_output_and_help() {
    let secret = "s3cr3t-pa55word";
    let url = format!("postgres://app:{secret}@db.example:5432/concierge");
    let (_, config) =
        concierge::cli::parse_from(["concierge", "serve", "--database-url", &url]).unwrap();
    assert!(!format!("{config:?}").contains(secret));
    assert!(!concierge::db::describe_url(&url).contains(secret));

    let out = concierge()
        .args(["serve", "--help"])
        .env("DATABASE_URL", &url)
        .output()
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains(secret));
}
