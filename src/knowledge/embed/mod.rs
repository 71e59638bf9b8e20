//! Text embeddings: turning chunks of store content and shoppers' questions into vectors.
//!
//! Retrieval compares a question's vector with the vectors of the store's chunks, so both
//! must come from the same model. The model sits behind [`Embedder`] so that the app runs a
//! local model by default ([`MiniLm`], all-MiniLM-L6-v2 in-process: no network, no API key,
//! nothing downloaded at run time) and tests can swap in a fake.

mod minilm;

pub use minilm::{MODEL_NAME, MiniLm, default_model_dir};

/// Turns texts into fixed-size, L2-normalised vectors.
///
/// Embedding is CPU-bound and synchronous: async callers should run it inside
/// `tokio::task::spawn_blocking`.
pub trait Embedder: Send + Sync {
    /// The model's name, stored next to each vector so that vectors from different models
    /// are never compared.
    fn model(&self) -> &str;

    /// The length of every vector [`Embedder::embed`] returns.
    fn dimensions(&self) -> usize;

    /// One vector per text, in the order of `texts`. An empty slice gives an empty result;
    /// an empty string gives a valid vector.
    fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError>;
}

/// Why embedding failed.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// The model's files are missing or unreadable (a setup problem, not a per-request one).
    #[error("cannot load the embedding model from {path}: {source}")]
    Load {
        path: std::path::PathBuf,
        #[source]
        source: BoxError,
    },
    /// The tokenizer rejected the input.
    #[error("cannot tokenize the input: {0}")]
    Tokenize(#[source] BoxError),
    /// The model failed while running.
    #[error("embedding inference failed: {0}")]
    Inference(#[source] BoxError),
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;
