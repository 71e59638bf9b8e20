//! Integration tests: the app on a random port, a fresh database per test on the real
//! (embedded) PostgreSQL, and the real `concierge` binary where a process must be killed.

mod config;
mod errors;
mod health;
mod helpers;
mod jobs;
mod lifecycle;
