//! What the benches share as clients of the app: a `concierge serve` node to measure, waiting
//! for it to be ready, and reading a Server-Sent Events response block by block with when each
//! block arrived.

use std::process::Stdio;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};

use crate::config::ShopifyConfig;
use crate::crypto::Keyring;

/// `concierge serve` (this binary) on `database_url`, listening on a free local port, as the
/// demo app and with shoppers' rate limits out of the way; returns the command (for the
/// caller's own settings, then `spawn`) and the node's base URL.
pub fn serve_node(
    database_url: &SecretString,
) -> anyhow::Result<(tokio::process::Command, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut command = tokio::process::Command::new(std::env::current_exe()?);
    command
        .arg("serve")
        .env("DATABASE_URL", database_url.expose_secret())
        .env("CONCIERGE_LISTEN", format!("127.0.0.1:{port}"))
        .env("SHOPIFY_API_KEY", ShopifyConfig::DEMO_API_KEY)
        .env("SHOPIFY_API_SECRET", ShopifyConfig::DEMO_API_SECRET)
        .env("SHOPIFY_APP_URL", &base)
        .env(
            "CONCIERGE_ENCRYPTION_KEYS",
            Keyring::generate_entry("bench"),
        )
        .env("CONCIERGE_CHAT_VISITOR_MESSAGES_PER_MINUTE", "1000000")
        .env("CONCIERGE_CHAT_ADDRESS_MESSAGES_PER_MINUTE", "1000000")
        .env("CONCIERGE_CHAT_SHOP_MESSAGES_PER_MINUTE", "1000000")
        .env("CONCIERGE_DB_MAX_CONNECTIONS", "40")
        .env("CONCIERGE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    Ok((command, base))
}

/// Waits until the node at `base` answers `/readyz`, for at most `within`.
pub async fn ready(http: &reqwest::Client, base: &str, within: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + within;
    while !http
        .get(format!("{base}/readyz"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        anyhow::ensure!(
            Instant::now() < deadline,
            "{base} not ready within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// A Server-Sent Events response, read one event block (its `id:`, `event:` and `data:`
/// lines) at a time.
pub struct SseBlocks {
    response: reqwest::Response,
    buffer: String,
    /// When the last chunk read arrived.
    arrived: Instant,
}

impl SseBlocks {
    pub fn new(response: reqwest::Response) -> Self {
        Self {
            response,
            buffer: String::new(),
            arrived: Instant::now(),
        }
    }

    /// The next whole block and when the chunk that completed it arrived; `None` once the
    /// stream has ended.
    pub async fn next(&mut self) -> reqwest::Result<Option<(String, Instant)>> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block = self.buffer.drain(..end + 2).collect();
                return Ok(Some((block, self.arrived)));
            }
            let Some(chunk) = self.response.chunk().await? else {
                return Ok(None);
            };
            self.arrived = Instant::now();
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

/// The `id:` of an event block, as a number.
pub fn event_id(block: &str) -> Option<u64> {
    block
        .lines()
        .find_map(|l| l.strip_prefix("id:"))
        .and_then(|id| id.trim().parse().ok())
}
