//! One shopper turn, from the stored question to the stored answer: the prompt from the shop's
//! settings and the conversation, the tool loop over the hosted models (falling back to the
//! local responder), every event forwarded to the conversation's live channel as it happens,
//! and the answer, the turn's figures and its tool calls stored together at the end.
//!
//! A turn runs in its own task, not in the request that asked for it: a shopper whose
//! connection drops still gets the answer stored, and reconnects to the rest of the stream.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use serde_json::{Value, json};
use tokio_util::task::TaskTracker;
use uuid::Uuid;

use super::events::{ChatEvent, Citation};
use super::handoff_rule::ForcedHandoff;
use super::host::StoreTools;
use super::hub::{Channel, Hub};
use super::model::ShopModels;
use super::page::Page;
use super::rate::{Limiter, Rate};
use super::settings::ShopSettings;
use super::store::{self, AuditedCall, Finished, StoredMessage};
use super::{Services, prompt, redact};
use crate::config::ChatConfig;
use crate::shopify::ShopDomain;
use llm::{
    ChatModel, ChatModels, Fallback, FallbackPolicy, Limits, LoopOutcome, Message, ModelError,
    ModelEvent, ModelRequest, PriceTable, Stop, ToolOutput, ToolSpec, run_tool_loop,
};
use local_responder::LocalResponder;
use tools::{Shown as ToolShown, TurnContext};

/// The chat engine's process-wide parts (in the app's state).
pub struct Chat {
    /// The configured hosted models, then the local responder, as one fallback chain.
    responder: Fallback,
    /// Shops' own endpoints (chosen in the admin), each then the local responder.
    pub shop_models: ShopModels,
    local: Arc<dyn ChatModel>,
    prices: PriceTable,
    pub limits: Limits,
    /// Live conversations, delivered across every node.
    pub hub: Hub,
    /// Running turns, so that shutdown can let them finish.
    pub tasks: TaskTracker,
    /// Messages per visitor, per network address (in a shop) and per shop, on every node.
    pub visitor_rate: Limiter,
    pub address_rate: Limiter,
    pub shop_rate: Limiter,
}

impl Chat {
    /// The engine over `db`, which carries live events and rate limits between nodes.
    pub fn new(config: &ChatConfig, db: sqlx::PgPool) -> Result<Self, ModelError> {
        let local: Arc<dyn ChatModel> = Arc::new(LocalResponder::new());
        let pool = ChatModels::new(FallbackPolicy::default());
        let responder = if !config.endpoints.is_empty() {
            pool.chain(&config.endpoints)?.then(local.clone())
        } else {
            Fallback::only(local.clone())
        };
        Ok(Self {
            responder,
            shop_models: ShopModels::new(pool, local.clone()),
            local,
            prices: config.prices.clone(),
            limits: Limits {
                per_turn_timeout: config.turn_timeout,
                ..Limits::default()
            },
            hub: Hub::new(db),
            tasks: TaskTracker::new(),
            visitor_rate: Limiter::new(
                "visitor",
                Rate {
                    per_minute: config.visitor_per_minute,
                    burst: config.visitor_per_minute,
                },
            ),
            address_rate: Limiter::new(
                "address",
                Rate {
                    per_minute: config.address_per_minute,
                    burst: config.address_per_minute,
                },
            ),
            shop_rate: Limiter::new(
                "shop",
                Rate {
                    per_minute: config.shop_per_minute,
                    burst: config.shop_per_minute,
                },
            ),
        })
    }

    /// What `turns.responder` records: the first model asked.
    pub fn responder_name(&self) -> &'static str {
        if self.responder.endpoints().next().is_some() {
            "hosted"
        } else {
            "local"
        }
    }

    /// The hosted chain, then the local responder when it fails before saying anything.
    pub fn responder(&self) -> &Fallback {
        &self.responder
    }
}

/// The tools as the model is offered them, less those the shop switched off.
pub fn model_tools(off: &[&str]) -> Vec<ToolSpec> {
    tools::specs()
        .into_iter()
        .filter(|spec| !off.contains(&spec.name))
        .map(|spec| ToolSpec {
            name: spec.name.to_owned(),
            description: spec.description.to_owned(),
            parameters: spec.parameters,
        })
        .collect()
}

/// A stored question to answer.
#[derive(Debug, Clone)]
pub struct TurnJob {
    pub shop_id: i64,
    pub shop: ShopDomain,
    pub conversation_id: Uuid,
    pub turn_id: i64,
    pub question: StoredMessage,
    /// The storefront page the question was written from.
    pub page: Option<Page>,
}

/// Starts answering in the background; events go to the conversation's `channel`.
pub fn spawn_turn(state: &Services, job: TurnJob, channel: Arc<Channel>) {
    let task_state = state.clone();
    // Marked before the task starts, so that a resend arriving meanwhile follows it.
    let answering = channel.answering(job.turn_id);
    // The turn's lease is stamped for as long as it runs (`store::abandoned`).
    let lease = super::store::hold_lease(state.db.clone(), job.shop_id, job.turn_id);
    state.chat.tasks.spawn(async move {
        tokio::select! {
            () = run_turn(task_state, job, channel) => {}
            () = lease => {}
        }
        drop(answering);
    });
}

/// Answers `job` to the end, pushing its events to `channel` (the eval awaits it directly).
#[tracing::instrument(skip_all, fields(shop = %job.shop, turn = job.turn_id))]
pub async fn run_turn(state: Services, job: TurnJob, channel: Arc<Channel>) {
    // One answer at a time per conversation: the next question reads this one's answer.
    let _turn = channel.turn.lock().await;
    channel.push(ChatEvent::Turn {
        turn_id: job.turn_id,
        question_id: job.question.id,
    });
    let started = Instant::now();
    if let Err(error) = answer(&state, &job, &channel, started).await {
        tracing::error!(error = ?error, "turn failed");
        let failed = Finished {
            failed: Some("internal error".into()),
            ..finished(&job, started)
        };
        if let Err(error) = store::finish(&state.db, &failed).await {
            tracing::error!(%error, "could not record the failed turn");
        }
        channel.push(ChatEvent::Error {
            code: "internal".into(),
            message: "Sorry, something went wrong on our side. Please send your message again."
                .into(),
            retry: true,
        });
    }
}

fn finished(job: &TurnJob, started: Instant) -> Finished {
    Finished {
        shop_id: job.shop_id,
        conversation_id: job.conversation_id,
        turn_id: job.turn_id,
        answer: None,
        failed: None,
        model: None,
        prompt_tokens: 0,
        completion_tokens: 0,
        cost_usd: None,
        latency_ms: millis(started),
        first_token_ms: None,
        calls: Vec::new(),
    }
}

fn millis(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// What the models and tools made of a question, before anything is stored.
struct Composed {
    outcome: LoopOutcome,
    shown: Shown,
    first_text: Option<u64>,
}

/// For whom [`compose`] runs: a shopper's turn, or an agent's draft (which never hands off).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Turn,
    Draft,
}

/// Runs the prompt, history and page note through the shop's responder and the tools, each
/// event handed to `push` as it happens.
async fn compose(
    state: &Services,
    job: &TurnJob,
    started: Instant,
    purpose: Purpose,
    push: &mut (dyn FnMut(ChatEvent) + Send),
) -> anyhow::Result<Composed> {
    let (settings, conversation, history) = tokio::try_join!(
        ShopSettings::load(&state.db, job.shop_id),
        store::load(&state.db, job.shop_id, job.conversation_id),
        store::messages(
            &state.db,
            job.shop_id,
            job.conversation_id,
            Some(job.question.id),
            prompt::HISTORY_MESSAGES,
        ),
    )
    .context("while loading the conversation")?;
    let conversation = conversation.context("the conversation is gone")?;
    let mut messages = vec![Message::system(prompt::system(
        &settings,
        job.shop.as_str(),
        &conversation,
    ))];
    messages.extend(prompt::history(&history));
    if let Some(page) = &job.page {
        // Just before the question (the history ends with it): what "this" means now.
        let note = page.note(&state.db, job.shop_id).await?;
        let at = messages.len().saturating_sub(1).max(1);
        messages.insert(at, Message::page_note(&note));
    }
    let mut off = settings.tools_off();
    if purpose == Purpose::Draft {
        // A person is already there: a draft never hands the conversation off.
        off.push("handoff_to_human");
    }
    let request = ModelRequest {
        messages,
        tools: model_tools(&off),
        temperature: None,
    };
    let responder = match purpose {
        Purpose::Turn => responder(state, job, &settings).await,
        Purpose::Draft => shop_chain(state, job, &settings).await,
    };
    // The turn's authority, from verified sources only: the shop and the conversation the
    // visitor token and the stored question name, the customer the app proxy vouched for, and
    // the shopper's own words for a cart action.
    let host = StoreTools::new(
        state.clone(),
        job.shop.clone(),
        job.conversation_id,
        TurnContext {
            shopper: tools::Shopper {
                shop_id: job.shop_id,
                customer_id: conversation.customer_id.clone(),
                verification_failures: conversation.verification_failures,
            },
            write_allowed: tools::wants_cart(&job.question.text),
        },
    );
    let mut shown = Shown::default();
    let mut first_text = None;
    let mut sink = |event: ModelEvent| {
        if first_text.is_none() && matches!(event, ModelEvent::TextDelta(_)) {
            first_text = Some(millis(started));
        }
        for event in shown.events(event) {
            push(event);
        }
    };
    let outcome = run_tool_loop(
        &responder,
        request,
        &host,
        state.chat.limits,
        &state.chat.prices,
        &mut sink,
    )
    .await;
    Ok(Composed {
        outcome,
        shown,
        first_text,
    })
}

async fn answer(
    state: &Services,
    job: &TurnJob,
    channel: &Channel,
    started: Instant,
) -> anyhow::Result<()> {
    let hub = &state.chat.hub;
    let mut push = |event: ChatEvent| {
        if matches!(event, ChatEvent::Handoff { .. }) {
            // The agents' inbox sees the new handoff at once.
            hub.channel(job.shop_id, Uuid::nil())
                .push(ChatEvent::InboxUpdate {
                    conversation_id: job.conversation_id,
                    reason: "handoff".into(),
                    owner: store::Owner::Human,
                    assignee: None,
                });
        }
        channel.push(event);
    };
    let Composed {
        outcome,
        shown,
        first_text,
    } = compose(state, job, started, Purpose::Turn, &mut push).await?;
    let (failure, retry) = match &outcome.stop {
        Stop::Answered => (None, false),
        Stop::MaxSteps => (
            Some("the assistant needed too many steps".to_owned()),
            false,
        ),
        Stop::Deadline => (Some("the answer took too long".to_owned()), true),
        Stop::Failed(error) => {
            tracing::warn!(%error, "the chat model failed mid-answer");
            (Some("the chat model failed".to_owned()), true)
        }
    };
    let text = redact::redact(&outcome.text).into_owned();
    let citations = shown.citations();
    let mut attachments = shown.attachments.clone();
    if !citations.is_empty() {
        attachments.push(json!({ "type": "citations", "citations": citations }));
    }
    let done = Finished {
        answer: (!text.is_empty()).then(|| (text.clone(), Value::Array(attachments))),
        failed: failure.clone(),
        model: outcome.steps.last().map(|s| s.model.clone()),
        prompt_tokens: outcome.usage.prompt_tokens,
        completion_tokens: outcome.usage.completion_tokens,
        cost_usd: outcome.cost_usd,
        first_token_ms: first_text,
        calls: audit(&outcome),
        ..finished(job, started)
    };
    let message_id = store::finish(&state.db, &done)
        .await
        .context("while storing the answer")?;
    match (failure, message_id) {
        (None, Some(message_id)) => {
            hub.channel(job.shop_id, Uuid::nil())
                .push(ChatEvent::InboxMessage {
                    conversation_id: job.conversation_id,
                    entry: super::events::Entry {
                        id: message_id,
                        role: "assistant".into(),
                        text: text.clone(),
                        agent: None,
                        created_at: chrono::Utc::now(),
                        tool_calls: Vec::new(),
                        attachments: Vec::new(),
                    },
                });
            channel.push(ChatEvent::Done {
                turn_id: job.turn_id,
                message_id,
                text,
                citations,
            })
        }
        (failure, _) => channel.push(ChatEvent::Error {
            code: "unanswered".into(),
            message: failure.unwrap_or_else(|| "no answer".into()),
            retry,
        }),
    };
    Ok(())
}

/// Who answers this turn: the handoff rule when the question names one of the shop's
/// keywords, else the shop's own model chain, else the app's.
async fn responder(state: &Services, job: &TurnJob, settings: &ShopSettings) -> Fallback {
    if let Some(keyword) = settings.handoff.forced_by(&job.question.text) {
        let rule = ForcedHandoff::new(keyword, state.chat.local.clone());
        return Fallback::only(Arc::new(rule));
    }
    shop_chain(state, job, settings).await
}

/// The shop's own model chain, else the app's.
async fn shop_chain(state: &Services, job: &TurnJob, settings: &ShopSettings) -> Fallback {
    let own = state
        .chat
        .shop_models
        .chain(
            &state.db,
            &state.keyring,
            job.shop_id,
            &job.shop,
            &settings.model,
        )
        .await
        // The shopper is still answered, by the app's own chain.
        .inspect_err(|error| tracing::error!(error = ?error, "the shop's chat model is unusable"))
        .ok()
        .flatten();
    own.unwrap_or_else(|| state.chat.responder().clone())
}

/// A reply an agent may edit and send: what the assistant would answer now.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub text: String,
    /// What it draws on (knowledge, products, orders), as an answer cites them.
    pub sources: Vec<Citation>,
}

/// Drafts an answer to the conversation's open question (see [`open_question`]) with the same
/// prompt, retrieval and tools as a turn (the shop's models, the tools it allows, less the
/// handoff) and the page the shopper asked it from, and stores and shows nothing: no message,
/// no turn, no event on any stream. `None` when the shopper has said nothing yet.
pub async fn draft(
    state: &Services,
    shop_id: i64,
    shop: ShopDomain,
    conversation_id: Uuid,
) -> anyhow::Result<Option<Draft>> {
    let history = store::messages(&state.db, shop_id, conversation_id, None, 200).await?;
    let Some(question) = open_question(history) else {
        return Ok(None);
    };
    let page = sqlx::query_scalar!(
        "SELECT page FROM messages
         WHERE shop_id = $1 AND conversation_id = $2 AND id <= $3 AND page IS NOT NULL
         ORDER BY id DESC LIMIT 1",
        shop_id,
        conversation_id,
        question.id,
    )
    .fetch_optional(&state.db)
    .await?
    .flatten()
    .and_then(|page| serde_json::from_value::<Page>(page).ok());
    let job = TurnJob {
        shop_id,
        shop,
        conversation_id,
        // A draft is no turn.
        turn_id: 0,
        question,
        page,
    };
    let composed = compose(state, &job, Instant::now(), Purpose::Draft, &mut |_| {}).await?;
    let sources = composed.shown.citations();
    Ok(Some(Draft {
        text: redact::redact(&without_source_lines(&composed.outcome.text, &sources)).into_owned(),
        sources,
    }))
}

/// The answer without the lines that cite its sources ("Source: Shipping & Delivery (https://
/// …)"): the inbox shows the sources beside the draft, and a reply is the agent's words, not
/// a list of links to paste to the shopper.
fn without_source_lines(text: &str, sources: &[crate::chat::events::Citation]) -> String {
    let cites = |line: &str| {
        sources.iter().any(|s| {
            s.url.as_deref().is_some_and(|url| line.contains(url))
                || line.trim_end().ends_with(&format!(": {}", s.title))
        })
    };
    let kept: Vec<&str> = text.lines().filter(|line| !cites(line)).collect();
    kept.join("\n").trim_end().to_owned()
}

/// What an agent's draft answers: the shopper's latest message that asks something of its
/// own, else their latest. After a handoff the latest is usually "can I talk to a person?"
/// or "thanks", which the agent has no need of a draft for; the question that brought the
/// shopper there is the one to answer.
fn open_question(history: Vec<StoredMessage>) -> Option<StoredMessage> {
    let mut shoppers: Vec<StoredMessage> = history
        .into_iter()
        .filter(|m| m.role == store::Role::Shopper)
        .collect();
    let asking = shoppers.iter().rposition(|m| asks_something(&m.text));
    match asking {
        Some(at) => Some(shoppers.swap_remove(at)),
        None => shoppers.pop(),
    }
}

/// Whether a shopper's message, read alone as the local responder reads it, asks something:
/// not a request for a person, a greeting or thanks.
fn asks_something(text: &str) -> bool {
    use local_responder::{Reply, Route};
    match local_responder::route(&[Message::user(text)]) {
        Route::Call { name, .. } => name != "handoff_to_human",
        Route::Reply(reply) => !matches!(reply, Reply::Greeting | Reply::Thanks),
    }
}

/// The tool calls of a turn for the audit trail.
fn audit(outcome: &LoopOutcome) -> Vec<AuditedCall> {
    outcome
        .steps
        .iter()
        .flat_map(|step| &step.tools)
        .map(|run| AuditedCall {
            tool: run.call.name.clone(),
            risk: match tools::spec(&run.call.name).map(|s| s.risk) {
                Some(tools::Risk::Write) => "write",
                _ => "read",
            },
            // Kept redacted, like the messages: a model may copy a card number into them.
            arguments: redact::redact_json(
                &serde_json::from_str(&run.call.arguments)
                    .unwrap_or_else(|_| json!({ "unparsed": run.call.arguments })),
            ),
            outcome: run.output.outcome.as_str(),
            result: run.output.content.clone(),
            duration_ms: i32::try_from(run.elapsed.as_millis()).unwrap_or(i32::MAX),
        })
        .collect()
}

/// What the shopper is shown of a turn besides its text: tool activity, product cards,
/// actions, the handoff, and the sources the answer drew on.
#[derive(Default)]
struct Shown {
    attachments: Vec<Value>,
    citations: Vec<Citation>,
}

impl Shown {
    fn events(&mut self, event: ModelEvent) -> Vec<ChatEvent> {
        match event {
            ModelEvent::TextDelta(text) => vec![ChatEvent::Delta { text }],
            ModelEvent::ToolCallStarted { name, .. } => vec![ChatEvent::Tool {
                name,
                status: "started".into(),
            }],
            ModelEvent::ToolCallFinished { name, output, .. } => {
                let mut events = vec![ChatEvent::Tool {
                    name: name.clone(),
                    status: output.outcome.as_str().to_owned(),
                }];
                if !output.is_error {
                    events.extend(self.results(&output));
                }
                events
            }
        }
    }

    /// What the tool said the shopper is shown (`tools::Shown`, attached by the host as the
    /// output's payload), as the widget's event, with the sources it cites.
    fn results(&mut self, output: &ToolOutput) -> Option<ChatEvent> {
        let event = match output.payload.as_ref()?.get::<ToolShown>()? {
            ToolShown::Nothing => return None,
            ToolShown::Products(cards) => {
                self.cite(cards.iter().map(|p| (&p.title, Some(&p.url))));
                if cards.is_empty() {
                    return None;
                }
                ChatEvent::Products {
                    products: cards.clone(),
                }
            }
            ToolShown::Sources(sources) => {
                self.cite(sources.iter().map(|s| (&s.title, s.url.as_ref())));
                return None;
            }
            ToolShown::Action(action) => ChatEvent::Action {
                action: action.clone(),
            },
            ToolShown::Handoff(handoff) => ChatEvent::Handoff {
                agents_available: handoff.agents_available,
                email_needed: handoff.email_needed,
                next_open: handoff.next_open.clone(),
            },
        };
        self.attachments
            .push(serde_json::to_value(&event).unwrap_or_default());
        Some(event)
    }

    fn cite<'a>(&mut self, sources: impl IntoIterator<Item = (&'a String, Option<&'a String>)>) {
        for (title, url) in sources {
            let citation = Citation {
                title: title.clone(),
                url: url.cloned(),
            };
            if !self.citations.contains(&citation) {
                self.citations.push(citation);
            }
        }
    }

    fn citations(&self) -> Vec<Citation> {
        self.citations.iter().take(5).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use llm::Payload;
    use tools::io::ProductCard;

    use super::*;

    #[test]
    fn a_question_asks_something_and_a_request_for_a_person_or_thanks_does_not() {
        for question in ["What's your return policy?", "Is this available in XL?"] {
            assert!(asks_something(question), "{question}");
        }
        for aside in ["I want to talk to a real person please", "thanks!", "Hello"] {
            assert!(!asks_something(aside), "{aside}");
        }
    }

    #[test]
    fn a_draft_leaves_its_source_lines_to_the_list_beside_it() {
        let sources = [crate::chat::events::Citation {
            title: "Shipping & Delivery".into(),
            url: Some("https://shop.example/pages/shipping".into()),
        }];
        let text = "We ship to Canada in 5–8 business days.\nSource: Shipping & Delivery (https://shop.example/pages/shipping)";
        assert_eq!(
            without_source_lines(text, &sources),
            "We ship to Canada in 5–8 business days."
        );
        assert_eq!(
            without_source_lines("No sources here.", &[]),
            "No sources here."
        );
        // A sentence that ends with a source's title is the answer, not a citation.
        let faq = [crate::chat::events::Citation {
            title: "FAQ".into(),
            url: None,
        }];
        assert_eq!(
            without_source_lines("It's all in our FAQ\nSource: FAQ", &faq),
            "It's all in our FAQ"
        );
    }

    fn card(title: &str) -> ProductCard {
        ProductCard {
            id: format!("gid://shopify/Product/{}", title.len()),
            title: title.into(),
            handle: title.to_lowercase(),
            url: format!("https://shop.example/products/{}", title.to_lowercase()),
            image: None,
            price_min: 10.0,
            price_max: 10.0,
            currency: "USD".into(),
            available: true,
            summary: String::new(),
        }
    }

    fn finished(output: ToolOutput) -> ModelEvent {
        ModelEvent::ToolCallFinished {
            id: "call".into(),
            name: "any_tool".into(),
            output,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn what_a_tool_shows_comes_from_its_typed_payload_not_its_name_or_json() {
        let mut shown = Shown::default();
        let cards = vec![card("Mug"), card("Cap")];
        // The JSON says nothing the engine reads: the payload is what is shown.
        let output = ToolOutput::ok(json!({}))
            .with_payload(Payload::new(tools::Shown::Products(cards.clone())));
        let events = shown.events(finished(output));
        assert_eq!(
            events,
            [
                ChatEvent::Tool {
                    name: "any_tool".into(),
                    status: "ok".into()
                },
                ChatEvent::Products {
                    products: cards.clone()
                }
            ]
        );
        let sources = tools::Shown::Sources(vec![tools::Source {
            title: "Refund policy".into(),
            url: None,
        }]);
        let events = shown.events(finished(
            ToolOutput::ok(json!({})).with_payload(Payload::new(sources)),
        ));
        assert_eq!(events.len(), 1, "sources are cited, not shown");
        let titles: Vec<String> = shown.citations().into_iter().map(|c| c.title).collect();
        assert_eq!(titles, ["Mug", "Cap", "Refund policy"]);
        assert_eq!(shown.attachments.len(), 1);

        // No payload, or a failed call: only the tool's status.
        assert_eq!(shown.events(finished(ToolOutput::ok(json!({})))).len(), 1);
        assert_eq!(
            shown.events(finished(ToolOutput::error(
                "the store could not be reached"
            ))),
            [ChatEvent::Tool {
                name: "any_tool".into(),
                status: "error".into()
            }]
        );
    }
}
