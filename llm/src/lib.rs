//! The model layer: one conversation step with an LLM, and the bounded loop that lets it call
//! the store's tools.
//!
//! Everything here speaks in our own small types ([`ModelRequest`], [`ModelEvent`],
//! [`ModelTurn`]) behind the [`ChatModel`] trait, so the chat engine does not care whether
//! the answer comes from a hosted model or the local deterministic responder, and tests can
//! swap in a fake. Hosted models are any OpenAI-compatible chat endpoint ([`OpenAiChat`],
//! over `async-openai`), usually reached through a [`Fallback`] chain taken from the
//! process-wide [`ChatModels`] pool, which keeps each endpoint's connections and circuit
//! breaker across requests and shops.
//!
//! A crate of its own so that it cannot learn about the app: nothing here touches the
//! database, Shopify or HTTP routes. The caller persists what [`run_tool_loop`] reports and
//! streams the [`ModelEvent`]s it is handed. The OpenAI wire plumbing ([`openai`]) is shared
//! with the app's embeddings client.

mod assemble;
mod breaker;
mod endpoint;
mod fallback;
pub mod openai;
mod price;
mod tool_loop;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use breaker::BreakerPolicy;
pub use endpoint::{Endpoint, OpenAiChat};
pub use fallback::{ChatModels, Fallback, FallbackPolicy};
pub use price::{Price, PriceTable};
pub use tool_loop::{
    Limits, LoopOutcome, Payload, Step, Stop, ToolFuture, ToolOutcome, ToolOutput, ToolRun,
    ToolRunner, run_tool_loop,
};

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
    Tool,
}

/// One message of the conversation as the model sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    /// The text; may be empty for an assistant message that only calls tools.
    pub content: String,
    /// The tools an assistant message called (empty for every other role).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// The call a tool message answers (only for [`Role::Tool`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl Message {
    pub fn system(content: impl Into<String>) -> Self {
        Self::plain(Role::System, content.into())
    }

    pub fn user(content: impl Into<String>) -> Self {
        Self::plain(Role::User, content.into())
    }

    pub fn assistant(content: impl Into<String>, tool_calls: Vec<ToolCall>) -> Self {
        Self {
            tool_calls,
            ..Self::plain(Role::Assistant, content.into())
        }
    }

    /// The result of the call `tool_call_id`, as the model will read it.
    pub fn tool(tool_call_id: impl Into<String>, content: impl Into<String>) -> Self {
        Self {
            tool_call_id: Some(tool_call_id.into()),
            ..Self::plain(Role::Tool, content.into())
        }
    }

    fn plain(role: Role, content: String) -> Self {
        Self {
            role,
            content,
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }
}

/// The storefront page the shopper writes from, as the engine tells every model: a system
/// message just before the shopper's message, which the local responder reads back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageNote {
    /// The theme's template (`product`, `collection`, `index`, `cart`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// The product on the page, by its title in the shop's catalog, and its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    /// The variant selected on the page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<String>,
}

/// How a page note begins; what follows is the note as JSON.
const PAGE_NOTE: &str = "The shopper is writing from this page of the store (\"this\" or \"it\" \
                         means its product unless they name another): ";

impl Message {
    /// The note telling the model which page the shopper is on.
    pub fn page_note(note: &PageNote) -> Self {
        let json = serde_json::to_string(note).unwrap_or_default();
        Self::system(format!("{PAGE_NOTE}{json}"))
    }

    /// The page this message notes, if it is a page note.
    pub fn read_page_note(&self) -> Option<PageNote> {
        if self.role != Role::System {
            return None;
        }
        serde_json::from_str(self.content.strip_prefix(PAGE_NOTE)?).ok()
    }
}

/// A tool the model may call: its name, what it is for, and a JSON Schema of its arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    pub parameters: serde_json::Value,
}

/// A call the model asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCall {
    /// The model's id for the call; the tool's result must quote it.
    pub id: String,
    pub name: String,
    /// The arguments exactly as the model wrote them: meant to be a JSON object, but models
    /// do not always manage that, so they are parsed only when the tool runs.
    pub arguments: String,
}

/// What one step asks of the model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelRequest {
    pub messages: Vec<Message>,
    /// The tools the model may call; none means it can only answer.
    pub tools: Vec<ToolSpec>,
    /// Sampling temperature; `None` leaves the endpoint's default (some models accept no
    /// other).
    pub temperature: Option<f32>,
}

/// What happens while a step runs, in order, as soon as it is known. Exhaustive on purpose:
/// the engine must decide what the shopper sees of each kind.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelEvent {
    /// The next piece of the answer's text.
    TextDelta(String),
    /// The model began a tool call (its arguments are still arriving).
    ToolCallStarted { id: String, name: String },
    /// A tool call has its result (sent by [`run_tool_loop`] only).
    ToolCallFinished {
        id: String,
        name: String,
        output: ToolOutput,
        elapsed: Duration,
    },
}

/// Where the events of a step go: the chat API forwards them to the shopper.
pub type EventSink<'a> = &'a mut (dyn FnMut(ModelEvent) + Send);

/// Tokens as the endpoint counted them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Tokens read, including `cached_prompt_tokens`.
    pub prompt_tokens: u64,
    /// Tokens written.
    pub completion_tokens: u64,
    /// Of the prompt tokens, those served from the provider's prompt cache (priced lower by
    /// some providers); 0 where the endpoint does not say.
    #[serde(default)]
    pub cached_prompt_tokens: u64,
}

impl Usage {
    pub fn total(&self) -> u64 {
        self.prompt_tokens + self.completion_tokens
    }
}

impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, other: Self) {
        self.prompt_tokens += other.prompt_tokens;
        self.completion_tokens += other.completion_tokens;
        self.cached_prompt_tokens += other.cached_prompt_tokens;
    }
}

/// Why the model stopped writing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// It finished its answer.
    Stop,
    /// It is waiting for tool results.
    ToolCalls,
    /// It hit its output token limit: the answer is cut short.
    Length,
    /// The provider's content filter cut the answer.
    ContentFilter,
    /// A reason this code does not know, as the endpoint named it.
    Other(String),
}

/// One finished step: the whole answer, as already streamed through the sink.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelTurn {
    /// The text, exactly the concatenation of the step's [`ModelEvent::TextDelta`]s.
    pub text: String,
    /// The tools to call, in the model's order, with their arguments assembled.
    pub tool_calls: Vec<ToolCall>,
    /// Tokens the endpoint reported; `None` when it reported none.
    pub usage: Option<Usage>,
    pub finish: FinishReason,
    /// The model asked for (as configured, so that it matches the [`PriceTable`]).
    pub model: String,
    /// The [`Endpoint::name`] that answered.
    pub endpoint: String,
    /// From sending the request to the end of the answer.
    pub latency: Duration,
    /// From sending the request to its first text or tool call, if any came.
    pub first_output: Option<Duration>,
}

/// What [`ChatModel::stream`] returns: a boxed future, so that models can sit behind `dyn`.
pub type ModelFuture<'a> = Pin<Box<dyn Future<Output = Result<ModelTurn, ModelError>> + Send + 'a>>;

/// Something that answers a conversation step: a hosted model, a chain of them, the local
/// responder, or a test's fake.
pub trait ChatModel: Send + Sync {
    /// Runs one step, handing each [`ModelEvent`] to `sink` as it arrives, and returns the
    /// whole step once the model has finished.
    ///
    /// After an error, whatever was already handed to `sink` stays handed: the caller
    /// decides what the shopper sees of a broken answer.
    fn stream<'a>(&'a self, request: &'a ModelRequest, sink: EventSink<'a>) -> ModelFuture<'a>;
}

/// Why a step failed.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The endpoint's settings cannot work (found when building its client).
    #[error("unusable chat endpoint settings: {0}")]
    Config(String),
    /// The endpoint answered with an error status.
    #[error("{endpoint} answered {status}: {message}")]
    Api {
        endpoint: String,
        status: u16,
        message: String,
        /// How long the endpoint asked us to wait (`Retry-After`), if it did.
        retry_after: Option<Duration>,
    },
    /// The endpoint could not be reached, or the connection failed before an answer began.
    #[error("cannot reach {endpoint}: {source}")]
    Unreachable {
        endpoint: String,
        #[source]
        source: BoxError,
    },
    /// The endpoint went quiet: no answer, or no next chunk, within [`Endpoint::timeout`].
    #[error("{endpoint} sent nothing for {}s", waited.as_secs_f32())]
    Timeout { endpoint: String, waited: Duration },
    /// The answer began but broke off (the connection dropped, the stream ended before the
    /// model finished, or the endpoint sent an error in the stream).
    #[error("the answer from {endpoint} broke off: {message}")]
    Interrupted { endpoint: String, message: String },
    /// The endpoint sent something that is not a chat completion stream.
    #[error("unusable answer from {endpoint}: {message}")]
    BadResponse { endpoint: String, message: String },
    /// The endpoint failed repeatedly and is rested for a while; it was not called.
    #[error("{endpoint} is resting after repeated failures")]
    CircuitOpen { endpoint: String },
    /// Every endpoint of a [`Fallback`] chain failed before sending anything; one error per
    /// attempt, in order.
    #[error("no chat endpoint could answer: {}", list(.0))]
    Exhausted(Vec<ModelError>),
}

impl ModelError {
    /// Whether the same request may succeed if sent to the same endpoint again soon: network
    /// failures, timeouts, 408, 409, 429 and 5xx.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Api { status, .. } => matches!(status, 408 | 409 | 429 | 500..),
            Self::Unreachable { .. } | Self::Timeout { .. } | Self::Interrupted { .. } => true,
            Self::Config(_)
            | Self::BadResponse { .. }
            | Self::CircuitOpen { .. }
            | Self::Exhausted(_) => false,
        }
    }

    /// Whether the failure says the endpoint is unwell (and counts towards opening its
    /// breaker), rather than that this request was wrong (400, 413, 422: other requests
    /// would still be served).
    pub(crate) fn blames_endpoint(&self) -> bool {
        match self {
            Self::Api { status, .. } => !matches!(status, 400 | 413 | 422),
            Self::CircuitOpen { .. } | Self::Exhausted(_) => false,
            _ => true,
        }
    }
}

fn list(errors: &[ModelError]) -> String {
    let parts: Vec<String> = errors.iter().map(ToString::to_string).collect();
    parts.join("; ")
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;
