//! Acting as a merchant's browser through the OAuth install: `/auth` → Shopify's consent
//! screen → `/auth/callback`, carrying the state cookie. The demo, the benchmarks, the evals
//! and the tests use it to install the demo shop on the simulator the way a merchant would.
//! It lives with the simulator because it needs nothing of the app: only the app's public
//! URL and the simulator's consent screen.

use anyhow::{Context, bail};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

/// Installs `shop` on the app at `app_url` by following the OAuth redirects.
pub async fn install_as_merchant(app_url: &str, shop: &str) -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let start = client
        .get(format!("{app_url}/auth?shop={shop}"))
        .send()
        .await?;
    let cookie = start
        .headers()
        .get(SET_COOKIE)
        .and_then(|c| c.to_str().ok())
        .and_then(|c| c.split(';').next())
        .context("while starting the install: no state cookie")?
        .to_owned();
    let consent = location(&start).context("while starting the install")?;
    let approved = client.get(&consent).send().await?;
    let callback = location(&approved).context("while approving on the consent screen")?;
    let done = client.get(&callback).header(COOKIE, cookie).send().await?;
    if !done.status().is_redirection() {
        bail!(
            "the install callback answered {}: {}",
            done.status(),
            done.text().await.unwrap_or_default()
        );
    }
    Ok(())
}

fn location(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get(LOCATION)?
        .to_str()
        .ok()
        .map(str::to_owned)
}
