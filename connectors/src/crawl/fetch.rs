//! One HTTP request at a time to the crawled site: paced, guarded, bounded in time and size.
//!
//! Redirects are never followed here (the client's policy is `none`): the caller sees each
//! hop and checks it like any other URL.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{
    CONTENT_LENGTH, CONTENT_TYPE, ETAG, HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
    LOCATION,
};
use reqwest::{StatusCode, Url};
use tokio::time::Instant;

use super::Validators;
use super::guard::{self, Blocked, GuardedResolver};

/// Why a request produced no response.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(transparent)]
    Blocked(#[from] Blocked),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("{0}")]
    Network(String),
}

/// A response, with its body read only when the caller wanted it.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// The body went past the limit; `body` holds its first `limit` bytes.
    pub truncated: bool,
}

impl Reply {
    pub fn header(&self, name: impl reqwest::header::AsHeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn content_type(&self) -> Option<String> {
        self.header(CONTENT_TYPE).map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
    }

    pub fn location(&self) -> Option<&str> {
        self.header(LOCATION)
    }

    pub fn validators(&self) -> Validators {
        Validators {
            etag: self.header(ETAG).map(str::to_owned),
            last_modified: self.header(LAST_MODIFIED).map(str::to_owned),
        }
    }
}

/// The crawl's HTTP client and the pace it keeps.
pub struct Fetcher {
    client: reqwest::Client,
    allow_private: bool,
    timeout: Duration,
    delay: Duration,
    last: Option<Instant>,
    requests: usize,
}

impl Fetcher {
    pub fn new(
        user_agent: &str,
        timeout: Duration,
        delay: Duration,
        allow_private: bool,
    ) -> Result<Self, reqwest::Error> {
        // reqwest is built without a TLS crypto provider and panics on building a client when
        // none is installed; the app installs ring, and so does this (a no-op when installed).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve names itself, out of the guard's sight.
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver { allow_private }))
            .user_agent(user_agent)
            .connect_timeout(timeout)
            .timeout(timeout)
            .build()?;
        Ok(Self {
            client,
            allow_private,
            timeout,
            delay,
            last: None,
            requests: 0,
        })
    }

    /// Slows down to at least `delay` between requests (robots.txt may ask for more).
    pub fn slow_to(&mut self, delay: Duration) {
        self.delay = self.delay.max(delay);
    }

    /// Requests sent so far.
    pub fn requests(&self) -> usize {
        self.requests
    }

    /// GETs `url`, conditionally when `validators` are given. The body is read, up to `limit`
    /// bytes, only for a 2xx answer whose content type `wanted` accepts.
    pub async fn get(
        &mut self,
        url: &Url,
        validators: Option<&Validators>,
        limit: usize,
        wanted: impl Fn(Option<&str>) -> bool,
    ) -> Result<Reply, FetchError> {
        guard::check_host(url, self.allow_private)?;
        if let Some(last) = self.last {
            tokio::time::sleep_until(last + self.delay).await;
        }
        self.last = Some(Instant::now());
        self.requests += 1;
        let mut request = self.client.get(url.clone());
        if let Some(validators) = validators {
            if let Some(etag) = &validators.etag {
                request = request.header(IF_NONE_MATCH, etag);
            }
            if let Some(date) = &validators.last_modified {
                request = request.header(IF_MODIFIED_SINCE, date);
            }
        }
        let exchange = async {
            let mut response = request.send().await?;
            let mut reply = Reply {
                status: response.status(),
                headers: response.headers().clone(),
                body: Vec::new(),
                truncated: false,
            };
            if !reply.status.is_success() || !wanted(reply.content_type().as_deref()) {
                return Ok(reply);
            }
            let declared = reply
                .header(CONTENT_LENGTH)
                .and_then(|l| l.parse::<usize>().ok());
            if declared.is_some_and(|length| length > limit) {
                reply.truncated = true;
                return Ok(reply);
            }
            while let Some(chunk) = response.chunk().await? {
                let room = limit - reply.body.len();
                if chunk.len() > room {
                    reply.body.extend_from_slice(&chunk[..room]);
                    reply.truncated = true;
                    break;
                }
                reply.body.extend_from_slice(&chunk);
            }
            Ok::<_, reqwest::Error>(reply)
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Err(_) => Err(FetchError::Timeout(self.timeout)),
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(error)) if error.is_timeout() => Err(FetchError::Timeout(self.timeout)),
            Ok(Err(error)) => Err(match guard::blocked_in(&error) {
                Some(blocked) => FetchError::Blocked(blocked.clone()),
                None => FetchError::Network(describe(&error)),
            }),
        }
    }
}

/// reqwest's top-level message ("error sending request") hides the cause; show the chain.
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
