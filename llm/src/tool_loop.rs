//! The bounded tool loop: ask the model, run the tools it calls, give it their results, and
//! ask again, until it answers in text or a limit is reached.
//!
//! The limits are what keep a confused model from running up cost and latency: at most
//! `max_steps` model calls, each tool under `per_tool_timeout`, and the whole turn under
//! `per_turn_timeout`. A tool's failure (a timeout, arguments that are not JSON, a tool that
//! does not exist) is not the loop's: it becomes a result the model reads, so it can try
//! again or say it cannot help.
//!
//! The loop returns a [`LoopOutcome`] whatever happened, never just an error, because the
//! caller must persist everything the turn did (messages, tool calls, tokens, cost) even
//! when the model failed half-way.

use std::any::Any;
use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::time::Instant;

use super::{
    ChatModel, EventSink, Message, ModelError, ModelEvent, ModelRequest, PriceTable, ToolCall,
    Usage,
};

/// What a tool returns: JSON for the model to read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolOutput {
    pub content: Value,
    /// The call failed; `content` says why (the model reads it as `{"error": ...}`).
    pub is_error: bool,
    /// How the call ended, for the audit trail.
    pub outcome: ToolOutcome,
    /// What the runner attached for the loop's caller; the model never reads it.
    #[serde(skip)]
    pub payload: Option<Payload>,
}

/// A typed value a [`ToolRunner`] hands the loop's caller with a result, through
/// [`ModelEvent::ToolCallFinished`](super::ModelEvent::ToolCallFinished) and [`ToolRun`].
///
/// Opaque, so that this crate learns nothing of what it carries: the chat engine's runner
/// attaches what the shopper is shown of a result (`tools::Shown`), and the engine reads it
/// back by type instead of parsing the model's JSON again by tool name. Riding on the output
/// keeps it with its call whatever order concurrent calls finish in, through timeouts and
/// the audit, which a side channel from the runner to the engine would have to rebuild.
#[derive(Clone)]
pub struct Payload(Arc<dyn Any + Send + Sync>);

impl Payload {
    pub fn new<T: Any + Send + Sync>(value: T) -> Self {
        Self(Arc::new(value))
    }

    /// The value, if it is a `T`.
    pub fn get<T: Any>(&self) -> Option<&T> {
        self.0.downcast_ref()
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Payload(..)")
    }
}

/// The same payload, not an equal one: what it holds need not be comparable.
impl PartialEq for Payload {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// How a tool call ended (the audit trail's `outcome`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolOutcome {
    Ok,
    /// The tool declined: the shopper is not entitled to it (an unproved order, a cart
    /// action nobody asked for).
    Refused,
    /// The call itself was wrong: no such tool, arguments that are not JSON or do not fit.
    Invalid,
    /// The tool failed (the store could not be reached, ...).
    Error,
    /// The tool did not answer in time.
    Timeout,
}

impl ToolOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Refused => "refused",
            Self::Invalid => "invalid",
            Self::Error => "error",
            Self::Timeout => "timeout",
        }
    }
}

impl ToolOutput {
    pub fn ok(content: Value) -> Self {
        Self {
            content,
            is_error: false,
            outcome: ToolOutcome::Ok,
            payload: None,
        }
    }

    /// The output with `payload` attached for the loop's caller.
    pub fn with_payload(self, payload: Payload) -> Self {
        Self {
            payload: Some(payload),
            ..self
        }
    }

    /// A failure the model should read, e.g. "the store could not be reached".
    pub fn error(message: impl Into<String>) -> Self {
        Self::failed(ToolOutcome::Error, message)
    }

    /// A refusal the model should read, e.g. "the shopper has not asked to add to the cart".
    pub fn refused(message: impl Into<String>) -> Self {
        Self::failed(ToolOutcome::Refused, message)
    }

    /// A call the model got wrong, e.g. "no product matches …" or bad arguments.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::failed(ToolOutcome::Invalid, message)
    }

    fn failed(outcome: ToolOutcome, message: impl Into<String>) -> Self {
        Self {
            content: json!({ "error": message.into() }),
            is_error: true,
            outcome,
            payload: None,
        }
    }
}

/// What [`ToolRunner::run`] returns: a boxed future, so that runners can sit behind `dyn`.
pub type ToolFuture<'a> = Pin<Box<dyn Future<Output = ToolOutput> + Send + 'a>>;

/// Runs the model's tool calls; the chat engine implements it over the `tools` crate, with
/// the verified shop and shopper (never anything the model says about them).
pub trait ToolRunner: Send + Sync {
    /// Runs `name` with `arguments` (parsed JSON, not yet checked against the schema). Called
    /// only for tools the request offered; failures are returned as
    /// [`ToolOutput::error`]. Calls of one step run concurrently, and a call that outlives
    /// its timeout is dropped.
    fn run<'a>(&'a self, name: &'a str, arguments: Value) -> ToolFuture<'a>;
}

/// The loop's bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Model calls in one turn (so `max_steps - 1` rounds of tool calls).
    pub max_steps: u32,
    /// Time one tool call may take; its result then says it timed out.
    pub per_tool_timeout: Duration,
    /// Time the whole turn may take, model calls and tools together.
    pub per_turn_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_steps: 6,
            per_tool_timeout: Duration::from_secs(15),
            per_turn_timeout: Duration::from_secs(90),
        }
    }
}

/// Why the loop stopped.
#[derive(Debug)]
pub enum Stop {
    /// The model answered in text.
    Answered,
    /// The model still wanted tools after `max_steps` calls; its last calls were not run.
    MaxSteps,
    /// The turn ran out of time.
    Deadline,
    /// The model failed (see [`ModelError`]; after a [`Fallback`](super::Fallback), every
    /// endpoint failed, or one broke off after output).
    Failed(ModelError),
}

/// A tool call and what came of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolRun {
    pub call: ToolCall,
    pub output: ToolOutput,
    pub elapsed: Duration,
}

/// One model call of the loop.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub model: String,
    pub endpoint: String,
    pub usage: Option<Usage>,
    /// USD, from the [`PriceTable`]; `None` without usage or a price for the model.
    pub cost_usd: Option<f64>,
    pub latency: Duration,
    /// The tools it called that were run, in the model's order.
    pub tools: Vec<ToolRun>,
}

/// Everything a turn did, for the caller to persist and show.
#[derive(Debug)]
#[must_use]
pub struct LoopOutcome {
    /// Every piece of text handed to the sink, in order (including any text the model wrote
    /// before calling tools).
    pub text: String,
    /// The messages the turn adds to the conversation, in order: assistant messages (with
    /// their tool calls) and tool results, ending with the answer when there is one. Always a
    /// valid history: every tool call here has its result here.
    pub messages: Vec<Message>,
    /// One per model call that returned.
    pub steps: Vec<Step>,
    /// Tokens summed over the steps that reported them. A model call that failed or ran out
    /// of time reported none, though it may have used some.
    pub usage: Usage,
    /// USD summed over the steps; `None` if any step's cost is unknown.
    pub cost_usd: Option<f64>,
    pub stop: Stop,
}

/// Runs one shopper's turn: see the [module docs](self). `request` holds the conversation so
/// far and the tools offered; events go to `sink` as they happen.
pub async fn run_tool_loop(
    model: &dyn ChatModel,
    mut request: ModelRequest,
    tools: &dyn ToolRunner,
    limits: Limits,
    prices: &PriceTable,
    sink: EventSink<'_>,
) -> LoopOutcome {
    let deadline = Instant::now() + limits.per_turn_timeout;
    let offered: HashSet<String> = request.tools.iter().map(|t| t.name.clone()).collect();
    let mut outcome = LoopOutcome {
        text: String::new(),
        messages: Vec::new(),
        steps: Vec::new(),
        usage: Usage::default(),
        cost_usd: Some(0.0),
        stop: Stop::Answered,
    };
    for step in 1..=limits.max_steps.max(1) {
        let text = &mut outcome.text;
        let mut tee = |event: ModelEvent| {
            if let ModelEvent::TextDelta(delta) = &event {
                text.push_str(delta);
            }
            sink(event);
        };
        let turn = match tokio::time::timeout_at(deadline, model.stream(&request, &mut tee)).await {
            Err(_) => return outcome.stopped(Stop::Deadline),
            Ok(Err(error)) => return outcome.stopped(Stop::Failed(error)),
            Ok(Ok(turn)) => turn,
        };
        let cost = turn
            .usage
            .and_then(|usage| prices.cost(&turn.model, &usage));
        if let Some(usage) = turn.usage {
            outcome.usage += usage;
        }
        outcome.cost_usd = outcome.cost_usd.zip(cost).map(|(sum, cost)| sum + cost);
        outcome.steps.push(Step {
            model: turn.model,
            endpoint: turn.endpoint,
            usage: turn.usage,
            cost_usd: cost,
            latency: turn.latency,
            tools: Vec::new(),
        });
        if turn.tool_calls.is_empty() {
            outcome
                .messages
                .push(Message::assistant(turn.text, Vec::new()));
            return outcome.stopped(Stop::Answered);
        }
        if step >= limits.max_steps {
            // Calls without results would make the history invalid: keep only the text.
            if !turn.text.is_empty() {
                outcome
                    .messages
                    .push(Message::assistant(turn.text, Vec::new()));
            }
            return outcome.stopped(Stop::MaxSteps);
        }
        let assistant = Message::assistant(turn.text, turn.tool_calls.clone());
        request.messages.push(assistant.clone());
        outcome.messages.push(assistant);

        let runs = run_tools(turn.tool_calls, &offered, tools, limits, deadline, sink).await;
        for run in &runs {
            let content = serde_json::to_string(&run.output.content).unwrap_or_default();
            let message = Message::tool(run.call.id.clone(), content);
            request.messages.push(message.clone());
            outcome.messages.push(message);
        }
        if let Some(step) = outcome.steps.last_mut() {
            step.tools = runs;
        }
        if Instant::now() >= deadline {
            return outcome.stopped(Stop::Deadline);
        }
    }
    // Every step returns; reached only if `max_steps` were 0, which is treated as 1.
    outcome.stopped(Stop::MaxSteps)
}

impl LoopOutcome {
    fn stopped(mut self, stop: Stop) -> Self {
        self.stop = stop;
        self
    }
}

/// Runs one step's calls concurrently and returns their results in the model's order,
/// sending [`ModelEvent::ToolCallFinished`] as each one finishes.
async fn run_tools(
    calls: Vec<ToolCall>,
    offered: &HashSet<String>,
    tools: &dyn ToolRunner,
    limits: Limits,
    deadline: Instant,
    sink: &mut (dyn FnMut(ModelEvent) + Send),
) -> Vec<ToolRun> {
    let mut pending: FuturesUnordered<_> = calls
        .into_iter()
        .enumerate()
        .map(|(position, call)| async move {
            let started = Instant::now();
            let output = run_tool(&call, offered, tools, limits, deadline).await;
            let run = ToolRun {
                call,
                output,
                elapsed: started.elapsed(),
            };
            (position, run)
        })
        .collect();
    let mut runs: Vec<Option<ToolRun>> = (0..pending.len()).map(|_| None).collect();
    while let Some((position, run)) = pending.next().await {
        if run.output.is_error {
            // Not the content: a tool's message may quote the shopper's data.
            tracing::info!(tool = %run.call.name, elapsed_ms = run.elapsed.as_millis() as u64, "tool call failed");
        }
        sink(ModelEvent::ToolCallFinished {
            id: run.call.id.clone(),
            name: run.call.name.clone(),
            output: run.output.clone(),
            elapsed: run.elapsed,
        });
        if let Some(slot) = runs.get_mut(position) {
            *slot = Some(run);
        }
    }
    runs.into_iter().flatten().collect()
}

async fn run_tool(
    call: &ToolCall,
    offered: &HashSet<String>,
    tools: &dyn ToolRunner,
    limits: Limits,
    deadline: Instant,
) -> ToolOutput {
    if !offered.contains(&call.name) {
        return ToolOutput::invalid(format!("there is no tool named {:?}", call.name));
    }
    // Some models send nothing at all for a tool without parameters.
    let raw = call.arguments.trim();
    let arguments = if raw.is_empty() {
        Ok(json!({}))
    } else {
        serde_json::from_str::<Value>(raw)
    };
    let arguments = match arguments {
        Ok(arguments) => arguments,
        Err(error) => {
            return ToolOutput::invalid(format!(
                "the arguments were not valid JSON ({error}); call the tool again with a JSON \
                 object matching its parameters"
            ));
        }
    };
    let limit = limits
        .per_tool_timeout
        .min(deadline.saturating_duration_since(Instant::now()));
    match tokio::time::timeout(limit, tools.run(&call.name, arguments)).await {
        Ok(output) => output,
        Err(_) => ToolOutput::failed(
            ToolOutcome::Timeout,
            format!(
                "the tool did not answer within {:.1} s",
                limit.as_secs_f32()
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::{FinishReason, ModelFuture, ModelTurn, ToolSpec};

    /// Calls `lookup` once, then answers.
    struct Scripted;

    impl ChatModel for Scripted {
        fn stream<'a>(
            &'a self,
            request: &'a ModelRequest,
            _sink: EventSink<'a>,
        ) -> ModelFuture<'a> {
            let answered = request.messages.iter().any(|m| m.tool_call_id.is_some());
            let tool_calls = if answered {
                Vec::new()
            } else {
                vec![ToolCall {
                    id: "call-1".into(),
                    name: "lookup".into(),
                    arguments: "{}".into(),
                }]
            };
            Box::pin(async move {
                Ok(ModelTurn {
                    text: String::new(),
                    tool_calls,
                    usage: None,
                    finish: FinishReason::Stop,
                    model: "scripted".into(),
                    endpoint: "scripted".into(),
                    latency: Duration::ZERO,
                    first_output: None,
                })
            })
        }
    }

    #[derive(Debug, PartialEq)]
    struct Card(&'static str);

    struct Lookup;

    impl ToolRunner for Lookup {
        fn run<'a>(&'a self, _name: &'a str, _arguments: Value) -> ToolFuture<'a> {
            Box::pin(async {
                ToolOutput::ok(json!({"card": "mug"})).with_payload(Payload::new(Card("mug")))
            })
        }
    }

    #[tokio::test]
    async fn a_payload_reaches_the_caller_and_never_the_model() {
        let request = ModelRequest {
            messages: vec![Message::user("a mug?")],
            tools: vec![ToolSpec {
                name: "lookup".into(),
                description: "looks up".into(),
                parameters: json!({"type": "object"}),
            }],
            temperature: None,
        };
        let finished = Mutex::new(Vec::new());
        let mut sink = |event| {
            if let ModelEvent::ToolCallFinished { output, .. } = event {
                finished.lock().unwrap().push(output);
            }
        };
        let outcome = run_tool_loop(
            &Scripted,
            request,
            &Lookup,
            Limits::default(),
            &PriceTable::new(),
            &mut sink,
        )
        .await;
        let finished = finished.into_inner().unwrap();
        let payload = finished[0].payload.as_ref().unwrap();
        assert_eq!(payload.get::<Card>(), Some(&Card("mug")));
        assert_eq!(payload.get::<String>(), None);
        let run = &outcome.steps[0].tools[0];
        assert_eq!(run.output, finished[0], "the same payload in the outcome");
        assert_eq!(outcome.messages[1].content, r#"{"card":"mug"}"#);
        let json = serde_json::to_value(&run.output).unwrap();
        assert!(json.get("payload").is_none(), "{json}");
    }
}
