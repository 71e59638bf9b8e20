//! The OpenAI wire as both our clients (embeddings, chat) speak it through `async-openai`:
//! a configuration that reads nothing from the environment and sends no `Authorization`
//! header without a key, a transport of our own (reqwest with our timeouts, so retries are
//! ours alone), and error statuses kept with their message and `Retry-After`.

use std::time::Duration;

use async_openai::Client;
use async_openai::error::{OpenAIError, WrappedError};
use async_openai::middleware::HttpRequestFactory;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

/// The longest error body kept, in characters.
const MAX_ERROR_MESSAGE: usize = 500;

/// Where the API is and how to authenticate, for `async-openai`. Unlike its `OpenAIConfig`,
/// this reads nothing from the environment (`OPENAI_API_KEY`, `OPENAI_BASE_URL`, ...).
#[derive(Clone)]
pub struct ApiConfig {
    base: String,
    api_key: SecretString,
    authorization: Option<HeaderValue>,
}

impl std::fmt::Debug for ApiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiConfig")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// The key cannot be sent as a header value.
#[derive(Debug, thiserror::Error)]
#[error("the API key is not a valid header value")]
pub struct InvalidKey;

/// A client for the API at `base` (no trailing slash), sending through `transport`.
pub fn client(
    base: &str,
    api_key: Option<&SecretString>,
    transport: reqwest::Client,
) -> Result<Client<ApiConfig>, InvalidKey> {
    let authorization = match api_key {
        None => None,
        Some(key) => {
            let mut value = HeaderValue::from_str(&format!("Bearer {}", key.expose_secret()))
                .map_err(|_| InvalidKey)?;
            // Kept out of reqwest's and hyper's debug logs.
            value.set_sensitive(true);
            Some(value)
        }
    };
    let config = ApiConfig {
        base: base.to_owned(),
        api_key: api_key.cloned().unwrap_or_default(),
        authorization,
    };
    Ok(
        Client::build(transport.clone(), config).with_http_service(tower::service_fn(
            move |request: HttpRequestFactory| {
                let transport = transport.clone();
                async move { send(&transport, request).await }
            },
        )),
    )
}

impl async_openai::config::Config for ApiConfig {
    fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(value) = &self.authorization {
            headers.insert(AUTHORIZATION, value.clone());
        }
        headers
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn query(&self) -> Vec<(&str, &str)> {
        Vec::new()
    }

    fn api_base(&self) -> &str {
        &self.base
    }

    fn api_key(&self) -> &SecretString {
        &self.api_key
    }
}

/// One HTTP exchange; an error status becomes an [`HttpStatus`] (boxed in the error), so
/// callers see the status and `Retry-After` whatever body the server sent.
async fn send(
    transport: &reqwest::Client,
    request: HttpRequestFactory,
) -> Result<reqwest::Response, OpenAIError> {
    let request = request.build().await?;
    let response = transport
        .execute(request)
        .await
        .map_err(OpenAIError::Reqwest)?;
    if response.status().is_success() {
        return Ok(response);
    }
    Err(OpenAIError::Boxed(Box::new(
        HttpStatus::read(response).await,
    )))
}

/// An error status from the API, with its message.
#[derive(Debug, thiserror::Error)]
#[error("{status}: {message}")]
pub struct HttpStatus {
    pub status: u16,
    /// `Retry-After` in seconds, when the server sent one.
    pub retry_after: Option<Duration>,
    pub message: String,
}

impl HttpStatus {
    async fn read(response: reqwest::Response) -> Self {
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = response.bytes().await.unwrap_or_default();
        // OpenAI's shape is {"error": {"message": ...}}; others send text or HTML.
        let message = match serde_json::from_slice::<WrappedError>(&body) {
            Ok(wrapped) => wrapped.error.message,
            Err(_) => String::from_utf8_lossy(&body).trim().to_owned(),
        };
        let mut message: String = message.chars().take(MAX_ERROR_MESSAGE).collect();
        if message.is_empty() {
            message = status.canonical_reason().unwrap_or("no message").to_owned();
        }
        Self {
            status: status.as_u16(),
            retry_after,
            message,
        }
    }
}
