//! The chat engine: answering shoppers with an LLM that calls the store's tools.

pub mod local;
pub mod model;
pub mod settings;
pub mod host;
