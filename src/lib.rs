//! Concierge: an AI shopping and support assistant for Shopify stores.
//!
//! The binary (`main.rs`) only calls [`cli::main`]; everything lives here so that tests can
//! start the app on port 0 with [`launch`] against their own database.

pub mod chat;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod db;
pub mod dev;
pub mod error;
pub mod http;
pub mod inbox;
pub mod jobs;
pub mod knowledge;
pub mod mail;
pub mod shopify;
pub mod shutdown;
pub mod state;
pub mod telemetry;

pub use http::{app, launch};
pub use state::AppState;
