//! The hosted embedding model (any OpenAI-compatible API); without one the local model runs.

use secrecy::SecretString;

use super::validate::{base_url, header_secret, positive};
use super::{ConfigError, Settings};

/// The most dimensions a vector may have: pgvector's HNSW index, which every model's vectors
/// get, holds at most 2000 (and the `embedding_models` table checks it).
pub const MAX_EMBEDDING_DIMENSIONS: usize = 2000;

/// A hosted embedding model behind an OpenAI-compatible API.
#[derive(Debug, Clone)]
pub struct EmbeddingsConfig {
    /// Base URL without a trailing slash, e.g. `https://api.openai.com/v1`.
    pub url: String,
    pub api_key: Option<SecretString>,
    /// The model's name at the API.
    pub model: String,
    /// Sent as the `dimensions` parameter; `None` keeps the model's own length.
    pub dimensions: Option<usize>,
    /// Tokens of one text the model reads.
    pub max_tokens: usize,
    /// Texts per request.
    pub batch_size: usize,
}

impl EmbeddingsConfig {
    /// Settings for `model` at `url`, with the defaults for the rest.
    pub fn new(url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            api_key: None,
            model: model.into(),
            dimensions: None,
            max_tokens: 8191,
            batch_size: 64,
        }
    }
}

/// Validates this concern's settings; the error names the first bad one.
pub(super) fn from_settings(s: &Settings) -> Result<Option<EmbeddingsConfig>, ConfigError> {
    let present = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    // Checked even for the local model, so that a typo does not wait for a hosted one.
    let max_tokens = positive("CONCIERGE_EMBEDDINGS_MAX_TOKENS", &s.embeddings_max_tokens)?;
    let batch_size: usize = positive("CONCIERGE_EMBEDDINGS_BATCH_SIZE", &s.embeddings_batch_size)?;
    if batch_size > 2048 {
        return Err(ConfigError::new(
            "CONCIERGE_EMBEDDINGS_BATCH_SIZE",
            format!("expected at most 2048 (OpenAI's limit), got {batch_size}"),
        ));
    }
    let dimensions = present(&s.embeddings_dimensions)
        .map(|raw| match raw.parse::<usize>() {
            Ok(n) if (1..=MAX_EMBEDDING_DIMENSIONS).contains(&n) => Ok(n),
            _ => Err(ConfigError::new(
                "CONCIERGE_EMBEDDINGS_DIMENSIONS",
                format!(
                    "expected a whole number from 1 to {MAX_EMBEDDING_DIMENSIONS} (pgvector's HNSW \
                     index holds at most {MAX_EMBEDDING_DIMENSIONS} dimensions; models such as \
                     text-embedding-3-large can be asked for fewer), got {raw:?}"
                ),
            )),
        })
        .transpose()?;
    let model = present(&s.embeddings_model);
    let api_key = present(&s.embeddings_api_key);

    let Some(url) = present(&s.embeddings_url) else {
        let stray = [
            ("CONCIERGE_EMBEDDINGS_MODEL", model.is_some()),
            ("CONCIERGE_EMBEDDINGS_API_KEY", api_key.is_some()),
            ("CONCIERGE_EMBEDDINGS_DIMENSIONS", dimensions.is_some()),
        ]
        .into_iter()
        .find(|(_, set)| *set);
        return match stray {
            None => Ok(None),
            Some((name, _)) => Err(ConfigError::new(
                "CONCIERGE_EMBEDDINGS_URL",
                format!("{name} is set, so this is needed too (unset both to use the local model)"),
            )),
        };
    };
    let url = base_url("CONCIERGE_EMBEDDINGS_URL", &url)?;
    let model = model.ok_or_else(|| {
        ConfigError::new(
            "CONCIERGE_EMBEDDINGS_MODEL",
            "needed with CONCIERGE_EMBEDDINGS_URL (e.g. text-embedding-3-small)",
        )
    })?;
    Ok(Some(EmbeddingsConfig {
        url,
        api_key: api_key
            .map(|key| header_secret("CONCIERGE_EMBEDDINGS_API_KEY", &key))
            .transpose()?,
        model,
        dimensions,
        max_tokens,
        batch_size,
    }))
}
