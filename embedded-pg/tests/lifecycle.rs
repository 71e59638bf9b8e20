//! The server's life: start, reuse by a second process, adoption of an orphan, clean stop.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use embedded_pg::{Options, Server, alive};

fn options() -> Options {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = std::env::temp_dir().join(format!("embedded-pg-test-{}", std::process::id()));
    let mut options = Options::new(&root, dir);
    options.database = "lifecycle".into();
    options
}

fn postmaster(options: &Options) -> Option<i32> {
    let text = std::fs::read_to_string(options.data_dir.join("pgdata/postmaster.pid")).ok()?;
    text.lines().next()?.trim().parse().ok()
}

#[test]
fn start_reuse_adopt_and_stop() {
    let opts = options();
    let first = Server::start(opts.clone()).unwrap();
    assert!(first.owned());
    let pid = postmaster(&opts).unwrap();
    assert!(alive(pid));
    assert!(first.url().ends_with("/lifecycle"));

    // A second user of the same folder shares the running server and does not stop it.
    let second = Server::start(opts.clone()).unwrap();
    assert!(!second.owned());
    assert_eq!(second.port(), first.port());
    second.stop().unwrap();
    assert!(alive(pid), "a non-owner must not stop the server");

    // The owner dies without stopping it (as on SIGKILL): the next start adopts the orphan
    // instead of starting another, and then owns its shutdown.
    std::mem::forget(first);
    std::fs::write(opts.data_dir.join("owner.pid"), "2147483646").unwrap();
    let adopter = Server::start(opts.clone()).unwrap();
    assert!(adopter.owned());
    assert_eq!(
        postmaster(&opts),
        Some(pid),
        "the orphan was reused, not replaced"
    );
    adopter.stop().unwrap();
    assert!(
        postmaster(&opts).is_none(),
        "stopped cleanly: no pid file left"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while alive(pid) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(!alive(pid), "postgres {pid} still running");

    // A restart reuses the cluster (no second initdb) and its password.
    let password = std::fs::read_to_string(opts.data_dir.join("password")).unwrap();
    let again = Server::start(opts.clone()).unwrap();
    assert!(again.url().contains(password.trim()));
    again.stop().unwrap();
    std::fs::remove_dir_all(&opts.data_dir).unwrap();
}

#[test]
fn missing_binaries_are_a_clear_error() {
    let mut opts = options();
    opts.bin_dir = PathBuf::from("/nonexistent/bin");
    let err = Server::start(opts).unwrap_err();
    assert!(err.to_string().contains("scripts/setup"), "{err}");
}
