//! The chat engine: answering shoppers with an LLM that calls the store's tools.

pub mod host;
pub mod local;
pub mod model;
pub mod redact;
pub mod settings;
pub mod visitor;
