//! Background jobs: a queue in the same PostgreSQL (apalis-postgres), run by
//! `concierge worker` processes (any number, on any machines).
//!
//! One file per job, each a serde payload plus a handler implementing [`Job`]; all are
//! registered in [`run_worker`]. Jobs are enqueued with [`enqueue`] inside the caller's
//! transaction, so a job exists exactly when the change that caused it does. The queue
//! delivers at least once (a worker that dies mid-job has its job re-run elsewhere once its
//! heartbeat is overdue), so every handler is idempotent. apalis types stay in this module.
//!
//! Each worker process names itself uniquely (`queue@host:pid:random`): apalis refreshes
//! the heartbeat of a worker name that registers again, so a restarted process that reused
//! its old name would keep its predecessor's jobs locked, and they would never run again.

mod ingest_upload;
mod probe;
mod reembed_shop;
mod refresh;
mod send_mail;
mod sync_product;
mod sync_source;
mod webhook;

use std::future::Future;
use std::time::{Duration, Instant};

use apalis::layers::retry::RetryPolicy;
use apalis::prelude::{
    AbortError, BoxDynError, Data, Monitor, ParallelizeExt, WorkerBuilder, WorkerBuilderExt,
    WorkerContext,
};
use apalis_postgres::PostgresStorage;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::{PgConnection, PgPool};
use tokio_util::sync::CancellationToken;
use tower::retry::backoff::{ExponentialBackoffMaker, MakeBackoff};
use tower::util::rng::HasherRng;

use crate::state::AppState;

pub use ingest_upload::IngestUpload;
pub use probe::{Probe, ProbeOutcome};
pub use reembed_shop::{ReembedShop, queue_reembeds};
pub use refresh::queue_due_refreshes;
pub use send_mail::SendMail;
pub use sync_product::{ProductRef, SyncProduct};
pub use sync_source::{SyncSource, on_install, queue_sync};
pub use webhook::ProcessWebhook;

/// In-process retries (with exponential backoff) within one attempt.
const RETRIES_PER_ATTEMPT: usize = 3;

/// A failure that running the job again cannot mend (a crawl the SSRF guard refused, a start
/// URL that is not http): [`handle`] hands it to apalis as an `AbortError`, so the job is
/// marked `Killed` at once instead of being retried `db::JOB_MAX_ATTEMPTS` times. Return it as
/// `Err(Permanent::new(e).into())`.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Permanent(BoxDynError);

impl Permanent {
    pub fn new(error: impl Into<BoxDynError>) -> Self {
        Self(error.into())
    }
}

/// A kind of background job.
pub trait Job: Serialize + DeserializeOwned + Clone + Send + Sync + Unpin + 'static {
    /// Queue name, stored with every queued job: never rename one that has shipped.
    const QUEUE: &'static str;

    /// Does the work. Must be idempotent: it may run again after a crash.
    fn run(self, ctx: JobContext) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// What a running job can use.
#[derive(Clone)]
pub struct JobContext {
    pub db: PgPool,
    /// Everything a request handler has (Shopify client, knowledge base, keys).
    pub state: AppState,
    /// The unique name of the worker running the job.
    pub worker: String,
}

/// Queues `job` on `conn`, which may be (and usually is) inside a transaction.
pub async fn enqueue<J: Job>(conn: &mut PgConnection, job: &J) -> anyhow::Result<()> {
    crate::db::push_job(conn, J::QUEUE, job).await
}

/// Deletes the shop's queued (not running) jobs, but for webhook processing, which must still
/// see compliance requests through. Jobs name their shop in a `shop_id` field.
pub async fn cancel_pending_for_shop(
    conn: &mut PgConnection,
    shop_id: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "DELETE FROM apalis.jobs
         WHERE status IN ('Pending', 'Failed') AND job_type <> $2
           AND convert_from(job, 'UTF8')::jsonb ->> 'shop_id' = $1::int8::text",
        shop_id,
        ProcessWebhook::QUEUE,
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Job counts by queue and status, for `/metrics`.
pub async fn queue_depths(db: &PgPool) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT job_type, status, count(*) AS "count!" FROM apalis.jobs GROUP BY job_type, status"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.job_type, r.status, r.count))
        .collect())
}

/// A name no other worker process has used: `host:pid:random`.
fn process_identity() -> String {
    let host = nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "host".into());
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}:{}:{}", std::process::id(), &nonce[..8])
}

/// Runs workers for every queue until `shutdown` is cancelled, then gives running jobs
/// `grace` to finish; jobs cut off then run again on another worker.
pub async fn run_worker(
    state: AppState,
    shutdown: CancellationToken,
    grace: Duration,
) -> anyhow::Result<()> {
    let identity = process_identity();
    let config = &state.config.jobs;
    tracing::info!(worker = %identity, concurrency = config.concurrency, "worker starting");
    // A worker whose queue cannot be polled (PostgreSQL restarting) ends with an error; it is
    // started again, so the process resumes by itself once the database is back. While it is
    // down, each attempt waits out the pool's acquire timeout, so this is no busy loop.
    let monitor = Monitor::new().should_restart(|worker, error| {
        tracing::warn!(worker = %worker.name(), error = %error, "worker stopped on an error; restarting it");
        true
    });
    let monitor = register::<Probe>(monitor, &state, &identity)?;
    let monitor = register::<ProcessWebhook>(monitor, &state, &identity)?;
    let monitor = register::<SyncSource>(monitor, &state, &identity)?;
    let monitor = register::<SyncProduct>(monitor, &state, &identity)?;
    let monitor = register::<IngestUpload>(monitor, &state, &identity)?;
    let monitor = register::<ReembedShop>(monitor, &state, &identity)?;
    let monitor = register::<SendMail>(monitor, &state, &identity)?;
    let reembeds = queue_reembeds(&state).await?;
    if reembeds > 0 {
        tracing::info!(
            shops = reembeds,
            "re-embedding shops with the current model"
        );
    }
    tokio::spawn(refresh::refresh_sources(state.db.clone(), shutdown.clone()));
    monitor
        .with_terminator(async move { tokio::time::sleep(grace).await })
        .run_with_signal(async move {
            shutdown.cancelled().await;
            Ok(())
        })
        .await?;
    tracing::info!(worker = %identity, "worker stopped");
    Ok(())
}

fn register<J: Job>(monitor: Monitor, state: &AppState, identity: &str) -> anyhow::Result<Monitor> {
    let config = &state.config.jobs;
    let backoff = ExponentialBackoffMaker::new(
        Duration::from_millis(200),
        Duration::from_secs(10),
        0.5,
        HasherRng::default(),
    )?;
    let storage_config = apalis_postgres::Config::default()
        .queue(J::QUEUE)
        .batch_size(config.concurrency)
        .heartbeat_interval(config.heartbeat)
        .missed_heartbeats(config.missed_heartbeats);
    let concurrency = config.concurrency;
    let identity = identity.to_owned();
    let state = state.clone();
    Ok(monitor.register(move |restarts| {
        let name = format!("{}@{identity}:{restarts}", J::QUEUE);
        let backend = PostgresStorage::<J>::new(&state.db)
            .with_config(storage_config.clone())
            .with_pubsub();
        WorkerBuilder::new(name)
            .backend(backend)
            .data(state.clone())
            .concurrency(concurrency)
            .retry(
                RetryPolicy::retries(RETRIES_PER_ATTEMPT)
                    .with_backoff(backoff.clone().make_backoff()),
            )
            .catch_panic()
            .parallelize(tokio::spawn)
            .build(handle::<J>)
    }))
}

async fn handle<J: Job>(
    job: J,
    state: Data<AppState>,
    worker: WorkerContext,
) -> Result<(), BoxDynError> {
    let started = Instant::now();
    let ctx = JobContext {
        db: state.db.clone(),
        state: (*state).clone(),
        worker: worker.name().to_owned(),
    };
    let result = job.run(ctx).await;
    let outcome = if result.is_ok() { "ok" } else { "error" };
    metrics::counter!("concierge_jobs_processed_total", "queue" => J::QUEUE, "outcome" => outcome)
        .increment(1);
    metrics::histogram!("concierge_job_duration_seconds", "queue" => J::QUEUE)
        .record(started.elapsed().as_secs_f64());
    result.map_err(|e| {
        let permanent = e.is::<Permanent>();
        tracing::warn!(
            queue = J::QUEUE,
            error = format!("{e:#}"),
            permanent,
            "job failed"
        );
        if permanent {
            Box::new(AbortError::new(e)) as BoxDynError
        } else {
            e.into()
        }
    })
}
