//! Answering through a chain of endpoints: the first that can answer does, so one provider's
//! outage or rate limit does not reach the shopper.
//!
//! Moving on is safe only while nothing has been forwarded: once text (or a tool call) has
//! gone to the caller's sink, another model's answer would repeat or contradict it. So:
//!
//! - before any output, a transient failure (network, timeout, 408/409/429, 5xx, a stream
//!   that broke off early) is retried on the same endpoint up to
//!   [`FallbackPolicy::retries`] times, then the next endpoint is tried; any other failure
//!   (a 4xx, an unreadable answer) moves to the next endpoint at once;
//! - after output, the error is returned as it is, never retried: the caller decides what to
//!   tell the shopper.
//!
//! Each endpoint has a [circuit breaker](super::breaker) that lives in the process-wide
//! [`ChatModels`] pool, so a provider that keeps failing is skipped by every request and
//! every shop until its cool-down has passed.
//!
//! A chain may end in a last resort ([`Fallback::then`], the app's local responder): a model
//! that cannot be unwell, so it has no breaker and no retries, and is asked under the same
//! rule — only when nothing was forwarded. This is the only place the app decides fallback.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use super::breaker::{Breaker, BreakerPolicy};
use super::endpoint::{Endpoint, OpenAiChat};
use super::{ChatModel, EventSink, ModelError, ModelEvent, ModelFuture, ModelRequest, ModelTurn};

/// How a [`Fallback`] chain retries, and when its breakers open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FallbackPolicy {
    /// Attempts at one endpoint after its first, for transient failures before any output.
    pub retries: u32,
    /// Wait before the first retry; doubled for each next one, with jitter.
    pub first_backoff: Duration,
    /// The longest `Retry-After` waited for; an endpoint asking for more is left for the
    /// next one (a shopper is waiting).
    pub max_retry_after: Duration,
    pub breaker: BreakerPolicy,
}

impl Default for FallbackPolicy {
    fn default() -> Self {
        Self {
            retries: 1,
            first_backoff: Duration::from_millis(250),
            max_retry_after: Duration::from_secs(2),
            breaker: BreakerPolicy::default(),
        }
    }
}

/// An endpoint's client and breaker, shared by every chain that names the endpoint.
#[derive(Debug)]
struct Member {
    chat: OpenAiChat,
    breaker: Breaker,
}

/// Every chat endpoint the process talks to: one per process (in the app state), so that
/// connections and circuit breakers outlive a request. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ChatModels {
    policy: FallbackPolicy,
    /// By everything that tells two endpoints apart, the key as a hash.
    members: Arc<Mutex<HashMap<String, Arc<Member>>>>,
}

impl ChatModels {
    pub fn new(policy: FallbackPolicy) -> Self {
        Self {
            policy,
            members: Arc::default(),
        }
    }

    /// A chain over `endpoints`, tried in order: the app's defaults, or a shop's own
    /// endpoints (followed by the defaults, if the caller wants them as a fallback).
    pub fn chain(&self, endpoints: &[Endpoint]) -> Result<Fallback, ModelError> {
        if endpoints.is_empty() {
            return Err(ModelError::Config("a chain of no chat endpoints".into()));
        }
        let mut members = Vec::with_capacity(endpoints.len());
        for endpoint in endpoints {
            members.push(self.member(endpoint)?);
        }
        Ok(Fallback {
            members,
            policy: self.policy,
            last: None,
        })
    }

    fn member(&self, endpoint: &Endpoint) -> Result<Arc<Member>, ModelError> {
        let key = identity(endpoint);
        let mut members = self.members.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(member) = members.get(&key) {
            return Ok(member.clone());
        }
        let member = Arc::new(Member {
            chat: OpenAiChat::new(endpoint.clone())?,
            breaker: Breaker::new(self.policy.breaker),
        });
        members.insert(key, member.clone());
        Ok(member)
    }
}

/// Two endpoints share a client and a breaker only when nothing about them differs; the key
/// goes in as a hash, so the map never holds it.
fn identity(endpoint: &Endpoint) -> String {
    let mut hash = Sha256::new();
    for part in [
        endpoint.name.as_str(),
        endpoint.base_url.trim().trim_end_matches('/'),
        endpoint.model.trim(),
        endpoint
            .api_key
            .as_ref()
            .map_or("", |key| key.expose_secret()),
    ] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.update(endpoint.timeout.as_nanos().to_le_bytes());
    hex::encode(hash.finalize())
}

/// Endpoints tried in order, as described in the [module docs](self).
#[derive(Clone)]
pub struct Fallback {
    members: Vec<Arc<Member>>,
    policy: FallbackPolicy,
    /// Asked when every member failed before forwarding anything.
    last: Option<Arc<dyn ChatModel>>,
}

impl std::fmt::Debug for Fallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fallback")
            .field("members", &self.members)
            .field("policy", &self.policy)
            .field("last", &self.last.is_some())
            .finish()
    }
}

impl Fallback {
    /// A chain of no endpoints, only `last` (no hosted model configured).
    pub fn only(last: Arc<dyn ChatModel>) -> Self {
        Self {
            members: Vec::new(),
            policy: FallbackPolicy::default(),
            last: Some(last),
        }
    }

    /// This chain, then `last` when every endpoint failed before forwarding anything.
    #[must_use]
    pub fn then(self, last: Arc<dyn ChatModel>) -> Self {
        Self {
            last: Some(last),
            ..self
        }
    }

    /// The endpoints, in the order they are tried.
    pub fn endpoints(&self) -> impl Iterator<Item = &Endpoint> {
        self.members.iter().map(|member| member.chat.endpoint())
    }

    async fn run(
        &self,
        request: &ModelRequest,
        sink: &mut (dyn FnMut(ModelEvent) + Send),
    ) -> Result<ModelTurn, ModelError> {
        let mut failures = Vec::new();
        let mut forwarded = false;
        for member in &self.members {
            let name = &member.chat.endpoint().name;
            let mut retry = 0;
            loop {
                let Some(pass) = member.breaker.admit() else {
                    record(name, "skipped");
                    failures.push(ModelError::CircuitOpen {
                        endpoint: name.clone(),
                    });
                    break;
                };
                let mut watch = |event: ModelEvent| {
                    forwarded = true;
                    sink(event);
                };
                let error = match member.chat.stream(request, &mut watch).await {
                    Ok(turn) => {
                        pass.succeeded();
                        record(name, "ok");
                        return Ok(turn);
                    }
                    Err(error) => error,
                };
                if !error.blames_endpoint() {
                    // The endpoint answered sensibly; the request was at fault.
                    pass.succeeded();
                } else if pass.failed() {
                    metrics::counter!("concierge_chat_model_breaker_opened_total", "endpoint" => name.clone())
                        .increment(1);
                    tracing::warn!(endpoint = %name, "chat endpoint keeps failing; resting it");
                }
                record(name, "error");
                if forwarded {
                    tracing::warn!(endpoint = %name, %error, "chat answer broke off after output; not retried");
                    return Err(error);
                }
                let wait = match error {
                    ModelError::Api {
                        retry_after: Some(wait),
                        ..
                    } => wait,
                    _ => backoff(self.policy.first_backoff, retry),
                };
                let retry_here = error.is_transient()
                    && retry < self.policy.retries
                    && wait <= self.policy.max_retry_after;
                tracing::warn!(endpoint = %name, %error, retry_here, "chat endpoint failed");
                if !retry_here {
                    failures.push(error);
                    break;
                }
                retry += 1;
                tokio::time::sleep(wait).await;
            }
        }
        match &self.last {
            Some(last) => {
                if !failures.is_empty() {
                    let error = ModelError::Exhausted(failures);
                    tracing::warn!(%error, "no hosted chat model answered; the last resort does");
                }
                last.stream(request, sink).await
            }
            None => Err(ModelError::Exhausted(failures)),
        }
    }
}

impl ChatModel for Fallback {
    fn stream<'a>(&'a self, request: &'a ModelRequest, sink: EventSink<'a>) -> ModelFuture<'a> {
        Box::pin(self.run(request, sink))
    }
}

fn record(endpoint: &str, outcome: &'static str) {
    metrics::counter!(
        "concierge_chat_model_attempts_total",
        "endpoint" => endpoint.to_owned(),
        "outcome" => outcome
    )
    .increment(1);
}

/// `first * 2^retry`, scaled by a random factor in [0.5, 1) so that requests failing
/// together do not come back together.
fn backoff(first: Duration, retry: u32) -> Duration {
    let exponential = first.saturating_mul(2u32.saturating_pow(retry));
    // A fresh `RandomState` is randomly keyed: enough randomness for jitter.
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    exponential.mul_f64(0.5 + (random % 1000) as f64 / 2000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_that_differ_in_anything_get_their_own_member() {
        let models = ChatModels::new(FallbackPolicy::default());
        let a = Endpoint::new("a", "http://127.0.0.1:1/v1", "m");
        let chain = models
            .chain(&[
                a.clone(),
                Endpoint::new("a", "http://127.0.0.1:1/v1/", "m"),
                a.clone().with_api_key("k1".into()),
                a.clone().with_api_key("k2".into()),
            ])
            .unwrap_or_else(|e| panic!("{e}"));
        let members = &chain.members;
        assert!(Arc::ptr_eq(&members[0], &members[1]), "a trailing slash");
        assert!(!Arc::ptr_eq(&members[0], &members[2]));
        assert!(!Arc::ptr_eq(&members[2], &members[3]));
        let again = models.chain(&[a]).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            Arc::ptr_eq(&members[0], &again.members[0]),
            "shared across chains"
        );
        assert!(models.chain(&[]).is_err());
    }

    /// Answers "last" after forwarding it, as the local responder would.
    struct Last;

    impl ChatModel for Last {
        fn stream<'a>(&'a self, _: &'a ModelRequest, sink: EventSink<'a>) -> ModelFuture<'a> {
            Box::pin(async move {
                sink(ModelEvent::TextDelta("last".into()));
                Ok(ModelTurn {
                    text: "last".into(),
                    tool_calls: Vec::new(),
                    usage: None,
                    finish: crate::FinishReason::Stop,
                    model: "last".into(),
                    endpoint: "last".into(),
                    latency: Duration::ZERO,
                    first_output: None,
                })
            })
        }
    }

    #[tokio::test]
    async fn the_last_resort_answers_when_no_endpoint_could() {
        let policy = FallbackPolicy {
            retries: 0,
            ..FallbackPolicy::default()
        };
        // Port 1: nothing listens, the connection is refused at once.
        let chain = ChatModels::new(policy)
            .chain(&[Endpoint::new("down", "http://127.0.0.1:1/v1", "m")])
            .unwrap_or_else(|e| panic!("{e}"))
            .then(Arc::new(Last));
        let mut seen = Vec::new();
        let turn = chain
            .stream(&ModelRequest::default(), &mut |event| seen.push(event))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(turn.endpoint, "last");
        assert_eq!(seen, vec![ModelEvent::TextDelta("last".into())]);

        let only = Fallback::only(Arc::new(Last));
        let turn = only
            .stream(&ModelRequest::default(), &mut |_| {})
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(turn.endpoint, "last");
    }

    #[test]
    fn backoff_doubles_with_jitter() {
        for (retry, full) in [(0, 100), (1, 200), (3, 800)] {
            let delay = backoff(Duration::from_millis(100), retry).as_millis();
            assert!(delay >= full / 2 && delay <= full, "{retry}: {delay}");
        }
    }
}
