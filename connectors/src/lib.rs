//! Content sources turned into normalized documents, and documents into chunks.
//!
//! Every source (the Shopify catalog and content, a crawled help center, uploaded files, FAQ
//! entries the merchant types) becomes a [`Document`]: clean text that keeps its headings,
//! plus structured fields. [`chunk`] then cuts documents along their structure into pieces
//! sized in the embedding model's tokens. This crate knows nothing of HTTP routes, the
//! database or the embedding model itself.

pub mod chunk;
pub mod crawl;
pub mod document;
pub mod files;
pub mod html;
mod pdf;

pub use chunk::{Chunk, ChunkOptions, TokenCounter, chunk};
pub use document::{Block, Document, SourceKind, StructuredFields};
