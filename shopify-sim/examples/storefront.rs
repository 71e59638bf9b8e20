//! Serves the demo store's storefront with a theme app extension, without the app, for working
//! on the app embed block and the widget: edit `theme-extension/` and reload the page.
//!
//! ```text
//! cargo run -p shopify-sim --example storefront -- [EXTENSION_DIR] [PORT] [APP_URL]
//! ```
//! `EXTENSION_DIR` defaults to the workspace's `theme-extension/`, `PORT` to 0 (any free one);
//! without `APP_URL` the app proxy (`/apps/concierge/...`) answers 502.

use std::path::PathBuf;

use shopify_sim::store::Store;
use shopify_sim::{SimConfig, Simulator};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let extension = args.next().map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../theme-extension"),
        PathBuf::from,
    );
    let port: u16 = args.next().map_or(Ok(0), |p| p.parse())?;
    let app_url = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:9".to_owned());
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut config = SimConfig::new("demo-key", "demo-secret", &app_url);
    config.theme_extension = Some(extension.clone());
    let store = Store::demo()?;
    let shop = store.domains().next().unwrap_or_default().to_owned();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let sim = Simulator::start_on(listener, config, store).await?;
    println!("storefront: {}", sim.storefront_url(&shop));
    println!("extension:  {}", extension.display());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
