//! The processes start, answer and stop the way an operator expects.

use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::helpers::{TestDb, concierge, eventually};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn serve_answers_then_stops_cleanly_on_sigterm() {
    let db = TestDb::migrated().await;
    let port = free_port();
    let mut child = concierge()
        .arg("serve")
        .env("DATABASE_URL", &db.url)
        .env("SHOPIFY_API_KEY", crate::helpers::TEST_API_KEY)
        .env("SHOPIFY_API_SECRET", crate::helpers::TEST_API_SECRET)
        .env("SHOPIFY_APP_URL", "http://127.0.0.1")
        .env(
            "CONCIERGE_ENCRYPTION_KEYS",
            crate::helpers::TEST_ENCRYPTION_KEYS,
        )
        .env("CONCIERGE_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = crate::helpers::http();
    let url = format!("http://127.0.0.1:{port}/readyz");
    let ready = eventually(Duration::from_secs(20), || async {
        let r = client.get(&url).send().await.ok()?;
        (r.status() == 200).then_some(())
    })
    .await;
    assert!(ready.is_some(), "serve never became ready");

    kill(Pid::from_raw(child.id().unwrap() as i32), Signal::SIGTERM).unwrap();
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("serve exits after SIGTERM")
        .unwrap();
    assert!(status.success(), "{status}");
}

#[tokio::test]
async fn demo_starts_its_own_postgres_and_leaves_nothing_behind_on_ctrl_c() {
    let data_dir = std::env::temp_dir().join(format!("concierge-demo-{}", uuid::Uuid::new_v4()));
    let port = free_port();
    let mut child = concierge()
        .arg("demo")
        .env("CONCIERGE_DATA_DIR", &data_dir)
        .env(
            "CONCIERGE_PG_BIN",
            concierge::config::project_root().join(embedded_pg::WHEEL_BIN_DIR),
        )
        .env("CONCIERGE_LISTEN", format!("127.0.0.1:{port}"))
        .env("CONCIERGE_SIMULATOR_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut storefront = None;
    // Ready once the demo store's first sync is done (the assistant answers from it).
    let banner = tokio::time::timeout(Duration::from_secs(300), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.strip_prefix("Storefront: ") {
                storefront = Some(url.trim().to_owned());
            }
            if line.contains("ready at") {
                return line;
            }
        }
        panic!("demo exited before it was ready");
    })
    .await
    .expect("demo ready within 300 s");
    // The newcomer's storefront shows our app embed: the widget's loader, deferred.
    let page = crate::helpers::http()
        .get(storefront.expect("the demo prints its storefront"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("concierge-loader.js") && page.contains("defer"),
        "{page}"
    );
    assert!(
        banner.contains(&format!("http://127.0.0.1:{port}/")),
        "{banner}"
    );

    let ready = crate::helpers::http()
        .get(format!("http://127.0.0.1:{port}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    let pid_file = data_dir.join("postgres/pgdata/postmaster.pid");
    let postmaster: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        embedded_pg::alive(postmaster),
        "postgres runs while the demo does"
    );

    kill(Pid::from_raw(child.id().unwrap() as i32), Signal::SIGINT).unwrap();
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("demo exits after ctrl-c")
        .unwrap();
    assert!(status.success(), "{status}");
    assert!(
        !pid_file.exists(),
        "postgres left its pid file: not stopped cleanly"
    );
    let gone = eventually(Duration::from_secs(5), || async {
        (!embedded_pg::alive(postmaster)).then_some(())
    })
    .await;
    assert!(
        gone.is_some(),
        "postgres {postmaster} still running after the demo stopped"
    );
    let _ = std::fs::remove_dir_all(&data_dir);
}
