//! Dev tooling, kept apart from the product: the one-machine demo, the benchmarks and the
//! quality evals. Each is a `concierge` subcommand (`demo`, `bench`, `eval`) whose arguments
//! and dispatch live here, next to what they run; `cli` only parses and delegates. Nothing
//! in the product imports this wing.

pub mod bench;
pub mod demo;
pub mod eval;
pub mod mail_sink;
