//! Ingest throughput: synthetic help-center articles and products through
//! [`Knowledge::ingest`] in batches, as a sync writes them, with the local embedder. Then the
//! same documents again: nothing has changed, so nothing may be chunked, embedded or written.
//!
//! The time spent embedding is measured from outside: the chunks' stored `content` (exactly
//! the text the model saw) is embedded again in the same batches. Chunking is timed alone too
//! (with the options `ingest` derives from the embedder); the rest is reading hashes and
//! writing.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use connectors::{Block, Document, SourceKind, StructuredFields};
use serde::Serialize;
use shopify_sim::rng::SplitMix64;
use sqlx::PgPool;

use crate::knowledge::Knowledge;
use crate::knowledge::sources::{self, Kind};

/// Documents per `ingest` call, as the sync jobs batch them.
pub const BATCH: usize = 64;
/// One document in this many is a product; the others are help-center articles.
const PRODUCT_EVERY: usize = 3;

#[derive(Debug, Clone)]
pub struct Options {
    pub documents: usize,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub documents: usize,
    pub articles: usize,
    pub products: usize,
    pub words_per_article: f64,
    pub batch: usize,
    pub chunks: usize,
    pub chunks_per_document: f64,
    pub ingest_s: f64,
    pub documents_per_s: f64,
    pub chunks_per_s: f64,
    /// The same chunks embedded again, in the same batches, outside `ingest`.
    pub embed_s: f64,
    pub embed_share: f64,
    /// Ingest time minus embedding: reading hashes, chunking, writing.
    pub other_s: f64,
    /// Chunking alone (token counting included), timed outside `ingest`.
    pub chunk_s: f64,
    /// Ingest time minus embedding and chunking: reading hashes and writing.
    pub write_s: f64,
    pub reingest_s: f64,
    pub reingest_documents_per_s: f64,
    pub reingest_unchanged: usize,
    pub reingest_written: usize,
    pub reingest_chunks_embedded: usize,
}

/// Ingests into a new shop of `db` (migrated) and measures. Ctrl-C stops it with an error.
pub async fn run(db: PgPool, options: &Options) -> anyhow::Result<Report> {
    anyhow::ensure!(options.documents > 0, "--documents must be positive");
    tokio::select! {
        report = measure(db, options) => report,
        _ = tokio::signal::ctrl_c() => anyhow::bail!("interrupted"),
    }
}

async fn measure(db: PgPool, options: &Options) -> anyhow::Result<Report> {
    let embedder = crate::knowledge::embed::local()
        .context("while loading the local embedding model (run scripts/setup)")?;
    let knowledge = Knowledge::new(db.clone(), Arc::new(embedder));
    knowledge.model().await?;
    let shop_id = sqlx::query_scalar!(
        "INSERT INTO shops (domain, install_state, installed_at)
         VALUES ('bench-ingest.myshopify.com', 'installed', now()) RETURNING id",
    )
    .fetch_one(&db)
    .await?;
    let source = sources::ensure(&db, shop_id, Kind::Files, "bench").await?;
    let documents: Vec<Document> = (0..options.documents).map(document).collect();

    // Chunking alone, with the options `ingest` uses.
    let chunk_options = connectors::ChunkOptions {
        max_tokens: knowledge.embedder().max_tokens().saturating_sub(16).max(32),
        ..connectors::ChunkOptions::default()
    };
    let counter = crate::knowledge::embed::Tokens(knowledge.embedder());
    let started = Instant::now();
    let chunked: usize = documents
        .iter()
        .map(|d| connectors::chunk(d, &counter, &chunk_options).len())
        .sum();
    let chunk_s = started.elapsed().as_secs_f64();

    // Warm the model (first call pays for its lazy setup).
    knowledge
        .embedder()
        .embed(vec!["warm up".to_owned()])
        .await?;

    let started = Instant::now();
    let mut first = crate::knowledge::IngestReport::default();
    for (i, batch) in documents.chunks(BATCH).enumerate() {
        first += knowledge.ingest(shop_id, source, batch).await?;
        let done = i * BATCH + batch.len();
        eprint!(
            "\ringested {done}/{} documents ({:.1}/s)   ",
            documents.len(),
            done as f64 / started.elapsed().as_secs_f64()
        );
    }
    eprintln!();
    let ingest_s = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        first.written == documents.len(),
        "{} of {} documents written",
        first.written,
        documents.len()
    );
    anyhow::ensure!(
        first.chunks == chunked,
        "ingest wrote {} chunks, the benchmark's chunking made {chunked}: its options drifted",
        first.chunks
    );

    // What the model saw, batch by batch, embedded again.
    let stored: Vec<(String, String)> = sqlx::query!(
        "SELECT d.external_id, c.content FROM chunks c
         JOIN documents d ON d.shop_id = c.shop_id AND d.id = c.document_id
         WHERE c.shop_id = $1 ORDER BY d.id, c.ordinal",
        shop_id,
    )
    .fetch_all(&db)
    .await?
    .into_iter()
    .map(|r| (r.external_id, r.content))
    .collect();
    let index: std::collections::HashMap<&str, usize> = documents
        .iter()
        .enumerate()
        .map(|(i, d)| (d.external_id.as_str(), i))
        .collect();
    let mut batches: Vec<Vec<String>> = vec![Vec::new(); documents.len().div_ceil(BATCH)];
    for (external_id, content) in stored {
        let i = index
            .get(external_id.as_str())
            .context("a stored document the benchmark did not write")?;
        batches[i / BATCH].push(content);
    }
    let started = Instant::now();
    for (i, texts) in batches.into_iter().enumerate() {
        knowledge.embedder().embed(texts).await?;
        eprint!(
            "\rembedded batch {}/{}   ",
            i + 1,
            documents.len().div_ceil(BATCH)
        );
    }
    eprintln!();
    let embed_s = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut again = crate::knowledge::IngestReport::default();
    for batch in documents.chunks(BATCH) {
        again += knowledge.ingest(shop_id, source, batch).await?;
    }
    let reingest_s = started.elapsed().as_secs_f64();

    let articles = documents
        .iter()
        .filter(|d| d.source_kind == SourceKind::Article)
        .count();
    let article_words: usize = documents
        .iter()
        .filter(|d| d.source_kind == SourceKind::Article)
        .map(|d| d.text().split_whitespace().count())
        .sum();
    let n = documents.len() as f64;
    Ok(Report {
        documents: documents.len(),
        articles,
        products: documents.len() - articles,
        words_per_article: article_words as f64 / articles.max(1) as f64,
        batch: BATCH,
        chunks: first.chunks,
        chunks_per_document: first.chunks as f64 / n,
        ingest_s,
        documents_per_s: n / ingest_s,
        chunks_per_s: first.chunks as f64 / ingest_s,
        embed_s,
        embed_share: embed_s / ingest_s,
        other_s: (ingest_s - embed_s).max(0.0),
        chunk_s,
        write_s: (ingest_s - embed_s - chunk_s).max(0.0),
        reingest_s,
        reingest_documents_per_s: n / reingest_s,
        reingest_unchanged: again.unchanged,
        reingest_written: again.written,
        reingest_chunks_embedded: again.chunks,
    })
}

const TOPICS: &[&str] = &[
    "shipping",
    "returns",
    "refunds",
    "exchanges",
    "sizing",
    "care",
    "warranty",
    "payments",
    "gift cards",
    "subscriptions",
    "accounts",
    "orders",
    "tracking",
    "discounts",
    "international delivery",
    "pre-orders",
    "repairs",
    "loyalty points",
];

const NOUNS: &[&str] = &[
    "order",
    "package",
    "parcel",
    "item",
    "product",
    "refund",
    "label",
    "carrier",
    "address",
    "payment",
    "card",
    "receipt",
    "size",
    "fit",
    "fabric",
    "seam",
    "zipper",
    "sole",
    "strap",
    "battery",
    "charger",
    "warranty",
    "claim",
    "account",
    "password",
    "email",
    "code",
    "discount",
    "subscription",
    "delivery",
    "courier",
    "customs",
    "duty",
    "invoice",
    "store credit",
    "exchange",
    "colour",
    "model",
    "box",
    "tag",
    "photo",
    "team",
    "business day",
    "week",
    "form",
    "link",
    "checkout",
    "cart",
];

const VERBS: &[&str] = &[
    "ship", "return", "send", "receive", "track", "update", "cancel", "change", "apply", "wash",
    "dry", "store", "repair", "replace", "check", "contact", "pay", "print", "attach", "confirm",
    "choose", "measure", "exchange", "register", "inspect", "process",
];

const ADJECTIVES: &[&str] = &[
    "original",
    "unused",
    "damaged",
    "faulty",
    "standard",
    "express",
    "free",
    "prepaid",
    "local",
    "international",
    "new",
    "full",
    "partial",
    "gentle",
    "cold",
    "warm",
    "small",
    "large",
    "regular",
    "slim",
    "waterproof",
    "recycled",
    "organic",
    "limited",
];

const GLUE: &[&str] = &[
    "within",
    "before",
    "after",
    "once",
    "when",
    "if",
    "unless",
    "so that",
    "as soon as",
    "while",
];

const MATERIALS: &[&str] = &[
    "Cotton", "Linen", "Merino", "Leather", "Canvas", "Bamboo", "Steel", "Ceramic", "Walnut",
    "Nylon",
];

const PRODUCTS: &[&str] = &[
    "T-Shirt",
    "Hoodie",
    "Sneaker",
    "Backpack",
    "Mug",
    "Lamp",
    "Jacket",
    "Wallet",
    "Bottle",
    "Blanket",
    "Watch",
    "Headphones",
];

/// A sentence of 8–20 words in help-center English.
fn sentence(rng: &mut SplitMix64, topic: &str) -> String {
    let mut s = match rng.below(6) {
        0 => format!(
            "You can {} your {} {} {} days of {}",
            rng.pick(VERBS),
            rng.pick(NOUNS),
            rng.pick(GLUE),
            7 + rng.below(60),
            rng.pick(&["delivery", "purchase", "shipping", "receiving it"])
        ),
        1 => format!(
            "We {} every {} {} our team has checked the {} {}",
            rng.pick(VERBS),
            rng.pick(NOUNS),
            rng.pick(GLUE),
            rng.pick(ADJECTIVES),
            rng.pick(NOUNS)
        ),
        2 => format!(
            "For {} questions, {} the {} {} and include your {} number",
            topic,
            rng.pick(VERBS),
            rng.pick(ADJECTIVES),
            rng.pick(NOUNS),
            rng.pick(NOUNS)
        ),
        3 => format!(
            "{} {} items must be {} in their {} {} with the {} attached",
            rng.pick(&["Most", "All", "Some", "Eligible", "Sale"]),
            rng.pick(ADJECTIVES),
            rng.pick(&["returned", "sent back", "shipped", "packed", "kept"]),
            rng.pick(ADJECTIVES),
            rng.pick(NOUNS),
            rng.pick(NOUNS)
        ),
        4 => format!(
            "It usually takes {} to {} business days to {} a {} {} to {}",
            1 + rng.below(5),
            6 + rng.below(10),
            rng.pick(VERBS),
            rng.pick(ADJECTIVES),
            rng.pick(NOUNS),
            rng.pick(&[
                "most countries",
                "your address",
                "our warehouse",
                "the carrier"
            ])
        ),
        _ => format!(
            "Please {} the {} {} you {} a {} {}, otherwise we cannot {} it",
            rng.pick(VERBS),
            rng.pick(NOUNS),
            rng.pick(GLUE),
            rng.pick(VERBS),
            rng.pick(ADJECTIVES),
            rng.pick(NOUNS),
            rng.pick(VERBS)
        ),
    };
    s.push('.');
    s
}

fn paragraph(rng: &mut SplitMix64, topic: &str, words: &mut usize) -> String {
    let sentences: Vec<String> = (0..2 + rng.below(4))
        .map(|_| sentence(rng, topic))
        .collect();
    let text = sentences.join(" ");
    *words += text.split_whitespace().count();
    text
}

/// Document `i`: every third a product, the others help-center articles of 300–600 words.
fn document(i: usize) -> Document {
    let mut rng = SplitMix64::new(i as u64 * 0x2545_F491_4F6C_DD1D + 1);
    if i.is_multiple_of(PRODUCT_EVERY) {
        return product(i, &mut rng);
    }
    let topic = TOPICS[rng.below(TOPICS.len())];
    let target = 300 + rng.below(301);
    let mut words = 0;
    let mut blocks = vec![Block::Paragraph(paragraph(&mut rng, topic, &mut words))];
    while words < target {
        blocks.push(Block::Heading {
            level: 2,
            text: format!(
                "{} {} {}",
                rng.pick(&["How to", "When to", "Why we", "Can I"]),
                rng.pick(VERBS),
                rng.pick(NOUNS)
            ),
        });
        for _ in 0..1 + rng.below(3) {
            if words >= target {
                break;
            }
            blocks.push(Block::Paragraph(paragraph(&mut rng, topic, &mut words)));
        }
        if words < target && rng.below(3) == 0 {
            for _ in 0..3 + rng.below(3) {
                let item = sentence(&mut rng, topic);
                words += item.split_whitespace().count();
                blocks.push(Block::Item(item));
            }
        }
    }
    Document {
        source_kind: SourceKind::Article,
        external_id: format!("help/{i}"),
        url: Some(format!("https://bench.example/help/{i}")),
        title: format!(
            "{}{}: {} {} ({i})",
            topic[..1].to_uppercase(),
            &topic[1..],
            rng.pick(&[
                "everything about",
                "how we handle",
                "a guide to",
                "questions on"
            ]),
            rng.pick(NOUNS)
        ),
        blocks,
        fields: StructuredFields::default(),
        updated_at: None,
    }
}

fn product(i: usize, rng: &mut SplitMix64) -> Document {
    let material = *rng.pick(MATERIALS);
    let kind = *rng.pick(PRODUCTS);
    let title = format!("{} {material} {kind} {i}", {
        let adjective = *rng.pick(ADJECTIVES);
        format!("{}{}", adjective[..1].to_uppercase(), &adjective[1..])
    });
    let mut words = 0;
    let mut blocks = vec![Block::Paragraph(paragraph(rng, "product", &mut words))];
    for _ in 0..3 + rng.below(3) {
        blocks.push(Block::Item(format!(
            "{} {} {}",
            rng.pick(ADJECTIVES),
            material.to_lowercase(),
            rng.pick(NOUNS)
        )));
    }
    let price = 5.0 + rng.below(20_000) as f64 / 100.0;
    Document {
        source_kind: SourceKind::Product,
        external_id: format!("gid://shopify/Product/{}", 9_000_000 + i),
        url: Some(format!("https://bench.example/products/{i}")),
        title,
        blocks,
        fields: StructuredFields {
            price_min: Some(price),
            price_max: Some(price + rng.below(3) as f64 * 10.0),
            currency: Some("USD".to_owned()),
            available: Some(rng.below(5) != 0),
            options: vec![(
                "Size".to_owned(),
                vec!["S".to_owned(), "M".to_owned(), "L".to_owned()],
            )],
            tags: vec![material.to_lowercase(), kind.to_lowercase()],
            vendor: Some("Bench Goods".to_owned()),
            product_type: Some(kind.to_owned()),
            handle: Some(format!("product-{i}")),
            image: None,
            collections: vec![format!("{material} collection")],
            variant_count: Some(3),
        },
        updated_at: None,
    }
}
