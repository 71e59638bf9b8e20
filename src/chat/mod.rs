//! The chat engine: answering shoppers with an LLM that calls the store's tools.

pub mod engine;
pub mod events;
pub mod host;
pub mod hub;
pub mod prompt;
pub mod rate;
pub mod redact;
pub mod settings;
pub mod store;
pub mod visitor;

pub use engine::Chat;
