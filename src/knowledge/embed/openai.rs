//! A hosted embedding model behind any OpenAI-compatible `/embeddings` endpoint (OpenAI,
//! vLLM, Ollama, text-embeddings-inference, LiteLLM, ...), for stores that want a larger model
//! than the local one.
//!
//! The API is spoken through `async-openai`, with our own transport underneath so that every
//! error status reaches us typed (the crate turns a plain-text 429 into a JSON error) and so
//! that retries are ours: bounded, with exponential backoff and jitter, only on 429, 5xx,
//! timeouts and connection failures, never on other 4xx.
//!
//! Hosted APIs do not promise what local inference does, so every answer is checked: one
//! vector per text, put back in input order by its `index`, of the expected length, and
//! L2-normalised here (some compatible servers do not normalise).

use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::Duration;

use async_openai::Client;
use async_openai::config::Config as _;
use async_openai::error::OpenAIError;
use async_openai::types::embeddings::{
    CreateEmbeddingRequest, CreateEmbeddingResponse, EmbeddingInput,
};
use secrecy::ExposeSecret;

use super::{EmbedError, EmbedFuture, Embedder};
use crate::config::{Config, EmbeddingsConfig, MAX_EMBEDDING_DIMENSIONS};

/// The hosted embedder when one is configured, else the local model.
pub async fn from_config(config: &Config) -> Result<Arc<dyn Embedder>, EmbedError> {
    match &config.embeddings {
        Some(hosted) => Ok(Arc::new(OpenAiEmbedder::connect(hosted).await?)),
        None => Ok(Arc::new(super::local()?)),
    }
}

/// How requests to the API are sized and retried. The defaults suit OpenAI's limits.
#[derive(Debug, Clone)]
pub struct RequestPolicy {
    /// Characters per request, summed over its texts (OpenAI caps a request at 300,000
    /// tokens; this stays below it whatever the script). A longer text goes alone.
    pub max_request_chars: usize,
    /// Time one attempt may take, from connecting to the last byte of the answer.
    pub timeout: Duration,
    /// Attempts after the first one, for 429, 5xx, timeouts and connection failures.
    pub retries: u32,
    /// Wait before the first retry; doubled for each next one, with jitter.
    pub first_backoff: Duration,
    /// Longest wait between attempts, unless the server's `Retry-After` asks for more (up
    /// to a minute).
    pub max_backoff: Duration,
}

impl Default for RequestPolicy {
    fn default() -> Self {
        Self {
            max_request_chars: 200_000,
            timeout: Duration::from_secs(60),
            retries: 4,
            first_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(20),
        }
    }
}

/// The longest `Retry-After` obeyed; a longer one is cut to this.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// A model behind an OpenAI-compatible embeddings API.
///
/// Its [`Embedder::model`] name is `<host>[:port]<path>:<model>:<dimensions>`, e.g.
/// `api.openai.com/v1:text-embedding-3-small:1536`: vectors from two endpoints (which may
/// serve different models under one name) or of two lengths are never mixed. Moving to
/// another address of the same server therefore re-embeds the store.
pub struct OpenAiEmbedder {
    client: Client<llm::openai::ApiConfig>,
    /// The model's name at the API.
    api_model: String,
    /// The name stored with each vector (see above).
    name: String,
    dimensions: usize,
    /// Whether to send `dimensions` (only when configured: not every server knows it).
    request_dimensions: bool,
    max_tokens: usize,
    batch_size: usize,
    policy: RequestPolicy,
}

impl std::fmt::Debug for OpenAiEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiEmbedder")
            .field("model", &self.name)
            .field("url", &self.client.config().api_base())
            .field("dimensions", &self.dimensions)
            .field("max_tokens", &self.max_tokens)
            .field("batch_size", &self.batch_size)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl OpenAiEmbedder {
    /// Connects with the default [`RequestPolicy`].
    pub async fn connect(config: &EmbeddingsConfig) -> Result<Self, EmbedError> {
        Self::connect_with(config, RequestPolicy::default()).await
    }

    /// Builds the client. With `dimensions` configured nothing is sent yet (a bad key shows
    /// on the first embedding, and start does not depend on the API being up); without, one
    /// short text is embedded to learn the model's length, which must be at most
    /// [`MAX_EMBEDDING_DIMENSIONS`].
    pub async fn connect_with(
        config: &EmbeddingsConfig,
        policy: RequestPolicy,
    ) -> Result<Self, EmbedError> {
        let base = config.url.trim_end_matches('/').to_owned();
        let endpoint = endpoint_name(&base)?;
        if config.model.trim().is_empty() {
            return Err(EmbedError::Config("no model name".into()));
        }
        let client = llm::openai::client(&base, config.api_key.as_ref(), reqwest_client(&policy)?)
            .map_err(|e| EmbedError::Config(e.to_string()))?;

        let mut embedder = Self {
            client,
            api_model: config.model.trim().to_owned(),
            name: String::new(),
            dimensions: config.dimensions.unwrap_or(0),
            request_dimensions: config.dimensions.is_some(),
            max_tokens: config.max_tokens.max(1),
            batch_size: config.batch_size.max(1),
            policy,
        };
        if embedder.dimensions == 0 {
            let response = embedder.request(vec!["dimension probe".into()]).await?;
            let got = response.data.len();
            let first = response.data.into_iter().next();
            let dimensions = match first {
                Some(item) if got == 1 => item.embedding.len(),
                _ => return Err(EmbedError::WrongCount { expected: 1, got }),
            };
            embedder.dimensions = dimensions;
        }
        if !(1..=MAX_EMBEDDING_DIMENSIONS).contains(&embedder.dimensions) {
            return Err(EmbedError::Config(format!(
                "{} gives vectors of {} dimensions; at most {MAX_EMBEDDING_DIMENSIONS} can be \
                 indexed: set CONCIERGE_EMBEDDINGS_DIMENSIONS if the model can shorten them",
                embedder.api_model, embedder.dimensions
            )));
        }
        embedder.name = format!("{endpoint}:{}:{}", embedder.api_model, embedder.dimensions);
        Ok(embedder)
    }

    /// Embeds one request's worth of texts, checking and reordering the answer.
    async fn embed_batch(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>, EmbedError> {
        let expected = texts.len();
        let response = self.request(texts).await?;
        if response.data.len() != expected {
            return Err(EmbedError::WrongCount {
                expected,
                got: response.data.len(),
            });
        }
        let mut vectors: Vec<Option<Vec<f32>>> = vec![None; expected];
        for item in response.data {
            let slot = vectors.get_mut(item.index as usize).ok_or_else(|| {
                EmbedError::BadResponse(format!(
                    "index {} for a request of {expected} texts",
                    item.index
                ))
            })?;
            if slot.is_some() {
                return Err(EmbedError::BadResponse(format!(
                    "index {} appears twice",
                    item.index
                )));
            }
            if item.embedding.len() != self.dimensions {
                return Err(EmbedError::WrongDimensions {
                    expected: self.dimensions,
                    got: item.embedding.len(),
                });
            }
            *slot = Some(normalise(item.embedding)?);
        }
        // As many distinct indices below `expected` as texts: every slot is filled.
        Ok(vectors.into_iter().flatten().collect())
    }

    /// One call to `/embeddings`, retried while the failure may pass.
    async fn request(&self, texts: Vec<String>) -> Result<CreateEmbeddingResponse, EmbedError> {
        let request = CreateEmbeddingRequest {
            model: self.api_model.clone(),
            input: EmbeddingInput::StringArray(texts),
            encoding_format: None,
            user: None,
            dimensions: self
                .request_dimensions
                .then(|| u32::try_from(self.dimensions).unwrap_or(u32::MAX)),
        };
        let mut retry = 0;
        loop {
            let error = match self.client.embeddings().create(request.clone()).await {
                Ok(response) => return Ok(response),
                Err(error) => self.classify(error),
            };
            if !error.transient || retry >= self.policy.retries {
                return Err(error.error);
            }
            let delay = error
                .retry_after
                .map(|d| d.min(MAX_RETRY_AFTER))
                .unwrap_or_else(|| backoff(&self.policy, retry));
            retry += 1;
            tracing::warn!(
                error = %error.error,
                retry,
                of = self.policy.retries,
                delay_ms = delay.as_millis() as u64,
                "embeddings request failed; retrying"
            );
            tokio::time::sleep(delay).await;
        }
    }

    fn classify(&self, error: OpenAIError) -> Failure {
        match error {
            OpenAIError::Boxed(boxed) => match boxed.downcast::<llm::openai::HttpStatus>() {
                Ok(status) => {
                    let mut message = status.message;
                    // Some servers quote the credential they rejected.
                    let key = self.client.config().api_key().expose_secret();
                    if !key.is_empty() {
                        message = message.replace(key, "[REDACTED]");
                    }
                    Failure {
                        transient: status.status == 429 || status.status >= 500,
                        retry_after: status.retry_after,
                        error: EmbedError::Api {
                            status: status.status,
                            message,
                        },
                    }
                }
                Err(other) => Failure::permanent(EmbedError::Inference(other)),
            },
            OpenAIError::Reqwest(error) => Failure {
                transient: error.is_timeout()
                    || error.is_connect()
                    || error.is_request()
                    || error.is_body(),
                retry_after: None,
                // reqwest's message names the URL, which holds no secret.
                error: EmbedError::Unreachable(error.into()),
            },
            // Not the content: it is the whole (large, maybe odd) answer.
            OpenAIError::JSONDeserialize(error, _) => Failure::permanent(EmbedError::BadResponse(
                format!("not an embeddings answer: {error}"),
            )),
            other => Failure::permanent(EmbedError::Inference(other.into())),
        }
    }
}

impl Embedder for OpenAiEmbedder {
    fn model(&self) -> &str {
        &self.name
    }

    fn dimensions(&self) -> usize {
        self.dimensions
    }

    fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    /// An estimate that errs high, since the model's tokenizer is not at hand: a third of a
    /// token per ASCII character (English averages about four characters a token; code and
    /// numbers nearer three) and a token per other character (about right for CJK, high for
    /// accented and Cyrillic text), rounded up.
    fn count_tokens(&self, text: &str) -> usize {
        weight(text).div_ceil(3)
    }

    /// Texts longer than [`Embedder::max_tokens`] (by [`Embedder::count_tokens`]) are cut to
    /// it rather than refused by the API; an empty text is sent as one space, which OpenAI
    /// accepts where it refuses "". Requests go one after another.
    fn embed(&self, texts: Vec<String>) -> EmbedFuture<'_> {
        Box::pin(async move {
            let mut vectors = Vec::with_capacity(texts.len());
            for batch in self.batches(texts) {
                vectors.extend(self.embed_batch(batch).await?);
            }
            Ok(vectors)
        })
    }
}

impl OpenAiEmbedder {
    /// Cuts `texts` into requests of at most `batch_size` texts and
    /// `policy.max_request_chars` characters, keeping their order.
    fn batches(&self, texts: Vec<String>) -> Vec<Vec<String>> {
        let mut batches: Vec<Vec<String>> = Vec::new();
        let mut chars = 0;
        for text in texts {
            let text = fit(text, self.max_tokens);
            let len = text.chars().count();
            let full = batches.last().is_none_or(|batch| {
                batch.len() >= self.batch_size || chars + len > self.policy.max_request_chars
            });
            if full {
                batches.push(Vec::new());
                chars = 0;
            }
            chars += len;
            if let Some(batch) = batches.last_mut() {
                batch.push(text);
            }
        }
        batches
    }
}

/// [`OpenAiEmbedder::count_tokens`] in thirds of a token.
fn weight(text: &str) -> usize {
    text.chars().map(char_weight).sum()
}

fn char_weight(c: char) -> usize {
    if c.is_ascii() { 1 } else { 3 }
}

/// `text` cut to `max_tokens` as counted by [`OpenAiEmbedder::count_tokens`]; never empty.
fn fit(mut text: String, max_tokens: usize) -> String {
    let budget = max_tokens.saturating_mul(3);
    let mut used = 0;
    let cut = text.char_indices().find_map(|(i, c)| {
        used += char_weight(c);
        (used > budget).then_some(i)
    });
    if let Some(cut) = cut {
        text.truncate(cut);
    }
    if text.is_empty() {
        text.push(' ');
    }
    text
}

/// Scales `vector` to length 1; a zero or non-finite vector is an error, not a direction.
fn normalise(mut vector: Vec<f32>) -> Result<Vec<f32>, EmbedError> {
    let norm = vector
        .iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum::<f64>()
        .sqrt();
    if !norm.is_normal() {
        return Err(EmbedError::BadResponse(format!(
            "a vector of length {norm}"
        )));
    }
    for x in &mut vector {
        *x = (f64::from(*x) / norm) as f32;
    }
    Ok(vector)
}

/// `first_backoff * 2^retry`, at most `max_backoff`, then scaled by a random factor in
/// [0.5, 1) so that workers throttled together do not come back together.
fn backoff(policy: &RequestPolicy, retry: u32) -> Duration {
    let exponential = policy
        .first_backoff
        .saturating_mul(2u32.saturating_pow(retry))
        .min(policy.max_backoff);
    // A fresh `RandomState` is randomly keyed: enough randomness for jitter.
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let factor = 0.5 + (random % 1000) as f64 / 2000.0;
    exponential.mul_f64(factor)
}

/// `<host>[:port]<path>` of the base URL: the scheme does not change the server.
fn endpoint_name(base: &str) -> Result<String, EmbedError> {
    let url = reqwest::Url::parse(base)
        .map_err(|e| EmbedError::Config(format!("the API URL {base:?}: {e}")))?;
    let host = url
        .host_str()
        .filter(|_| matches!(url.scheme(), "http" | "https"))
        .ok_or_else(|| EmbedError::Config(format!("the API URL {base:?} is not http(s)")))?;
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    Ok(format!("{host}{port}{}", url.path().trim_end_matches('/')))
}

fn reqwest_client(policy: &RequestPolicy) -> Result<reqwest::Client, EmbedError> {
    // reqwest is built without a TLS crypto provider; a no-op when the app installed one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .connect_timeout(policy.timeout.min(Duration::from_secs(10)))
        .timeout(policy.timeout)
        .user_agent(concat!("concierge/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| EmbedError::Config(format!("cannot build the HTTP client: {e}")))
}

/// A failed attempt and whether another may succeed.
struct Failure {
    error: EmbedError,
    transient: bool,
    retry_after: Option<Duration>,
}

impl Failure {
    fn permanent(error: EmbedError) -> Self {
        Self {
            error,
            transient: false,
            retry_after: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counting_errs_high_and_fit_cuts_to_the_count() {
        let embedder_count = |text: &str| weight(text).div_ceil(3);
        assert_eq!(embedder_count(""), 0);
        assert_eq!(embedder_count("abc"), 1);
        assert_eq!(embedder_count("abcd"), 2);
        assert_eq!(embedder_count("日本語"), 3);

        let long = "word ".repeat(100);
        let cut = fit(long, 10);
        assert_eq!(cut.len(), 30);
        assert!(embedder_count(&cut) <= 10);
        let cut = fit("日本語のテキスト".into(), 2);
        assert_eq!(cut, "日本");
        assert_eq!(fit(String::new(), 10), " ");
    }

    #[test]
    fn endpoint_names_drop_the_scheme_and_keep_the_port_and_path() {
        assert_eq!(
            endpoint_name("https://api.openai.com/v1").ok().as_deref(),
            Some("api.openai.com/v1")
        );
        assert_eq!(
            endpoint_name("http://127.0.0.1:11434/v1/").ok().as_deref(),
            Some("127.0.0.1:11434/v1")
        );
        assert!(endpoint_name("ftp://x.example").is_err());
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter() {
        let policy = RequestPolicy {
            first_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(1000),
            ..RequestPolicy::default()
        };
        for (retry, full) in [
            (0, 100),
            (1, 200),
            (2, 400),
            (3, 800),
            (4, 1000),
            (30, 1000),
        ] {
            let delay = backoff(&policy, retry).as_millis();
            assert!(delay >= full / 2 && delay <= full, "{retry}: {delay}");
        }
    }
}
