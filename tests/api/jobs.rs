//! Jobs run on the same PostgreSQL; a worker killed mid-job has its job finished, once, by
//! another worker.

use std::process::Stdio;
use std::time::Duration;

use concierge::jobs::Probe;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio_util::sync::CancellationToken;

use crate::helpers::{APP_ENV, TestDb, concierge, eventually, state};

#[tokio::test]
async fn an_enqueued_job_runs() {
    let db = TestDb::migrated().await;
    let shutdown = CancellationToken::new();
    let worker = tokio::spawn(concierge::jobs::run_worker(
        state(&db, &["--job-heartbeat-secs", "1"]).await,
        shutdown.clone(),
        Duration::from_secs(5),
    ));

    let probe = Probe::start(&db.pool, Duration::ZERO).await.unwrap();
    let outcome = probe.wait(&db.pool, Duration::from_secs(20)).await.unwrap();
    assert_eq!((outcome.starts, outcome.completions), (1, 1), "{outcome:?}");
    assert!(outcome.completed_by.unwrap().starts_with("probe@"));

    // The queue records the outcome just after the handler returns.
    let done = eventually(Duration::from_secs(10), || async {
        let status: String =
            sqlx::query_scalar("SELECT status FROM apalis.jobs WHERE job_type = 'probe'")
                .fetch_one(&db.pool)
                .await
                .ok()?;
        (status == "Done").then_some(())
    })
    .await;
    assert!(done.is_some(), "the queue never marked the probe done");

    shutdown.cancel();
    worker.await.unwrap().unwrap();
}

/// `concierge worker` as a child process on `db`, orphaning jobs after ~2 s of silence.
fn spawn_worker(db: &TestDb) -> tokio::process::Child {
    concierge()
        .arg("worker")
        .envs(APP_ENV.iter().copied())
        .env("DATABASE_URL", &db.url)
        .env("CONCIERGE_JOB_HEARTBEAT_SECS", "1")
        .env("CONCIERGE_JOB_MISSED_HEARTBEATS", "2")
        .env("CONCIERGE_SHUTDOWN_GRACE_SECS", "5")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[tokio::test]
async fn a_job_of_a_sigkilled_worker_completes_exactly_once_on_another() {
    let db = TestDb::migrated().await;
    let mut first = spawn_worker(&db);
    let probe = Probe::start(&db.pool, Duration::from_secs(3))
        .await
        .unwrap();

    // Wait until the first worker is inside the job, then kill it without warning.
    let started = eventually(Duration::from_secs(20), || async {
        let o = probe.outcome(&db.pool).await.ok()?;
        (o.starts == 1).then_some(())
    })
    .await;
    assert!(started.is_some(), "the first worker never started the job");
    let pid = Pid::from_raw(first.id().unwrap() as i32);
    kill(pid, Signal::SIGKILL).unwrap();
    first.wait().await.unwrap();
    let outcome = probe.outcome(&db.pool).await.unwrap();
    assert_eq!(
        (outcome.starts, outcome.completions),
        (1, 0),
        "killed mid-job: {outcome:?}"
    );

    let mut second = spawn_worker(&db);
    let outcome = probe.wait(&db.pool, Duration::from_secs(40)).await.unwrap();
    assert_eq!(
        outcome.completions, 1,
        "finished by the second worker: {outcome:?}"
    );
    assert_eq!(outcome.starts, 2, "run again exactly once: {outcome:?}");

    // Nothing runs it a third time, and the queue agrees that it is done.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let outcome = probe.outcome(&db.pool).await.unwrap();
    assert_eq!((outcome.starts, outcome.completions), (2, 1), "{outcome:?}");
    let (status, attempts): (String, i32) =
        sqlx::query_as("SELECT status, attempts FROM apalis.jobs WHERE job_type = 'probe'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(status, "Done");
    assert!(attempts >= 1);

    // SIGTERM: the second worker drains and exits cleanly.
    kill(Pid::from_raw(second.id().unwrap() as i32), Signal::SIGTERM).unwrap();
    let status = tokio::time::timeout(Duration::from_secs(15), second.wait())
        .await
        .expect("worker exits after SIGTERM")
        .unwrap();
    assert!(status.success(), "{status}");
}
