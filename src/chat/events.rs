//! What the widget receives while a conversation is live, as Server-Sent Events: the event's
//! `type` is the SSE event name, the rest its JSON data (see `docs/chat-api.yaml`).
//!
//! Model output is text: the widget renders `delta` and `done` with `textContent`, never as
//! HTML.

use serde::{Deserialize, Serialize};
use tools::io::{CartAction, ProductCard};

/// A source an answer quotes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Citation {
    pub title: String,
    pub url: Option<String>,
}

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
        }
    }

    /// Whether the turn's stream ends with this event.
    pub fn ends_turn(&self) -> bool {
        matches!(self, Self::Done { .. } | Self::Error { .. })
    }
}
