//! `concierge eval chat FILE`: every case of a JSONL file (format in `evals/chat/README.md`)
//! through the real engine — the configured responder (hosted models, else the local one),
//! the tool host over the Shopify simulator's demo store, synced into a scratch database —
//! scored on the first tool called, the answer's facts, and latency.
//!
//! The cases' `history` is stored as the conversation's earlier messages and
//! `logged_in_customer` (an email) becomes the verified customer id, exactly as the app proxy
//! would vouch for it, and `page` is the page the widget reports; nothing about a case reaches
//! the engine any other way.

use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::PgPool;
use uuid::Uuid;

use crate::chat::engine::{TurnJob, run_turn};
use crate::chat::page::Page;
use crate::chat::store;
use crate::chat::visitor::Visitor;
use crate::config::{Config, ShopifyConfig};
use crate::dev::demo::DEMO_SHOP;
use crate::shopify::ShopDomain;
use crate::state::AppState;

/// One case.
#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    pub id: String,
    pub message: String,
    #[serde(default)]
    pub history: Vec<HistoryTurn>,
    /// The logged-in customer's email.
    #[serde(default)]
    pub logged_in_customer: Option<String>,
    pub expect_tool: Option<String>,
    #[serde(default)]
    pub expect_args: Map<String, Value>,
    #[serde(default)]
    pub must_contain: Vec<String>,
    #[serde(default)]
    pub must_not_contain: Vec<String>,
    /// The storefront page the widget reports with the message (a product page: "is this in XL?").
    #[serde(default)]
    pub page: Option<Page>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct HistoryTurn {
    pub role: String,
    pub text: String,
}

/// Reads a JSONL file of cases; the error names the bad line.
pub fn load(path: &Path) -> anyhow::Result<Vec<Case>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| {
            serde_json::from_str(line)
                .with_context(|| format!("{}:{}: not a chat eval case", path.display(), n + 1))
        })
        .collect()
}

impl Case {
    /// Whether `first` (the first tool called, with its arguments) is what the case expects.
    pub fn routed(&self, first: Option<(&str, &Value)>) -> bool {
        match (&self.expect_tool, first) {
            (None, None) => true,
            (Some(expected), Some((name, arguments))) => {
                expected == name && contains(&self.expect_args, arguments)
            }
            _ => false,
        }
    }

    /// Whether the answer states every `must_contain` and none of `must_not_contain`
    /// (case-insensitive); `None` when the case checks neither.
    pub fn answer_ok(&self, answer: &str) -> Option<bool> {
        if self.must_contain.is_empty() && self.must_not_contain.is_empty() {
            return None;
        }
        let answer = answer.to_lowercase();
        Some(
            self.must_contain
                .iter()
                .all(|f| answer.contains(&f.to_lowercase()))
                && !self
                    .must_not_contain
                    .iter()
                    .any(|f| answer.contains(&f.to_lowercase())),
        )
    }
}

/// Whether `actual` holds every expected argument: numbers as numbers, strings equal
/// ignoring case and surrounding space, anything else exactly.
pub fn contains(expected: &Map<String, Value>, actual: &Value) -> bool {
    expected.iter().all(|(key, want)| {
        let Some(got) = actual.get(key) else {
            return false;
        };
        match (want, got) {
            (Value::Number(w), Value::Number(g)) => w.as_f64() == g.as_f64(),
            (Value::String(w), Value::String(g)) => w.trim().eq_ignore_ascii_case(g.trim()),
            _ => want == got,
        }
    })
}

/// What one case did; `--json` prints `id`, `routed`, `answer_ok`, `first_tool` and
/// `writes` of each (the rest is for the table and the tests).
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub id: String,
    pub routed: bool,
    pub answer_ok: Option<bool>,
    pub first_tool: Option<String>,
    #[serde(skip)]
    pub first_arguments: Option<Value>,
    /// Write tools that ran successfully (an action offered to the shopper).
    pub writes: Vec<String>,
    #[serde(skip)]
    pub answer: String,
    pub latency_ms: f64,
    /// Of the latency, how long calls waited for the shop's Admin API bucket.
    pub paced_ms: f64,
    /// What every tool returned (what the model read), for leak checks.
    #[serde(skip)]
    pub tool_results: Vec<Value>,
}

/// `--json` prints this as one object, the cases under `per_case`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub cases: usize,
    pub routing_accuracy: f64,
    /// Of the cases with `must_contain` / `must_not_contain`, the share that passed.
    pub answer_checks_passed: f64,
    /// How many cases have answer checks.
    pub answer_checks: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    /// The same, less the time calls waited for the shop's Admin API bucket: the cases run
    /// back to back, several turns a second on one shop, far above what a store's plan pays
    /// for, and that wait is Shopify's rate limit rather than the turn's own time.
    pub unpaced_p50_ms: f64,
    pub unpaced_p95_ms: f64,
    /// Turns that waited for the bucket at all.
    pub paced_turns: usize,
    pub responder: String,
    #[serde(rename = "per_case")]
    pub outcomes: Vec<Outcome>,
}

impl Report {
    fn of(outcomes: Vec<Outcome>, responder: &str) -> Self {
        let cases = outcomes.len();
        let routed = outcomes.iter().filter(|o| o.routed).count();
        let checked: Vec<bool> = outcomes.iter().filter_map(|o| o.answer_ok).collect();
        let mut latencies: Vec<f64> = outcomes.iter().map(|o| o.latency_ms).collect();
        latencies.sort_by(f64::total_cmp);
        let mut unpaced: Vec<f64> = outcomes.iter().map(|o| o.latency_ms - o.paced_ms).collect();
        unpaced.sort_by(f64::total_cmp);
        let ratio = |n: usize, of: usize| if of == 0 { 0.0 } else { n as f64 / of as f64 };
        Self {
            cases,
            routing_accuracy: ratio(routed, cases),
            answer_checks_passed: ratio(checked.iter().filter(|ok| **ok).count(), checked.len()),
            answer_checks: checked.len(),
            p50_ms: super::percentile(&latencies, 0.50),
            p95_ms: super::percentile(&latencies, 0.95),
            unpaced_p50_ms: super::percentile(&unpaced, 0.50),
            unpaced_p95_ms: super::percentile(&unpaced, 0.95),
            paced_turns: outcomes.iter().filter(|o| o.paced_ms > 0.0).count(),
            responder: responder.to_owned(),
            outcomes,
        }
    }

    /// Routing and answer checks per language (the id's prefix), one line each.
    pub fn by_language(&self) -> String {
        let mut langs: Vec<&str> = self
            .outcomes
            .iter()
            .map(|o| o.id.split('-').next().unwrap_or("?"))
            .collect();
        langs.sort_unstable();
        langs.dedup();
        let mut out = String::from("lang  cases  routing  answers\n");
        for lang in langs {
            let of: Vec<&Outcome> = self
                .outcomes
                .iter()
                .filter(|o| o.id.split('-').next() == Some(lang))
                .collect();
            let routed = of.iter().filter(|o| o.routed).count();
            let checked: Vec<bool> = of.iter().filter_map(|o| o.answer_ok).collect();
            let passed = checked.iter().filter(|ok| **ok).count();
            let answers = if checked.is_empty() {
                "-".to_owned()
            } else {
                format!(
                    "{:.2} ({passed}/{})",
                    passed as f64 / checked.len() as f64,
                    checked.len()
                )
            };
            out.push_str(&format!(
                "{lang:<5} {:>5}  {:>7.2}  {answers}\n",
                of.len(),
                routed as f64 / of.len() as f64
            ));
        }
        out
    }

    /// The figures and every case that missed.
    pub fn table(&self) -> String {
        let mut out = String::new();
        for o in self
            .outcomes
            .iter()
            .filter(|o| !o.routed || o.answer_ok == Some(false))
        {
            let first = o.first_tool.as_deref().unwrap_or("(none)");
            let args = o
                .first_arguments
                .as_ref()
                .map(Value::to_string)
                .unwrap_or_default();
            let what = if o.routed { "answer" } else { "routing" };
            let answer: String = o.answer.chars().take(400).collect();
            out.push_str(&format!(
                "miss {:<18} {what:<8} {first} {args}\n    {answer}\n",
                o.id
            ));
        }
        out.push_str(&format!("\n{}", self.by_language()));
        out.push_str(&format!(
            "\nresponder            {}\ncases                {}\nrouting accuracy     {:.3}\nanswer checks passed {:.3} (of {})\nlatency p50 / p95    {:.0} / {:.0} ms\nless rate-limit wait {:.0} / {:.0} ms ({} turns waited for the shop's API bucket)\n",
            self.responder,
            self.cases,
            self.routing_accuracy,
            self.answer_checks_passed,
            self.answer_checks,
            self.p50_ms,
            self.p95_ms,
            self.unpaced_p50_ms,
            self.unpaced_p95_ms,
            self.paced_turns,
        ));
        out
    }
}

/// Runs `cases` against the demo store (see the module docs).
pub async fn run(config: Config, cases: &[Case], keep: bool) -> anyhow::Result<Report> {
    let (db, _, scratch) = crate::db::scratch_database(&config, "eval").await?;
    let result = evaluate(config, db.clone(), cases).await;
    db.close().await;
    if keep {
        eprintln!("kept database {}", scratch.keep().await?);
    } else {
        scratch.finish().await?;
    }
    result
}

async fn evaluate(config: Config, db: PgPool, cases: &[Case]) -> anyhow::Result<Report> {
    // Loaded before the clock starts, as `serve` loads it at start.
    if let Err(error) = tokio::task::spawn_blocking(local_responder::prepare).await? {
        eprintln!("warning: {error}");
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let app_url = format!("http://{}", listener.local_addr()?);
    let store = shopify_sim::store::Store::demo()?;
    let customers: Vec<(String, String)> = store
        .shop(DEMO_SHOP)
        .context("the demo store has no demo shop")?
        .customers()
        .iter()
        .filter_map(|c| {
            let email = c["email"].as_str()?.to_lowercase();
            let id = shopify_sim::store::gid_number(c["id"].as_str()?)?;
            Some((email, id.to_string()))
        })
        .collect();
    let sim = shopify_sim::Simulator::start(
        shopify_sim::SimConfig::new(
            ShopifyConfig::DEMO_API_KEY,
            ShopifyConfig::DEMO_API_SECRET,
            &app_url,
        ),
        store,
    )
    .await
    .context("while starting the Shopify simulator")?;
    let shopify = ShopifyConfig::demo(app_url.clone(), sim.shop_url_template());
    let keyring = crate::crypto::Keyring::parse(&secrecy::SecretString::from(
        crate::crypto::Keyring::generate_entry("eval"),
    ))?;
    let grace = config.shutdown_grace;
    let state = crate::state::AppState::build(db.clone(), config, shopify, keyring).await?;
    let shutdown = tokio_util::sync::CancellationToken::new();
    let worker = tokio::spawn(crate::jobs::run_worker(
        state.clone(),
        shutdown.clone(),
        grace,
    ));
    let web = tokio::spawn(crate::launch(listener, state.clone(), shutdown.clone()));
    let result = async {
        shopify_sim::install::install_as_merchant(&app_url, DEMO_SHOP)
            .await
            .context("while installing the demo shop")?;
        let shop_id = sqlx::query_scalar!("SELECT id FROM shops WHERE domain = $1", DEMO_SHOP)
            .fetch_one(&db)
            .await?;
        crate::dev::demo::first_sync(&db, shop_id).await?;
        let mut outcomes = Vec::with_capacity(cases.len());
        for case in cases {
            let customer = match &case.logged_in_customer {
                Some(email) => Some(
                    customers
                        .iter()
                        .find(|(e, _)| *e == email.to_lowercase())
                        .map(|(_, id)| id.clone())
                        .with_context(|| format!("{}: no demo customer {email}", case.id))?,
                ),
                None => None,
            };
            outcomes.push(
                one(&state, shop_id, customer, case)
                    .await
                    .with_context(|| format!("case {}", case.id))?,
            );
        }
        anyhow::Ok(Report::of(outcomes, state.chat.responder_name()))
    }
    .await;
    shutdown.cancel();
    let _ = web.await;
    let _ = worker.await;
    drop(sim);
    result
}

/// One case as a fresh conversation; the turn runs to its end in this task.
async fn one(
    state: &AppState,
    shop_id: i64,
    customer_id: Option<String>,
    case: &Case,
) -> anyhow::Result<Outcome> {
    let visitor = Visitor {
        shop_id,
        shop: ShopDomain::parse(DEMO_SHOP)?,
        visitor_id: Uuid::new_v4(),
        customer_id,
        playground: false,
    };
    let conversation = store::create(&state.db, &visitor, None, None).await?;
    for turn in &case.history {
        let role = if turn.role == "assistant" {
            store::Role::Assistant
        } else {
            store::Role::Shopper
        };
        store::append(&state.db, shop_id, conversation.id, role, &turn.text).await?;
    }
    let (started, paced) = (std::time::Instant::now(), state.admin.paced());
    let turn = answer_turn(state, &visitor, conversation.id, &case.message, case).await?;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let paced_ms = (state.admin.paced() - paced).as_secs_f64() * 1000.0;
    let calls: Vec<(String, Value, String, String, Option<Value>)> = sqlx::query!(
        "SELECT tool, arguments, outcome, risk, result FROM tool_calls
         WHERE shop_id = $1 AND turn_id = $2 ORDER BY id",
        shop_id,
        turn,
    )
    .fetch_all(&state.db)
    .await?
    .into_iter()
    .map(|c| (c.tool, c.arguments, c.outcome, c.risk, c.result))
    .collect();
    // An anonymous order look-up is proved by the one-time code mailed to the order's email:
    // the shopper reads it there and types it back, as a second message; the answer checked
    // is the one to the code. (No SMTP server here: the mail waits in the outbox.)
    let code_sent = calls
        .iter()
        .any(|(.., result)| result.as_ref().is_some_and(|r| r["status"] == "code_sent"));
    let answered = match code_sent {
        true => match mailed_code(state, shop_id, &case.message).await? {
            Some(code) => answer_turn(state, &visitor, conversation.id, &code, case).await?,
            None => turn,
        },
        false => turn,
    };
    let answer = sqlx::query_scalar!(
        "SELECT m.content FROM turns t JOIN messages m ON m.shop_id = t.shop_id AND m.id = t.answer_id
         WHERE t.shop_id = $1 AND t.id = $2",
        shop_id,
        answered,
    )
    .fetch_optional(&state.db)
    .await?;
    let answer = answer.unwrap_or_default();
    let first = calls.first();
    Ok(Outcome {
        id: case.id.clone(),
        routed: case.routed(first.map(|(name, args, ..)| (name.as_str(), args))),
        answer_ok: case.answer_ok(&answer),
        first_tool: first.map(|(name, ..)| name.clone()),
        first_arguments: first.map(|(_, args, ..)| args.clone()),
        writes: calls
            .iter()
            .filter(|(_, _, outcome, risk, _)| risk == "write" && outcome == "ok")
            .map(|(name, ..)| name.clone())
            .collect(),
        tool_results: calls
            .iter()
            .filter_map(|(.., result)| result.clone())
            .collect(),
        answer,
        latency_ms,
        paced_ms,
    })
}

/// Sends `message` in the conversation and answers it to the end; the turn's id.
async fn answer_turn(
    state: &AppState,
    visitor: &Visitor,
    conversation_id: Uuid,
    message: &str,
    case: &Case,
) -> anyhow::Result<i64> {
    let text = crate::chat::redact::redact(message);
    let accepted = store::accept(
        &state.db,
        visitor,
        conversation_id,
        store::Incoming {
            text: &text,
            ..store::Incoming::default()
        },
        state.chat.responder_name(),
    )
    .await?
    .context("the conversation vanished")?;
    let turn = accepted
        .turn
        .context("the assistant does not own the conversation")?;
    let channel = state.chat.hub.channel(visitor.shop_id, conversation_id);
    run_turn(
        state.chat_services(),
        TurnJob {
            shop_id: visitor.shop_id,
            shop: visitor.shop.clone(),
            conversation_id,
            turn_id: turn.id,
            question: accepted.message,
            page: case.page.clone(),
        },
        channel,
    )
    .await;
    Ok(turn.id)
}

/// The one-time code last mailed to an email address in `message` (the shopper's own inbox).
async fn mailed_code(
    state: &AppState,
    shop_id: i64,
    message: &str,
) -> anyhow::Result<Option<String>> {
    let Some(email) = message
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '<' | '>'))
        .map(|w| w.trim_end_matches(['.', '!', '?']))
        .find(|w| w.contains('@'))
    else {
        return Ok(None);
    };
    let body = sqlx::query_scalar!(
        "SELECT body FROM mail_outbox WHERE shop_id = $1 AND lower(recipient) = lower($2)
         ORDER BY id DESC LIMIT 1",
        shop_id,
        email,
    )
    .fetch_optional(&state.db)
    .await?;
    Ok(body.and_then(|body| {
        body.split(|c: char| !c.is_ascii_digit())
            .find(|w| w.len() == 6)
            .map(str::to_owned)
    }))
}
