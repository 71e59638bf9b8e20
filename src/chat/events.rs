//! What the widget receives while a conversation is live, as Server-Sent Events: the event's
//! `type` is the SSE event name, the rest its JSON data (see `docs/chat-api.yaml`).
//!
//! Model output is text: the widget renders `delta` and `done` with `textContent`, never as
//! HTML.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tools::io::{CartAction, ProductCard};
use uuid::Uuid;

use super::store::Owner;

/// A source an answer quotes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Citation {
    pub title: String,
    pub url: Option<String>,
}

/// One of the shop's agents, as the inbox and its events name them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentRef {
    pub id: i64,
    pub name: String,
}

/// One line of a conversation as the agents' inbox shows it: a message of the shopper, the
/// assistant or an agent, an internal note, or an event of the audit trail (a takeover...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The message's, note's or audit row's id (unique within its `role`).
    pub id: i64,
    /// `shopper`, `assistant`, `agent`, `note` or `event`.
    pub role: String,
    pub text: String,
    /// The agent who wrote it or did it.
    pub agent: Option<AgentRef>,
    pub created_at: DateTime<Utc>,
    /// The tools the assistant called for this answer (name, arguments, result, status).
    pub tool_calls: Vec<Value>,
    /// Photos the shopper sent with it (`id`, `url`, `content_type`).
    pub attachments: Vec<Value>,
}

/// Events of a conversation's stream (the widget's) and of the shop-wide stream the agents'
/// inbox follows (the channel keyed by `Uuid::nil()`, see `docs/admin-api.yaml`); the
/// `inbox_*`, `viewers` and shopper `typing` events go only to the latter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChatEvent {
    /// The shopper's message is stored (it will not be lost), and who answers it.
    Stored {
        message: super::store::StoredMessage,
        owner: super::store::Owner,
    },
    /// The assistant began answering the shopper's message `question_id`.
    Turn { turn_id: i64, question_id: i64 },
    /// The next piece of the answer's text.
    Delta { text: String },
    /// A tool began (`started`) or finished (`ok`, or how it failed).
    Tool { name: String, status: String },
    /// Product cards to show.
    Products { products: Vec<ProductCard> },
    /// An action for the widget to offer (add to cart: the shopper confirms, the widget calls
    /// the Ajax Cart API).
    Action { action: CartAction },
    /// The conversation moved to the shop's agents.
    Handoff {
        agents_available: bool,
        email_needed: bool,
        /// When agents are next at work (RFC 3339), if they are not now.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next_open: Option<String>,
    },
    /// A message was stored (an agent's reply, or a message sent from another tab).
    Message {
        message: super::store::StoredMessage,
    },
    /// The answer is complete and stored: its id, its whole text and what it cites.
    Done {
        turn_id: i64,
        message_id: i64,
        text: String,
        citations: Vec<Citation>,
    },
    /// The answer failed; `retry` says whether sending the message again may help.
    Error {
        code: String,
        message: String,
        retry: bool,
    },
    /// Someone is typing: an agent (on the shopper's stream, with the agent's first name) or
    /// the shopper (on the agents' stream).
    Typing {
        conversation_id: Uuid,
        /// `agent` or `shopper`.
        who: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// (Agents' stream) A conversation changed hands or state: a new handoff, a takeover, a
    /// hand-back, an assignment, a close or reopen.
    InboxUpdate {
        conversation_id: Uuid,
        /// `handoff`, `take`, `hand_back`, `assign`, `close` or `reopen`.
        reason: String,
        owner: Owner,
        assignee: Option<AgentRef>,
    },
    /// (Agents' stream) A line was added to a conversation: a message or a note.
    InboxMessage { conversation_id: Uuid, entry: Entry },
    /// (Agents' stream) Who has the conversation open in the inbox now.
    Viewers {
        conversation_id: Uuid,
        viewers: Vec<AgentRef>,
    },
}

impl ChatEvent {
    /// The SSE event name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Stored { .. } => "stored",
            Self::Turn { .. } => "turn",
            Self::Delta { .. } => "delta",
            Self::Tool { .. } => "tool",
            Self::Products { .. } => "products",
            Self::Action { .. } => "action",
            Self::Handoff { .. } => "handoff",
            Self::Message { .. } => "message",
            Self::Done { .. } => "done",
            Self::Error { .. } => "error",
            Self::Typing { .. } => "typing",
            Self::InboxUpdate { .. } => "inbox_update",
            Self::InboxMessage { .. } => "inbox_message",
            Self::Viewers { .. } => "viewers",
        }
    }

    /// Whether the turn's stream ends with this event.
    pub fn ends_turn(&self) -> bool {
        matches!(self, Self::Done { .. } | Self::Error { .. })
    }
}
