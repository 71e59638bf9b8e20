//! A local SMTP server that keeps what it receives: Python's `aiosmtpd` (installed by
//! `scripts/setup` into `.deps/aiosmtpd-lib`), writing each mail as a file of a Maildir.
//! `concierge demo` and the tests send their mail to it.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::Context;
use tokio::process::{Child, Command};

use crate::config::project_root;

/// A running sink; stopped when dropped.
pub struct MailSink {
    /// `smtp://127.0.0.1:PORT`, for `CONCIERGE_SMTP_URL`.
    pub url: String,
    /// Where each mail lands, one file per mail (the Maildir's `new/`).
    pub inbox: PathBuf,
    _child: Child,
}

impl MailSink {
    /// Starts the sink on a free loopback port, keeping mail under `dir` (a Maildir).
    pub async fn start(dir: &Path) -> anyhow::Result<Self> {
        let lib = project_root().join(".deps/aiosmtpd-lib");
        anyhow::ensure!(
            lib.join("aiosmtpd").is_dir(),
            "aiosmtpd is not installed in {} (run scripts/setup)",
            lib.display()
        );
        // A port the system has just handed out and taken back.
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir)
            .env("PYTHONPATH", &lib)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("while starting python3 -m aiosmtpd")?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            anyhow::ensure!(
                tokio::time::Instant::now() < deadline,
                "the SMTP sink did not start listening on port {port}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(Self {
            url: format!("smtp://127.0.0.1:{port}"),
            inbox: dir.join("new"),
            _child: child,
        })
    }

    /// Every mail received so far, as received (headers and body), oldest first.
    pub fn messages(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.inbox) else {
            return Vec::new();
        };
        let mut files: Vec<_> = entries
            .filter_map(Result::ok)
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect();
        files.sort();
        files
            .into_iter()
            .filter_map(|(_, path)| std::fs::read_to_string(path).ok())
            .collect()
    }
}
