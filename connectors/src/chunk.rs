//! Chunking that follows a document's structure.
//!
//! Chunks never straddle a heading; a question stays with its answer; blocks are packed up
//! to a budget counted in the embedding model's own tokens (the caller supplies the counter),
//! and a chunk cut for size inside a section starts with the last sentences of the one
//! before (the overlap), so a fact split across the cut is still found. Every chunk's text
//! starts with the document title and its heading path, which is what a retrieval hit needs
//! to make sense on its own. A product is always one chunk, its structured fields rendered
//! into the text.

use crate::document::{Block, Document, SourceKind, StructuredFields};

/// Counts tokens as the embedding model will.
pub trait TokenCounter {
    fn count(&self, text: &str) -> usize;
}

/// Counts whitespace-separated words: for tests and as a rough stand-in.
pub struct Words;

impl TokenCounter for Words {
    fn count(&self, text: &str) -> usize {
        text.split_whitespace().count()
    }
}

#[derive(Debug, Clone, Copy)]
pub struct ChunkOptions {
    /// Budget for a chunk's whole text (title and heading path included).
    pub max_tokens: usize,
    /// How much of a size-cut chunk's tail the next one repeats.
    pub overlap_tokens: usize,
}

impl Default for ChunkOptions {
    /// all-MiniLM-L6-v2 reads 256 tokens; leave room for the special tokens.
    fn default() -> Self {
        Self {
            max_tokens: 240,
            overlap_tokens: 40,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    pub ordinal: usize,
    pub heading_path: Vec<String>,
    /// What is embedded and indexed: title, heading path, body.
    pub text: String,
    /// The body alone, for snippets.
    pub body: String,
}

/// Cuts `doc` into chunks.
pub fn chunk(doc: &Document, counter: &dyn TokenCounter, options: &ChunkOptions) -> Vec<Chunk> {
    if doc.source_kind == SourceKind::Product {
        let body = product_body(doc);
        return vec![Chunk {
            ordinal: 0,
            heading_path: Vec::new(),
            text: compose(&doc.title, &[], &body),
            body,
        }];
    }
    let mut out = Chunker {
        doc,
        counter,
        options,
        chunks: Vec::new(),
        path: Vec::new(),
        levels: Vec::new(),
        body: Vec::new(),
    };
    for block in &doc.blocks {
        match block {
            Block::Heading { level, text } => {
                out.flush();
                // A heading closes every open section of its level or deeper (levels may
                // skip: a page of only h2 sections has siblings, not a nesting).
                while out.levels.last().is_some_and(|open| open >= level) {
                    out.levels.pop();
                    out.path.pop();
                }
                out.levels.push(*level);
                out.path.push(text.clone());
            }
            other => out.add(other.render()),
        }
    }
    out.flush();
    if out.chunks.is_empty() && !doc.title.trim().is_empty() {
        out.chunks.push(Chunk {
            ordinal: 0,
            heading_path: Vec::new(),
            text: doc.title.clone(),
            body: String::new(),
        });
    }
    out.chunks
}

struct Chunker<'a> {
    doc: &'a Document,
    counter: &'a dyn TokenCounter,
    options: &'a ChunkOptions,
    chunks: Vec<Chunk>,
    path: Vec<String>,
    /// The level of each heading in `path`.
    levels: Vec<u8>,
    /// Pieces of the chunk being built.
    body: Vec<String>,
}

impl Chunker<'_> {
    fn budget(&self) -> usize {
        let header = self
            .counter
            .count(&compose(&self.doc.title, &self.path, ""));
        self.options.max_tokens.saturating_sub(header).max(16)
    }

    fn used(&self) -> usize {
        self.counter.count(&self.body.join("\n\n"))
    }

    /// Adds a rendered block, splitting it by sentences if it alone exceeds the budget.
    fn add(&mut self, piece: String) {
        let budget = self.budget();
        if self.counter.count(&piece) > budget {
            // Pieces leave room for the overlap the next chunk repeats.
            let size = budget
                .saturating_sub(self.options.overlap_tokens)
                .max(budget / 2)
                .max(8);
            for part in split_to_fit(&piece, size, self.counter) {
                self.add_fitting(part);
            }
        } else {
            self.add_fitting(piece);
        }
    }

    fn add_fitting(&mut self, piece: String) {
        let budget = self.budget();
        let size = self.counter.count(&piece);
        if !self.body.is_empty() && self.used() + size > budget {
            // Repeat as much of the tail as fits beside the new piece.
            let room = budget.saturating_sub(size).min(self.options.overlap_tokens);
            let overlap = self.tail(room);
            self.flush();
            if !overlap.is_empty() {
                self.body.push(overlap);
            }
        }
        self.body.push(piece);
    }

    /// The last sentences of the current body, up to `tokens`.
    fn tail(&self, tokens: usize) -> String {
        let text = self.body.join(" ");
        let mut kept: Vec<&str> = Vec::new();
        for sentence in sentences(&text).into_iter().rev() {
            let candidate = self.counter.count(sentence)
                + kept.iter().map(|s| self.counter.count(s)).sum::<usize>();
            if candidate > tokens {
                break;
            }
            kept.insert(0, sentence);
        }
        kept.join(" ")
    }

    fn flush(&mut self) {
        if self.body.is_empty() {
            return;
        }
        let body = std::mem::take(&mut self.body).join("\n\n");
        self.chunks.push(Chunk {
            ordinal: self.chunks.len(),
            heading_path: self.path.clone(),
            text: compose(&self.doc.title, &self.path, &body),
            body,
        });
    }
}

fn compose(title: &str, path: &[String], body: &str) -> String {
    let mut text = title.trim().to_owned();
    let path: Vec<&str> = path
        .iter()
        .map(String::as_str)
        .filter(|p| *p != title)
        .collect();
    if !path.is_empty() {
        text.push('\n');
        text.push_str(&path.join(" > "));
    }
    if !body.is_empty() {
        text.push_str("\n\n");
        text.push_str(body);
    }
    text
}

/// Sentences, keeping their end punctuation; a newline also ends one.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        let end = match b {
            b'.' | b'!' | b'?' => bytes.get(i + 1).is_none_or(|n| n.is_ascii_whitespace()),
            b'\n' => true,
            _ => false,
        };
        if end {
            let s = text[start..=i].trim();
            if !s.is_empty() {
                out.push(s);
            }
            start = i + 1;
        }
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// Splits `text` into pieces within `budget`: by sentences, then by words.
fn split_to_fit(text: &str, budget: usize, counter: &dyn TokenCounter) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    for sentence in sentences(text) {
        let units: Vec<String> = if counter.count(sentence) > budget {
            sentence.split_whitespace().map(str::to_owned).collect()
        } else {
            vec![sentence.to_owned()]
        };
        for unit in units {
            let candidate = if current.is_empty() {
                unit.clone()
            } else {
                format!("{current} {unit}")
            };
            if !current.is_empty() && counter.count(&candidate) > budget {
                pieces.push(std::mem::replace(&mut current, unit));
            } else {
                current = candidate;
            }
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

/// A product's one chunk: its facts first, then its description.
fn product_body(doc: &Document) -> String {
    let f: &StructuredFields = &doc.fields;
    let mut lines = Vec::new();
    let currency = f.currency.as_deref().unwrap_or("");
    match (f.price_min, f.price_max) {
        (Some(min), Some(max)) if (max - min).abs() > f64::EPSILON => lines.push(
            format!("Price: {min:.2}–{max:.2} {currency}")
                .trim_end()
                .to_owned(),
        ),
        (Some(price), _) => lines.push(
            format!("Price: {price:.2} {currency}")
                .trim_end()
                .to_owned(),
        ),
        _ => {}
    }
    if let Some(available) = f.available {
        lines.push(if available {
            "In stock".to_owned()
        } else {
            "Out of stock".to_owned()
        });
    }
    for (name, values) in &f.options {
        lines.push(format!("{name}: {}", values.join(", ")));
    }
    if let Some(vendor) = &f.vendor {
        lines.push(format!("Brand: {vendor}"));
    }
    if let Some(kind) = &f.product_type {
        lines.push(format!("Type: {kind}"));
    }
    if !f.tags.is_empty() {
        lines.push(format!("Tags: {}", f.tags.join(", ")));
    }
    let description = doc.text();
    if !description.is_empty() {
        lines.push(String::new());
        lines.push(description);
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(blocks: Vec<Block>) -> Document {
        Document {
            source_kind: SourceKind::Page,
            external_id: "faq".into(),
            url: None,
            title: "FAQ".into(),
            blocks,
            fields: StructuredFields::default(),
            updated_at: None,
        }
    }

    fn para(words: usize, tag: &str) -> Block {
        let sentence = |i| format!("{tag} sentence {i} has some words here.");
        Block::Paragraph((0..words / 6).map(sentence).collect::<Vec<_>>().join(" "))
    }

    #[test]
    fn sibling_sections_do_not_nest_whatever_their_level() {
        let heading = |level, text: &str| Block::Heading {
            level,
            text: text.into(),
        };
        let doc = page(vec![
            heading(2, "Return window"),
            para(12, "a"),
            heading(2, "Exchanges"),
            para(12, "b"),
            heading(4, "Sizes"),
            para(12, "c"),
            heading(3, "Gifts"),
            para(12, "d"),
        ]);
        let paths: Vec<Vec<String>> = chunk(&doc, &Words, &ChunkOptions::default())
            .into_iter()
            .map(|c| c.heading_path)
            .collect();
        assert_eq!(
            paths,
            [
                vec!["Return window"],
                vec!["Exchanges"],
                vec!["Exchanges", "Sizes"],
                vec!["Exchanges", "Gifts"],
            ]
        );
    }

    #[test]
    fn chunks_follow_headings_and_fit_the_budget() {
        let doc = page(vec![
            Block::Heading {
                level: 1,
                text: "Shipping".into(),
            },
            para(30, "ship"),
            Block::Heading {
                level: 2,
                text: "International".into(),
            },
            para(30, "intl"),
            Block::Heading {
                level: 1,
                text: "Returns".into(),
            },
            para(300, "ret"),
        ]);
        let options = ChunkOptions {
            max_tokens: 80,
            overlap_tokens: 12,
        };
        let chunks = chunk(&doc, &Words, &options);
        assert_eq!(chunks[0].heading_path, vec!["Shipping"]);
        assert_eq!(chunks[1].heading_path, vec!["Shipping", "International"]);
        assert!(chunks[1].text.starts_with("FAQ\nShipping > International"));
        assert!(
            chunks[2..]
                .iter()
                .all(|c| c.heading_path == vec!["Returns"])
        );
        assert!(chunks.len() > 4, "the long section is split");
        for c in &chunks {
            assert!(
                Words.count(&c.text) <= 80,
                "{} tokens: {}",
                Words.count(&c.text),
                c.text
            );
            assert!(
                !c.body.contains("ship sentence") || !c.body.contains("intl sentence"),
                "never across a heading"
            );
        }
        // The overlap: a size-cut chunk starts with the end of the previous one.
        let last_of_prev = sentences(&chunks[2].body)
            .last()
            .copied()
            .unwrap_or_default()
            .to_owned();
        assert!(chunks[3].body.starts_with(&last_of_prev), "overlap missing");
        assert_eq!(
            chunks.iter().map(|c| c.ordinal).collect::<Vec<_>>(),
            (0..chunks.len()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_question_stays_with_its_answer_and_a_product_is_one_chunk() {
        let qa = Block::QuestionAnswer {
            question: "Do you ship to Canada?".into(),
            answer: "Yes, for $19.".into(),
        };
        let chunks = chunk(
            &page(vec![para(60, "a"), qa.clone()]),
            &Words,
            &ChunkOptions {
                max_tokens: 70,
                overlap_tokens: 0,
            },
        );
        assert!(chunks.iter().any(|c| {
            c.body
                .contains("Q: Do you ship to Canada?\nA: Yes, for $19.")
        }));

        let mut product = page(vec![para(600, "desc")]);
        product.source_kind = SourceKind::Product;
        product.title = "Ridgeline Jacket".into();
        product.fields.price_min = Some(89.0);
        product.fields.price_max = Some(99.0);
        product.fields.currency = Some("USD".into());
        product.fields.options = vec![("Size".into(), vec!["S".into(), "M".into()])];
        product.fields.available = Some(true);
        let chunks = chunk(&product, &Words, &ChunkOptions::default());
        assert_eq!(chunks.len(), 1);
        assert!(
            chunks[0]
                .text
                .starts_with("Ridgeline Jacket\n\nPrice: 89.00–99.00 USD\nIn stock\nSize: S, M"),
            "{}",
            chunks[0].text
        );
    }

    #[test]
    fn empty_and_giant_inputs_do_not_break() {
        assert!(chunk(&page(vec![]), &Words, &ChunkOptions::default()).len() == 1);
        let giant = Block::Paragraph("word ".repeat(5000));
        let chunks = chunk(
            &page(vec![giant]),
            &Words,
            &ChunkOptions {
                max_tokens: 100,
                overlap_tokens: 10,
            },
        );
        assert!(chunks.len() >= 50);
        assert!(chunks.iter().all(|c| Words.count(&c.text) <= 100));
    }
}
