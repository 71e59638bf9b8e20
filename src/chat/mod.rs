//! The chat engine: answering shoppers with an LLM that calls the store's tools.

pub mod model;
