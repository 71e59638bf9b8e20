//! Integration tests: the app on a random port, a fresh database per test on the real
//! (embedded) PostgreSQL, and the real `concierge` binary where a process must be killed.

// A failed unwrap is a failed test, with its location: exactly what a test should do.
#![allow(clippy::unwrap_used)]

mod abuse;
mod admin_auth;
mod admin_home;
mod admin_knowledge;
mod admin_model;
mod admin_settings;
mod app_home;
mod app_toml;
mod burst;
mod chat;
mod chat_attacks;
mod chat_model;
mod chat_tools;
mod config;
mod differential;
mod embeddings;
mod errors;
mod evals;
mod fake_llm;
mod health;
mod helpers;
mod inbox;
mod jobs;
mod knowledge;
mod lifecycle;
mod live;
mod mail;
mod proxy;
mod schema;
mod shopify_e2e;
mod sources;
mod throttle;
mod webhooks;
mod widget;
