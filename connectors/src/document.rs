//! The normalized document every connector produces.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Where a document came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Product,
    Page,
    Article,
    Policy,
    Web,
    File,
    Faq,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Product => "product",
            Self::Page => "page",
            Self::Article => "article",
            Self::Policy => "policy",
            Self::Web => "web",
            Self::File => "file",
            Self::Faq => "faq",
        }
    }
}

/// Fields a product (and sometimes a page) carries beside its text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StructuredFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_max: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<(String, Vec<String>)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collections: Vec<String>,
    /// How many variants the product had when indexed: live reads ask Shopify for that many
    /// (and a few more), since a query's cost is what it may return, not what it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant_count: Option<usize>,
}

/// A unit of structure in a document's text: what chunking may not cut through lightly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Block {
    /// A heading, with its level (1 = top).
    Heading {
        level: u8,
        text: String,
    },
    Paragraph(String),
    /// One list item.
    Item(String),
    /// A question with its answer, kept together.
    QuestionAnswer {
        question: String,
        answer: String,
    },
}

impl Block {
    /// The block as plain text, headings marked as in Markdown.
    pub fn render(&self) -> String {
        match self {
            Self::Heading { level, text } => {
                format!("{} {text}", "#".repeat(usize::from(*level).clamp(1, 6)))
            }
            Self::Paragraph(text) => text.clone(),
            Self::Item(text) => format!("- {text}"),
            Self::QuestionAnswer { question, answer } => format!("Q: {question}\nA: {answer}"),
        }
    }
}

/// A normalized document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub source_kind: SourceKind,
    /// Stable id within its source (a product gid, a URL, a file name + row).
    pub external_id: String,
    pub url: Option<String>,
    pub title: String,
    pub blocks: Vec<Block>,
    pub fields: StructuredFields,
    pub updated_at: Option<DateTime<Utc>>,
}

impl Document {
    /// The clean text: blocks rendered and separated by blank lines.
    pub fn text(&self) -> String {
        self.blocks
            .iter()
            .map(Block::render)
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    /// A hash of everything that reaches the index: unchanged content is never re-embedded.
    pub fn content_hash(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.source_kind.as_str().as_bytes());
        hasher.update([0]);
        hasher.update(self.title.as_bytes());
        hasher.update([0]);
        hasher.update(self.text().as_bytes());
        hasher.update([0]);
        hasher.update(serde_json::to_vec(&self.fields).unwrap_or_default());
        hasher.update([0]);
        hasher.update(self.url.as_deref().unwrap_or_default().as_bytes());
        hex::encode(hasher.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Document {
        Document {
            source_kind: SourceKind::Page,
            external_id: "p1".into(),
            url: None,
            title: "Shipping".into(),
            blocks: vec![Block::Paragraph(text.into())],
            fields: StructuredFields::default(),
            updated_at: None,
        }
    }

    #[test]
    fn the_hash_follows_content_only() {
        let a = doc("Free shipping over $99.");
        let mut b = doc("Free shipping over $99.");
        b.updated_at = Some(Utc::now());
        assert_eq!(
            a.content_hash(),
            b.content_hash(),
            "a new timestamp alone is no new content"
        );
        assert_ne!(
            a.content_hash(),
            doc("Free shipping over $100.").content_hash()
        );
        let mut priced = doc("Free shipping over $99.");
        priced.fields.price_min = Some(1.0);
        assert_ne!(a.content_hash(), priced.content_hash());
    }
}
