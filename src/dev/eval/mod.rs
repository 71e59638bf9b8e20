//! `concierge eval ...`: quality on labelled data sets, through the product's own code
//! (the ingest pipeline and search for retrieval, the chat engine for chat), printed as a
//! table or, with `--json`, as one JSON object for scripts and dashboards.

pub mod chat;
pub mod retrieval;

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;

use crate::config::Config;
use crate::knowledge::search::Fusion;

#[derive(Subcommand)]
pub enum Command {
    /// Retrieval on a BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv): the corpus
    /// is ingested by the product's pipeline into a throwaway database, then every query is
    /// searched by keyword, vector and hybrid.
    Retrieval {
        dir: PathBuf,
        /// Hybrid: weight of the keyword ranking in the fusion.
        #[arg(long, default_value_t = Fusion::default().keyword_weight)]
        keyword_weight: f64,
        /// Hybrid: weight of the vector ranking in the fusion.
        #[arg(long, default_value_t = Fusion::default().vector_weight)]
        vector_weight: f64,
        /// Hybrid: the rank constant k of reciprocal-rank fusion.
        #[arg(long, default_value_t = Fusion::default().k)]
        rrf_k: f64,
        /// Keep the scratch database and the evaluation shop (their names are printed).
        #[arg(long)]
        keep: bool,
    },
    /// The assistant on a JSONL file of chat cases (see evals/chat/README.md), over the
    /// simulator's demo store synced into a throwaway database, with the configured chat
    /// models (none: the local responder): tool routing, answer checks, latency.
    Chat {
        file: PathBuf,
        /// Keep the scratch database (its name is printed).
        #[arg(long)]
        keep: bool,
    },
}

/// Runs one eval and prints its figures: a table, or one JSON object with `json`.
pub async fn run(command: Command, config: Config, json: bool) -> anyhow::Result<()> {
    match command {
        Command::Retrieval {
            dir,
            keyword_weight,
            vector_weight,
            rrf_k,
            keep,
        } => {
            let data = retrieval::Beir::load(&dir)?;
            let fusion = Fusion {
                keyword_weight,
                vector_weight,
                k: rrf_k,
            };
            let embedder = crate::knowledge::embed::from_config(&config)
                .await
                .context("while preparing the embedding model")?;
            let (db, _, cleanup) = crate::db::scratch_database(&config, "eval").await?;
            let knowledge = crate::knowledge::Knowledge::new(db.clone(), embedder);
            let result = retrieval::run(&knowledge, &data, fusion, keep).await;
            db.close().await;
            if keep {
                eprintln!("kept database {}", cleanup.keep().await?);
            } else {
                cleanup.finish().await?;
            }
            let report = result?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                print!("{}", report.table());
            }
        }
        Command::Chat { file, keep } => {
            let cases = chat::load(&file)?;
            let report = chat::run(config, &cases, keep).await?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                print!("{}", report.table());
            }
        }
    }
    Ok(())
}

/// The `q` quantile of sorted values (nearest rank).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}
