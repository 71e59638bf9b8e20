//! The fault run: Shopify delivers a burst of webhooks and shoppers hold live conversations
//! through a load balancer in front of two `concierge serve` nodes, with one `concierge worker`,
//! while one node, the worker and PostgreSQL itself are each SIGKILLed once (at a quarter, a
//! half and three quarters of the burst) and started again, as a supervisor would.
//!
//! Clients behave as ours do: Shopify re-sends a webhook that was not acknowledged; the
//! widget re-sends a message with the same `client_id` until its answer arrives. The run then
//! checks, in the database, that nothing acknowledged was lost and nothing was done twice:
//! every event stored, enqueued and processed once; every message stored once and answered
//! once. It owns its PostgreSQL (an embedded server in a scratch folder), since it kills it.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use futures::StreamExt;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};
use uuid::Uuid;

use crate::chat::visitor::Visitor;
use crate::config::{Config, ShopifyConfig};
use crate::crypto::Keyring;
use crate::shopify::ShopDomain;

#[derive(Debug, Clone)]
pub struct Options {
    pub webhooks: usize,
    pub conversations: usize,
    /// Messages each shopper sends, one after another.
    pub messages: usize,
    pub concurrency: usize,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub webhooks: usize,
    pub webhooks_never_acknowledged: usize,
    pub events_stored: i64,
    pub events_enqueued: i64,
    pub events_processed: i64,
    pub conversations: usize,
    pub messages_sent: usize,
    pub messages_stored: i64,
    pub messages_answered: i64,
    pub messages_answered_twice: i64,
    /// Sends the shoppers repeated (a failed request, a cut stream) before an answer came.
    pub resends: usize,
    pub node_killed_at_s: f64,
    pub node_ready_after_s: f64,
    pub worker_killed_at_s: f64,
    pub postgres_killed_at_s: f64,
    /// From the SIGKILL until both nodes answer `/readyz` again (restart after 1 s included).
    pub postgres_recovered_after_s: f64,
    pub everything_done_after_s: f64,
}

/// Questions the shoppers ask, in turn.
const QUESTIONS: [&str; 4] = [
    "Do you have a waterproof jacket?",
    "What is your return policy?",
    "How long does shipping take?",
    "Do you sell wool socks?",
];

pub async fn run(config: &Config, exe: &Path, options: &Options) -> anyhow::Result<Report> {
    let folder = config
        .data_dir
        .join(format!("faults-postgres-{}", std::process::id()));
    let mut pg = embedded_pg::Options::new(&crate::config::project_root(), &folder);
    pg.bin_dir = config.pg_bin.clone();
    pg.run_as = config.pg_user.clone();
    let mut server =
        Some(tokio::task::spawn_blocking(move || embedded_pg::Server::start(pg)).await??);
    let logs = folder.join("logs");
    std::fs::create_dir_all(&logs)?;
    let result = faults(&mut server, &logs, exe, options).await;
    if let Some(server) = server {
        tokio::task::spawn_blocking(move || server.stop()).await??;
    }
    match &result {
        Ok(_) => std::fs::remove_dir_all(&folder)?,
        Err(_) => eprintln!("the processes' logs are in {}", logs.display()),
    }
    result
}

/// The processes under test, started (and started again) with one environment.
struct Fleet {
    exe: std::path::PathBuf,
    env: Vec<(&'static str, String)>,
    /// Where each process's log goes (`serve-1.log`, `worker-2.log`, ...), kept for a look.
    logs: std::path::PathBuf,
    started: AtomicUsize,
}

impl Fleet {
    fn spawn(&self, command: &str, listen: Option<SocketAddr>) -> anyhow::Result<Child> {
        let n = self.started.fetch_add(1, Ordering::Relaxed) + 1;
        let log = std::fs::File::create(self.logs.join(format!("{command}-{n}.log")))?;
        let mut child = Command::new(&self.exe);
        child
            .arg(command)
            .envs(self.env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true);
        if let Some(address) = listen {
            child.env("CONCIERGE_LISTEN", address.to_string());
        }
        child
            .spawn()
            .with_context(|| format!("while starting concierge {command}"))
    }
}

fn sigkill(child: &Child) -> anyhow::Result<()> {
    let pid = child.id().context("the process has no pid")?;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    )?;
    Ok(())
}

async fn faults(
    server: &mut Option<embedded_pg::Server>,
    logs: &Path,
    exe: &Path,
    options: &Options,
) -> anyhow::Result<Report> {
    let url = SecretString::from(server.as_ref().context("no PostgreSQL")?.url());
    let db = crate::db::connect(&url, 4).await?;
    crate::db::migrate(&db).await?;

    // The load balancer's address is the app's URL, for Shopify and for shoppers.
    let balancer = TcpListener::bind("127.0.0.1:0").await?;
    let app_url = format!("http://{}", balancer.local_addr()?);
    let nodes = [free_address()?, free_address()?];
    tokio::spawn(balance(balancer, nodes.to_vec()));
    let sim = shopify_sim::Simulator::start(
        {
            let mut c = shopify_sim::SimConfig::new(
                ShopifyConfig::DEMO_API_KEY,
                ShopifyConfig::DEMO_API_SECRET,
                &app_url,
            );
            // Shopify retries for hours; compressed here, long enough to outlast an outage.
            c.webhook_retry_delays = vec![Duration::from_secs(1); 60];
            c
        },
        shopify_sim::store::Store::demo()?,
    )
    .await?;
    let secret = ShopifyConfig::DEMO_API_SECRET;
    let fleet = Fleet {
        exe: exe.to_path_buf(),
        env: vec![
            ("DATABASE_URL", url.expose_secret().to_owned()),
            ("SHOPIFY_API_KEY", ShopifyConfig::DEMO_API_KEY.to_owned()),
            ("SHOPIFY_API_SECRET", secret.to_owned()),
            ("SHOPIFY_APP_URL", app_url.clone()),
            ("SHOPIFY_SHOP_URL", sim.shop_url_template()),
            (
                "CONCIERGE_ENCRYPTION_KEYS",
                Keyring::generate_entry("faults"),
            ),
            ("CONCIERGE_JOB_HEARTBEAT_SECS", "1".to_owned()),
            ("CONCIERGE_JOB_MISSED_HEARTBEATS", "2".to_owned()),
            (
                "CONCIERGE_CHAT_VISITOR_MESSAGES_PER_MINUTE",
                "1000000".to_owned(),
            ),
            (
                "CONCIERGE_CHAT_ADDRESS_MESSAGES_PER_MINUTE",
                "1000000".to_owned(),
            ),
            (
                "CONCIERGE_CHAT_SHOP_MESSAGES_PER_MINUTE",
                "1000000".to_owned(),
            ),
            ("CONCIERGE_LOG", "warn".to_owned()),
        ],
        logs: logs.to_path_buf(),
        started: AtomicUsize::new(0),
    };
    let mut node_a = fleet.spawn("serve", Some(nodes[0]))?;
    let _node_b = fleet.spawn("serve", Some(nodes[1]))?;
    let mut worker = fleet.spawn("worker", None)?;
    // Every call has a deadline: a request that hangs across a kill is retried, not waited on.
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    for node in nodes {
        ready(&http, node, Duration::from_secs(120)).await?;
    }
    let shop = crate::dev::demo::DEMO_SHOP;
    shopify_sim::install::install_as_merchant(&app_url, shop).await?;
    let shop_id = sqlx::query_scalar!("SELECT id FROM shops WHERE domain = $1", shop)
        .fetch_one(&db)
        .await?;
    crate::dev::demo::first_sync(&db, shop_id).await?;

    let started = Instant::now();
    let sent = AtomicUsize::new(0);
    let event_ids: Vec<String> = (0..options.webhooks)
        .map(|_| Uuid::new_v4().to_string())
        .collect();
    let deliveries = futures::stream::iter(event_ids.iter().enumerate())
        .map(|(i, event_id)| {
            let (sim, sent) = (&sim, &sent);
            async move {
                let id = 8_100_000_000_001_u64 + (i as u64 % 60);
                let payload = json!({"id": id, "title": format!("fault {i}"),
                    "admin_graphql_api_id": format!("gid://shopify/Product/{id}")});
                let delivery = sim
                    .send_webhook(shop, "products/update", payload, Some(event_id.clone()))
                    .await;
                sent.fetch_add(1, Ordering::Relaxed);
                delivery
            }
        })
        .buffer_unordered(options.concurrency)
        .collect::<Vec<_>>();

    let shop_domain = ShopDomain::parse(shop)?;
    let resends = AtomicUsize::new(0);
    let shoppers = futures::stream::iter(0..options.conversations)
        .map(|i| {
            let token = Visitor {
                shop_id,
                shop: shop_domain.clone(),
                visitor_id: Uuid::new_v4(),
                customer_id: None,
                playground: false,
            }
            .token(secret.as_bytes(), chrono::Utc::now().timestamp());
            shopper(&http, &app_url, token, i, options.messages, &resends)
        })
        .buffer_unordered(options.conversations)
        .collect::<Vec<_>>();

    // The faults, at a quarter, a half and three quarters of the burst.
    let at = |share: usize| {
        let sent = &sent;
        let target = options.webhooks * share / 4;
        async move {
            while sent.load(Ordering::Relaxed) < target {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            started.elapsed()
        }
    };
    let schedule = async {
        let node_killed = at(1).await;
        sigkill(&node_a)?;
        node_a.wait().await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let restarted = Instant::now();
        node_a = fleet.spawn("serve", Some(nodes[0]))?;
        ready(&http, nodes[0], Duration::from_secs(120)).await?;
        let node_ready = restarted.elapsed();

        let worker_killed = at(2).await;
        sigkill(&worker)?;
        worker.wait().await?;
        worker = fleet.spawn("worker", None)?;

        let postgres_killed = at(3).await;
        let killed = Instant::now();
        let mut pg = server.take().context("no PostgreSQL")?;
        let pg = tokio::task::spawn_blocking(move || {
            pg.crash()?;
            std::thread::sleep(Duration::from_secs(1));
            pg.restart(Duration::from_secs(60))?;
            anyhow::Ok(pg)
        })
        .await??;
        *server = Some(pg);
        for node in nodes {
            ready(&http, node, Duration::from_secs(120)).await?;
        }
        let recovered = killed.elapsed();
        anyhow::Ok((
            node_killed,
            node_ready,
            worker_killed,
            postgres_killed,
            recovered,
        ))
    };
    let (deliveries, shoppers, schedule) = tokio::join!(deliveries, shoppers, schedule);
    let (node_killed, node_ready, worker_killed, postgres_killed, postgres_recovered) = schedule?;
    let shoppers = shoppers.into_iter().collect::<anyhow::Result<Vec<()>>>();

    // Everything accepted is processed in the end: wait for the queue to drain.
    let db = crate::db::connect(&url, 4).await?;
    let events = super::webhooks::drain(&db, &event_ids, Duration::from_secs(300)).await?;
    let done = started.elapsed();
    let messages = sqlx::query!(
        r#"SELECT count(*) AS "stored!",
                  count(*) FILTER (WHERE EXISTS (
                      SELECT 1 FROM turns t WHERE t.shop_id = m.shop_id
                         AND t.question_id = m.id AND t.status = 'answered')) AS "answered!",
                  count(*) FILTER (WHERE (
                      SELECT count(*) FROM turns t WHERE t.shop_id = m.shop_id
                         AND t.question_id = m.id AND t.status = 'answered') > 1) AS "twice!"
           FROM messages m WHERE m.shop_id = $1 AND m.role = 'shopper'
             AND m.client_id LIKE 'fault-%'"#,
        shop_id,
    )
    .fetch_one(&db)
    .await?;
    drop((node_a, worker));

    let report = Report {
        webhooks: options.webhooks,
        webhooks_never_acknowledged: deliveries
            .iter()
            .filter(|d| !d.status.is_some_and(|s| (200..300).contains(&s)))
            .count(),
        events_stored: events.stored,
        events_enqueued: events.enqueued,
        events_processed: events.processed,
        conversations: options.conversations,
        messages_sent: options.conversations * options.messages,
        messages_stored: messages.stored,
        messages_answered: messages.answered,
        messages_answered_twice: messages.twice,
        resends: resends.load(Ordering::Relaxed),
        node_killed_at_s: node_killed.as_secs_f64(),
        node_ready_after_s: node_ready.as_secs_f64(),
        worker_killed_at_s: worker_killed.as_secs_f64(),
        postgres_killed_at_s: postgres_killed.as_secs_f64(),
        postgres_recovered_after_s: postgres_recovered.as_secs_f64(),
        everything_done_after_s: done.as_secs_f64(),
    };
    let verdict = shoppers
        .context("a shopper gave up")
        .and_then(|_| check(&report, options));
    if let Err(e) = verdict {
        eprintln!("{}", serde_json::to_string_pretty(&report)?);
        return Err(e);
    }
    Ok(report)
}

/// Nothing acknowledged lost, nothing done twice.
fn check(report: &Report, options: &Options) -> anyhow::Result<()> {
    let events = [
        report.events_stored,
        report.events_enqueued,
        report.events_processed,
    ];
    ensure!(
        report.webhooks_never_acknowledged == 0,
        "webhooks never acknowledged"
    );
    ensure!(
        events == [options.webhooks as i64; 3],
        "events stored, enqueued, processed: {events:?} of {}",
        options.webhooks
    );
    let sent = report.messages_sent as i64;
    ensure!(
        report.messages_stored == sent && report.messages_answered == sent,
        "messages stored {}, answered {} of {sent}",
        report.messages_stored,
        report.messages_answered
    );
    ensure!(
        report.messages_answered_twice == 0,
        "messages answered twice"
    );
    Ok(())
}

/// One shopper: a conversation, then `messages` questions, each sent again (same
/// `client_id`) until its answer arrives, as the widget does.
async fn shopper(
    http: &reqwest::Client,
    base: &str,
    token: String,
    i: usize,
    messages: usize,
    resends: &AtomicUsize,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(300);
    let conversation = loop {
        let created = async {
            let response = http
                .post(format!("{base}/chat/conversations"))
                .bearer_auth(&token)
                .json(&json!({}))
                .send()
                .await?
                .error_for_status()?;
            let body: serde_json::Value = response.json().await?;
            body["id"].as_str().map(str::to_owned).context("no id")
        };
        match created.await {
            Ok(id) => break id,
            Err(e) if Instant::now() > deadline => return Err(e),
            Err(_) => tokio::time::sleep(Duration::from_millis(300)).await,
        }
    };
    for m in 0..messages {
        let body = json!({"text": QUESTIONS[(i + m) % QUESTIONS.len()],
            "client_id": format!("fault-{i}-{m}")});
        loop {
            let answered = async {
                let text = http
                    .post(format!("{base}/chat/conversations/{conversation}/messages"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await?
                    .error_for_status()?
                    .text()
                    .await?;
                anyhow::Ok(text.contains("event: done"))
            };
            if matches!(answered.await, Ok(true)) {
                break;
            }
            ensure!(
                Instant::now() < deadline,
                "shopper {i}: message {m} never answered"
            );
            resends.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        // A shopper reads the answer before writing again.
        tokio::time::sleep(Duration::from_millis(500 + (i as u64 * 37) % 1000)).await;
    }
    Ok(())
}

/// Waits until the node at `address` answers `/readyz`.
async fn ready(
    http: &reqwest::Client,
    address: SocketAddr,
    within: Duration,
) -> anyhow::Result<()> {
    super::client::ready(http, &format!("http://{address}"), within).await
}

/// A TCP load balancer: each connection goes to the next node that accepts it, so a dead
/// node's share moves to the living one, as behind any health-checking balancer.
async fn balance(listener: TcpListener, nodes: Vec<SocketAddr>) {
    let next = Arc::new(AtomicUsize::new(0));
    while let Ok((mut inbound, _)) = listener.accept().await {
        let (nodes, first) = (nodes.clone(), next.fetch_add(1, Ordering::Relaxed));
        tokio::spawn(async move {
            for k in 0..nodes.len() {
                if let Ok(mut outbound) = TcpStream::connect(nodes[(first + k) % nodes.len()]).await
                {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    return;
                }
            }
        });
    }
}

fn free_address() -> anyhow::Result<SocketAddr> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}
