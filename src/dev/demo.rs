//! `concierge demo`: the whole product on one machine with embedded defaults.
//!
//! Starts the embedded PostgreSQL (unless DATABASE_URL is set), applies migrations, starts
//! the Shopify simulator with the demo store (unless real Shopify credentials are set), runs
//! the HTTP API and a job worker in one process, and installs the demo shop through OAuth as
//! its merchant would, printing the admin's address (the App Home framed by the simulator's
//! admin, with its App Bridge and Polaris stand-ins) and the storefront's; then serves until
//! ctrl-c or SIGTERM, drains, and stops the database it started, leaving no process behind.

use anyhow::Context;
use secrecy::SecretString;

use crate::config::{Config, ShopifyConfig, project_root};
use crate::crypto::Keyring;

/// The demo store's shop, served by the simulator.
pub const DEMO_SHOP: &str = "harbor-and-pine.myshopify.com";

pub async fn run(mut config: Config, simulator_listen: &str) -> anyhow::Result<()> {
    let shutdown = crate::shutdown::on_signals();
    let embedded = match &config.database_url {
        Some(_) => None,
        None => {
            let mut options =
                embedded_pg::Options::new(&project_root(), config.data_dir.join("postgres"));
            options.bin_dir = config.pg_bin.clone();
            options.run_as = config.pg_user.clone();
            let server = tokio::task::spawn_blocking(move || embedded_pg::Server::start(options))
                .await?
                .context("while starting the embedded PostgreSQL")?;
            config.database_url = Some(SecretString::from(server.url()));
            Some(server)
        }
    };
    let result = serve(config, simulator_listen, shutdown).await;
    if let Some(server) = embedded {
        tokio::task::spawn_blocking(move || server.stop())
            .await?
            .context("while stopping the embedded PostgreSQL")?;
        tracing::info!("embedded PostgreSQL stopped");
    }
    result
}

async fn serve(
    mut config: Config,
    simulator_listen: &str,
    shutdown: tokio_util::sync::CancellationToken,
) -> anyhow::Result<()> {
    let url = config.require_database_url("demo")?.clone();
    let db = crate::db::connect(&url, config.db_max_connections).await?;
    crate::db::migrate(&db).await?;
    let listener = crate::http::bind(&config).await?;
    // Metrics on their own loopback address unless one is set: never on the app's.
    let metrics = match crate::http::bind_metrics(&config).await? {
        Some(listener) => listener,
        None => tokio::net::TcpListener::bind("127.0.0.1:0").await?,
    };
    let metrics_url = format!("http://{}/metrics", metrics.local_addr()?);
    let address = listener.local_addr()?;
    let app_url = format!("http://{address}");
    let (shopify, simulator) = match &config.shopify {
        Some(shopify) => (shopify.clone(), None),
        None => {
            let mut sim_config = shopify_sim::SimConfig::new(
                ShopifyConfig::DEMO_API_KEY,
                ShopifyConfig::DEMO_API_SECRET,
                &app_url,
            );
            // The storefront renders our real app embed block, as a theme would.
            sim_config.theme_extension = Some(project_root().join("theme-extension"));
            // Product cards and "Source:" links lead to this storefront, not to the demo
            // store's made-up domain.
            sim_config.local_storefront = true;
            let listener = tokio::net::TcpListener::bind(simulator_listen)
                .await
                .with_context(|| {
                    format!("while listening on {simulator_listen} (the simulator)")
                })?;
            let sim = shopify_sim::Simulator::start_on(
                listener,
                sim_config,
                shopify_sim::store::Store::demo()?,
            )
            .await
            .context("while starting the Shopify simulator")?;
            // The App Home loads App Bridge and Polaris from the simulator's stand-ins.
            config.shopify_cdn_url = sim.base_url().to_owned();
            (
                ShopifyConfig::demo(app_url.clone(), sim.shop_url_template()),
                Some(sim),
            )
        }
    };
    let keyring = match &config.keyring {
        Some(keyring) => keyring.clone(),
        None => demo_keyring(&config.data_dir)?,
    };
    let mail_sink = start_mail_sink(&mut config).await;
    let grace = config.shutdown_grace;
    let state_has_smtp = config.mail.smtp_url.is_some();
    let state = crate::state::AppState::build(db.clone(), config, shopify, keyring).await?;
    crate::chat::prepare_local_responder();
    let worker = tokio::spawn(crate::jobs::run_worker(
        state.clone(),
        shutdown.clone(),
        grace,
    ));
    tokio::spawn(crate::http::launch_metrics(
        metrics,
        state.clone(),
        shutdown.clone(),
    ));
    let web = tokio::spawn(crate::launch(listener, state, shutdown.clone()));
    if let Some(sim) = &simulator {
        shopify_sim::install::install_as_merchant(&app_url, DEMO_SHOP)
            .await
            .context("while installing the demo shop")?;
        // The widget calls the chat API from the simulated storefront's origin.
        sqlx::query!(
            "UPDATE shops SET settings = jsonb_set(settings, '{storefront_domains}', $2)
             WHERE domain = $1",
            DEMO_SHOP,
            serde_json::json!([sim.base_url()]),
        )
        .execute(&db)
        .await?;
        println!("Syncing the demo store's catalog, pages and policies...");
        let shop_id = sqlx::query_scalar!("SELECT id FROM shops WHERE domain = $1", DEMO_SHOP)
            .fetch_one(&db)
            .await?;
        first_sync(&db, shop_id).await?;
        println!(
            "Shopify simulator: {}  (shop {DEMO_SHOP}, installed through OAuth)",
            sim.base_url()
        );
        println!(
            "  demo credentials: SHOPIFY_API_KEY={} SHOPIFY_API_SECRET={}",
            ShopifyConfig::DEMO_API_KEY,
            ShopifyConfig::DEMO_API_SECRET
        );
        println!("  storefront app proxy: {}", sim.proxy_url(DEMO_SHOP, ""));
        println!(
            "Admin (Concierge inside the Shopify admin): {}/{DEMO_SHOP}/admin/apps/concierge",
            sim.base_url()
        );
        println!("Storefront: {}", sim.storefront_url(DEMO_SHOP));
        println!(
            "  (the widget is the chat button; log in as a demo customer at {}account/login)",
            sim.storefront_url(DEMO_SHOP)
        );
    }
    match &mail_sink {
        Some(sink) => println!(
            "Mail (one-time codes, handoff notices, agents' replies): a local SMTP sink; each mail lands as a file in {}",
            sink.inbox.display()
        ),
        None if state_has_smtp => println!("Mail: sent through CONCIERGE_SMTP_URL"),
        None => println!(
            "Mail: not sent (no CONCIERGE_SMTP_URL and no local sink); kept in mail_outbox"
        ),
    }
    println!("Metrics (Prometheus): {metrics_url}");
    println!("Concierge demo is ready at {app_url}/  (readiness: {app_url}/readyz)");
    println!("Press ctrl-c to stop.");
    let web = web
        .await
        .map_err(anyhow::Error::from)
        .and_then(|r| r.map_err(anyhow::Error::from));
    shutdown.cancel();
    let worker = worker.await;
    db.close().await;
    web?;
    worker??;
    drop(simulator);
    drop(mail_sink);
    Ok(())
}

/// Without `CONCIERGE_SMTP_URL`, the demo sends its mail to a local sink that keeps each
/// mail as a file under the data folder (`mail/new/`); `None` when it cannot start (the
/// mail then stays unsent) or a server is set.
async fn start_mail_sink(config: &mut Config) -> Option<crate::dev::mail_sink::MailSink> {
    if config.mail.smtp_url.is_some() {
        return None;
    }
    match crate::dev::mail_sink::MailSink::start(&config.data_dir.join("mail")).await {
        Ok(sink) => {
            config.mail.smtp_url = Some(SecretString::from(sink.url.clone()));
            Some(sink)
        }
        Err(error) => {
            tracing::warn!(
                error = format!("{error:#}"),
                "no local mail sink; mail stays unsent"
            );
            None
        }
    }
}

/// Waits until the shop's first catalog and content sync is done (the assistant answers from
/// it), for at most ten minutes.
pub async fn first_sync(db: &sqlx::PgPool, shop_id: i64) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(600);
    loop {
        let done = sqlx::query_scalar!(
            r#"SELECT count(*) = 2 AS "done!" FROM knowledge_sources
               WHERE shop_id = $1 AND kind IN ('shopify_catalog', 'shopify_content')
                 AND status = 'idle' AND last_synced_at IS NOT NULL"#,
            shop_id,
        )
        .fetch_one(db)
        .await?;
        if done {
            return Ok(());
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "the demo store did not finish syncing"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

/// The demo's own credential key, made once and kept (owner-only) in the data folder.
fn demo_keyring(data_dir: &std::path::Path) -> anyhow::Result<Keyring> {
    use std::os::unix::fs::PermissionsExt;
    let path = data_dir.join("encryption-keys");
    let entry = match std::fs::read_to_string(&path) {
        Ok(existing) => existing,
        Err(_) => {
            std::fs::create_dir_all(data_dir)?;
            let entry = Keyring::generate_entry("demo1");
            std::fs::write(&path, &entry)?;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
            entry
        }
    };
    Ok(Keyring::parse(&SecretString::from(
        entry.trim().to_owned(),
    ))?)
}
