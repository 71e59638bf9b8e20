//! `concierge demo`: the whole product on one machine with embedded defaults.
//!
//! Starts the embedded PostgreSQL (unless DATABASE_URL is set), applies migrations, and
//! runs the HTTP API and a job worker in one process until ctrl-c or SIGTERM; then drains
//! both and stops the database it started, leaving no process behind.

use anyhow::Context;
use secrecy::SecretString;

use crate::config::{Config, ShopifyConfig, project_root};

pub async fn run(mut config: Config) -> anyhow::Result<()> {
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
    let result = serve(config, shutdown).await;
    if let Some(server) = embedded {
        tokio::task::spawn_blocking(move || server.stop())
            .await?
            .context("while stopping the embedded PostgreSQL")?;
        tracing::info!("embedded PostgreSQL stopped");
    }
    result
}

async fn serve(
    config: Config,
    shutdown: tokio_util::sync::CancellationToken,
) -> anyhow::Result<()> {
    let url = config.require_database_url("demo")?.clone();
    let db = crate::db::connect(&url, config.db_max_connections).await?;
    crate::db::migrate(&db).await?;
    let listener = crate::cli::bind(&config).await?;
    let address = listener.local_addr()?;
    let shopify = match &config.shopify {
        Some(shopify) => shopify.clone(),
        None => ShopifyConfig::demo(format!("http://{address}")),
    };
    let jobs = config.jobs.clone();
    let grace = config.shutdown_grace;
    let worker = tokio::spawn(crate::jobs::run_worker(
        db.clone(),
        jobs,
        shutdown.clone(),
        grace,
    ));
    println!("Concierge demo is ready at http://{address}/  (readiness: http://{address}/readyz)");
    println!("Press ctrl-c to stop.");
    let web = crate::launch(
        listener,
        crate::cli::state(db.clone(), config, shopify),
        shutdown.clone(),
    )
    .await;
    shutdown.cancel();
    let worker = worker.await;
    db.close().await;
    web?;
    worker??;
    Ok(())
}
