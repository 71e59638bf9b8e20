//! Knowledge: the store's content turned into something the assistant can search.
//!
//! Ingestion turns documents into chunks, chunks into embeddings, and embeddings into rows
//! for hybrid search. This module starts with [`embed`], the local embedding model.

pub mod embed;
