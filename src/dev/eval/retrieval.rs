//! `concierge eval retrieval DIR`: retrieval quality on a BEIR-format folder.
//!
//! The corpus goes through the product's own pipeline (documents → chunks → embeddings →
//! rows) into a throwaway shop, each query is searched in every mode, and the hits (chunks,
//! folded to their documents in rank order) are scored against the graded judgments:
//! nDCG@10 (linear gains, as trec_eval and BEIR compute it), Recall@100 and MRR@10 (a
//! judgment above 0 counts as relevant), and the query latency.

use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use connectors::{Block, Document, SourceKind, StructuredFields};
use serde::{Deserialize, Serialize};

use super::percentile;
use crate::knowledge::search::{Fusion, Mode, SearchRequest};
use crate::knowledge::{Knowledge, sources};

/// Documents per ingest call: enough for the model to batch well, small enough to show
/// progress.
const INGEST_BATCH: usize = 256;

/// One mode's figures; `--json` prints them under these names.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Metrics {
    #[serde(rename = "ndcg_at_10")]
    pub ndcg_10: f64,
    #[serde(rename = "recall_at_100")]
    pub recall_100: f64,
    #[serde(rename = "mrr_at_10")]
    pub mrr_10: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
}

/// `--json` prints this as one object: `{"keyword": Metrics, "vector": .., "hybrid": ..}`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub keyword: Metrics,
    pub vector: Metrics,
    pub hybrid: Metrics,
    #[serde(skip)]
    pub documents: usize,
    #[serde(skip)]
    pub queries: usize,
}

impl Report {
    pub fn table(&self) -> String {
        let mut out = format!(
            "{} documents, {} queries\n{:<8} {:>8} {:>10} {:>7} {:>8} {:>8}\n",
            self.documents,
            self.queries,
            "mode",
            "nDCG@10",
            "Recall@100",
            "MRR@10",
            "p50 ms",
            "p95 ms"
        );
        for (name, m) in [
            ("keyword", &self.keyword),
            ("vector", &self.vector),
            ("hybrid", &self.hybrid),
        ] {
            out.push_str(&format!(
                "{name:<8} {:>8.4} {:>10.4} {:>7.4} {:>8.2} {:>8.2}\n",
                m.ndcg_10, m.recall_100, m.mrr_10, m.p50_ms, m.p95_ms
            ));
        }
        out
    }
}

#[derive(Deserialize)]
struct CorpusLine {
    #[serde(rename = "_id")]
    id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    text: String,
}

#[derive(Deserialize)]
struct QueryLine {
    #[serde(rename = "_id")]
    id: String,
    text: String,
}

/// A BEIR folder in memory.
pub struct Beir {
    pub corpus: Vec<Document>,
    pub queries: Vec<(String, String)>,
    /// query id → document id → graded relevance.
    pub qrels: HashMap<String, HashMap<String, i64>>,
}

impl Beir {
    /// Reads `corpus.jsonl`, `queries.jsonl` and `qrels/test.tsv` (header line first).
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let corpus = read_jsonl::<CorpusLine>(&dir.join("corpus.jsonl"))?
            .into_iter()
            .map(|line| Document {
                source_kind: SourceKind::File,
                external_id: line.id,
                url: None,
                title: line.title,
                blocks: Some(line.text)
                    .filter(|t| !t.trim().is_empty())
                    .map(Block::Paragraph)
                    .into_iter()
                    .collect(),
                fields: StructuredFields::default(),
                updated_at: None,
            })
            .collect();
        let qrels_path = dir.join("qrels/test.tsv");
        let file = std::fs::File::open(&qrels_path)
            .with_context(|| format!("cannot open {}", qrels_path.display()))?;
        let mut qrels: HashMap<String, HashMap<String, i64>> = HashMap::new();
        for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.with_context(|| format!("{}: unreadable", qrels_path.display()))?;
            let fields: Vec<&str> = line.split('\t').collect();
            if n == 0 && fields.last().is_some_and(|f| f.parse::<i64>().is_err()) {
                continue; // the header
            }
            let [query, doc, score] = fields[..] else {
                anyhow::bail!(
                    "{} line {}: expected 3 tab-separated fields",
                    qrels_path.display(),
                    n + 1
                );
            };
            let score: i64 = score.trim().parse().with_context(|| {
                format!(
                    "{} line {}: score {score:?} is not an integer",
                    qrels_path.display(),
                    n + 1
                )
            })?;
            qrels
                .entry(query.to_owned())
                .or_default()
                .insert(doc.to_owned(), score);
        }
        let queries = read_jsonl::<QueryLine>(&dir.join("queries.jsonl"))?
            .into_iter()
            .filter(|q| qrels.contains_key(&q.id))
            .map(|q| (q.id, q.text))
            .collect();
        Ok(Self {
            corpus,
            queries,
            qrels,
        })
    }
}

fn read_jsonl<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<Vec<T>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("{}: unreadable", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        out.push(
            serde_json::from_str(&line)
                .with_context(|| format!("{} line {}", path.display(), n + 1))?,
        );
    }
    Ok(out)
}

/// Ingests the corpus into a throwaway shop, evaluates every mode, and deletes the shop
/// (unless `keep`).
pub async fn run(
    knowledge: &Knowledge,
    data: &Beir,
    fusion: Fusion,
    keep: bool,
) -> anyhow::Result<Report> {
    let domain = format!(
        "eval-{}.myshopify.com",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let shop_id = sqlx::query_scalar!(
        "INSERT INTO shops (domain) VALUES ($1) RETURNING id",
        domain
    )
    .fetch_one(knowledge.db())
    .await?;
    let result = evaluate(knowledge, shop_id, data, fusion).await;
    if keep {
        eprintln!("kept shop {domain} (id {shop_id})");
        return result;
    }
    sqlx::query!("DELETE FROM shops WHERE id = $1", shop_id)
        .execute(knowledge.db())
        .await?;
    result
}

async fn evaluate(
    knowledge: &Knowledge,
    shop_id: i64,
    data: &Beir,
    fusion: Fusion,
) -> anyhow::Result<Report> {
    let source = sources::ensure(knowledge.db(), shop_id, sources::Kind::Files, "beir").await?;
    let started = Instant::now();
    for (i, batch) in data.corpus.chunks(INGEST_BATCH).enumerate() {
        knowledge.ingest(shop_id, source, batch).await?;
        let done = (i * INGEST_BATCH + batch.len()) as f64;
        eprint!(
            "\ringested {done}/{} documents ({:.0}/s)   ",
            data.corpus.len(),
            done / started.elapsed().as_secs_f64()
        );
    }
    eprintln!();

    let mut metrics = Vec::new();
    for mode in Mode::ALL {
        let mut scores = Vec::with_capacity(data.queries.len());
        let mut latencies = Vec::with_capacity(data.queries.len());
        for (id, text) in &data.queries {
            let mut request = SearchRequest::new(text.clone(), mode, 100);
            request.fusion = fusion;
            request.snippets = false;
            let start = Instant::now();
            let hits = knowledge.search(shop_id, &request).await?;
            latencies.push(start.elapsed().as_secs_f64() * 1000.0);
            let mut seen = HashSet::new();
            let ranked: Vec<&str> = hits
                .iter()
                .map(|h| h.external_id.as_str())
                .filter(|d| seen.insert(*d))
                .collect();
            scores.push(score(
                &ranked,
                data.qrels.get(id).unwrap_or(&HashMap::new()),
            ));
        }
        let n = scores.len().max(1) as f64;
        latencies.sort_by(f64::total_cmp);
        metrics.push(Metrics {
            ndcg_10: scores.iter().map(|s| s.0).sum::<f64>() / n,
            recall_100: scores.iter().map(|s| s.1).sum::<f64>() / n,
            mrr_10: scores.iter().map(|s| s.2).sum::<f64>() / n,
            p50_ms: percentile(&latencies, 0.50),
            p95_ms: percentile(&latencies, 0.95),
        });
    }
    Ok(Report {
        keyword: metrics[0],
        vector: metrics[1],
        hybrid: metrics[2],
        documents: data.corpus.len(),
        queries: data.queries.len(),
    })
}

/// nDCG@10, Recall@100 and MRR@10 of one ranked list.
pub fn score(ranked: &[&str], judged: &HashMap<String, i64>) -> (f64, f64, f64) {
    let gain = |d: &str| judged.get(d).copied().unwrap_or(0).max(0) as f64;
    let discount = |i: usize| 1.0 / ((i + 2) as f64).log2();
    let dcg: f64 = ranked
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, d)| gain(d) * discount(i))
        .sum();
    let mut ideal: Vec<f64> = judged.values().map(|&g| g.max(0) as f64).collect();
    ideal.sort_by(|a, b| b.total_cmp(a));
    let idcg: f64 = ideal
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, g)| g * discount(i))
        .sum();
    let ndcg = if idcg > 0.0 { dcg / idcg } else { 0.0 };
    let relevant = judged.values().filter(|&&g| g > 0).count();
    let found = ranked.iter().take(100).filter(|d| gain(d) > 0.0).count();
    let recall = if relevant > 0 {
        found as f64 / relevant as f64
    } else {
        0.0
    };
    let mrr = ranked
        .iter()
        .take(10)
        .position(|d| gain(d) > 0.0)
        .map_or(0.0, |i| 1.0 / (i + 1) as f64);
    (ndcg, recall, mrr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_match_hand_computation() {
        let judged: HashMap<String, i64> = [("a", 3), ("b", 1), ("c", 0), ("d", 2)]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), *v))
            .collect();
        // Ideal order a(3) d(2) b(1): idcg = 3 + 2/log2(3) + 1/2.
        let idcg = 3.0 + 2.0 / 3f64.log2() + 0.5;
        let (ndcg, recall, mrr) = score(&["c", "d", "x", "a"], &judged);
        let dcg = 2.0 / 3f64.log2() + 3.0 / 5f64.log2();
        assert!((ndcg - dcg / idcg).abs() < 1e-12);
        assert!((recall - 2.0 / 3.0).abs() < 1e-12);
        assert!((mrr - 0.5).abs() < 1e-12);
        assert_eq!(score(&[], &judged), (0.0, 0.0, 0.0));
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.0);
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 0.95), 4.0);
    }
}
