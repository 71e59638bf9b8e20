//! Text embeddings: turning chunks of store content and shoppers' questions into vectors.
//!
//! Retrieval compares a question's vector with the vectors of the store's chunks, so both
//! must come from the same model. The model sits behind [`Embedder`] so that the app runs a
//! local model by default ([`MiniLm`], all-MiniLM-L6-v2 in-process: no network, no API key,
//! nothing downloaded at run time) and tests can swap in a fake.

mod minilm;
mod openai;

pub use minilm::{MODEL_NAME, MiniLm, default_model_dir};
pub use openai::{OpenAiEmbedder, RequestPolicy, from_config};

/// The local model from [`default_model_dir`], loaded once per process and shared.
pub fn local() -> Result<MiniLm, EmbedError> {
    static MODEL: std::sync::OnceLock<MiniLm> = std::sync::OnceLock::new();
    if let Some(model) = MODEL.get() {
        return Ok(model.clone());
    }
    let model = MiniLm::load(&default_model_dir())?;
    Ok(MODEL.get_or_init(|| model).clone())
}

/// What [`Embedder::embed`] returns: a boxed future, so that embedders can sit behind `dyn`.
pub type EmbedFuture<'a> =
    std::pin::Pin<Box<dyn Future<Output = Result<Vec<Vec<f32>>, EmbedError>> + Send + 'a>>;

/// Turns texts into fixed-size, L2-normalised vectors.
///
/// A local model runs on the blocking pool; a hosted one is an HTTP call. Either way the
/// caller just awaits.
pub trait Embedder: Send + Sync {
    /// The model's name, stored next to each vector so that vectors from different models
    /// are never compared.
    fn model(&self) -> &str;

    /// The length of every vector [`Embedder::embed`] returns.
    fn dimensions(&self) -> usize;

    /// How many of the model's tokens one text may hold; the rest is not read.
    fn max_tokens(&self) -> usize;

    /// Counts tokens as the model does (chunks are sized with it).
    fn count_tokens(&self, text: &str) -> usize;

    /// One vector per text, in the order of `texts`. An empty list gives an empty result;
    /// an empty string gives a valid vector.
    fn embed(&self, texts: Vec<String>) -> EmbedFuture<'_>;
}

/// Any embedder as the chunker's token counter.
pub struct Tokens<'a>(pub &'a dyn Embedder);

impl connectors::TokenCounter for Tokens<'_> {
    fn count(&self, text: &str) -> usize {
        self.0.count_tokens(text)
    }
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
    /// The hosted model's settings cannot work (found when connecting to it).
    #[error("unusable embedding settings: {0}")]
    Config(String),
    /// The hosted model's API answered with an error status (after any retries).
    #[error("the embeddings API answered {status}: {message}")]
    Api { status: u16, message: String },
    /// The hosted model's API could not be reached or did not answer in time (after retries).
    #[error("cannot reach the embeddings API: {0}")]
    Unreachable(#[source] BoxError),
    /// The API answered with another number of vectors than texts were sent.
    #[error("the embeddings API returned {got} vectors for {expected} texts")]
    WrongCount { expected: usize, got: usize },
    /// The API answered with vectors of another length than the model's.
    #[error("the embeddings API returned a vector of {got} dimensions, expected {expected}")]
    WrongDimensions { expected: usize, got: usize },
    /// The API's answer cannot be read or makes no sense (bad JSON, a repeated index, ...).
    #[error("unusable answer from the embeddings API: {0}")]
    BadResponse(String),
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;
