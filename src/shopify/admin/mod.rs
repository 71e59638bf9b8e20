//! The Admin GraphQL client: typed operations (graphql_client, checked against the vendored
//! schema at build time), cost-aware throttling, retries, typed errors.
//!
//! Shopify meters each shop's GraphQL calls with a leaky bucket of cost points and reports
//! its level in `extensions.cost.throttleStatus` on every answer. We keep that level per
//! shop, let it refill at the reported rate, and hold a request back until the bucket can
//! pay for it (its cost is learnt from the previous answer to the same operation), so we
//! are rarely throttled at all. When we are (`THROTTLED`) we wait exactly as long as the
//! bucket needs; HTTP 429 and 5xx are retried with exponential backoff; anything else is a
//! typed error the caller can branch on.

pub mod bulk;
pub mod queries;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use graphql_client::{GraphQLQuery, QueryBody};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::ShopDomain;

/// Attempts per call before giving up on throttling, 429s and 5xxs.
const MAX_ATTEMPTS: u32 = 6;
/// Cost assumed for an operation not seen before.
const UNKNOWN_COST: f64 = 50.0;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("access token rejected ({0}): the shop must be re-authorised")]
    Unauthorized(u16),
    #[error("still throttled after {MAX_ATTEMPTS} attempts")]
    Throttled,
    #[error("Shopify answered HTTP {0}")]
    Http(u16),
    #[error("GraphQL errors: {0}")]
    GraphQl(String),
    #[error("network: {0}")]
    Network(String),
    #[error("unreadable response: {0}")]
    Decode(String),
}

/// The bucket as Shopify last reported it, less what our own calls still in flight will spend.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    available: f64,
    maximum: f64,
    restore_rate: f64,
    at: Instant,
    /// Cost reserved by calls sent but not yet answered: a level Shopify reports does not
    /// include them, so each report is lowered by it (concurrent callers would otherwise
    /// read the report as room they already spent).
    in_flight: f64,
}

impl Bucket {
    fn available_now(&self) -> f64 {
        (self.available + self.restore_rate * self.at.elapsed().as_secs_f64()).min(self.maximum)
    }
}

#[derive(Deserialize)]
struct ThrottleStatus {
    #[serde(rename = "maximumAvailable")]
    maximum_available: f64,
    #[serde(rename = "currentlyAvailable")]
    currently_available: f64,
    #[serde(rename = "restoreRate")]
    restore_rate: f64,
}

#[derive(Deserialize)]
struct Cost {
    #[serde(rename = "requestedQueryCost")]
    requested: Option<f64>,
    #[serde(rename = "throttleStatus")]
    throttle: Option<ThrottleStatus>,
}

/// Admin API client shared by every shop; cheap to clone behind an `Arc`.
pub struct AdminClient {
    http: reqwest::Client,
    shop_url: String,
    api_version: String,
    buckets: Mutex<HashMap<String, Bucket>>,
    costs: Mutex<HashMap<&'static str, f64>>,
    /// Every throttled answer seen, for metrics and tests.
    throttled: std::sync::atomic::AtomicU64,
    /// The most throttled answers any single call has met.
    worst_call: std::sync::atomic::AtomicU64,
    /// Microseconds calls have waited for their shop's bucket, since this client was made.
    paced_us: std::sync::atomic::AtomicU64,
}

/// Cost a call has reserved from its shop's bucket; given back when it is answered.
struct Reservation<'a> {
    client: &'a AdminClient,
    shop: &'a ShopDomain,
    cost: f64,
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if self.cost > 0.0
            && let Ok(mut buckets) = self.client.buckets.lock()
            && let Some(b) = buckets.get_mut(self.shop.as_str())
        {
            b.in_flight = (b.in_flight - self.cost).max(0.0);
        }
    }
}

/// Counts one call's throttled answers and records the worst call when it ends.
struct CallThrottles<'a> {
    client: &'a AdminClient,
    count: u64,
}

impl Drop for CallThrottles<'_> {
    fn drop(&mut self) {
        self.client
            .worst_call
            .fetch_max(self.count, std::sync::atomic::Ordering::Relaxed);
    }
}

impl AdminClient {
    /// `shop_url` is a template with `{shop}` (`https://{shop}` in production).
    pub fn new(http: reqwest::Client, shop_url: &str, api_version: &str) -> Self {
        Self {
            http,
            shop_url: shop_url.to_owned(),
            api_version: api_version.to_owned(),
            buckets: Mutex::default(),
            costs: Mutex::default(),
            throttled: std::sync::atomic::AtomicU64::new(0),
            worst_call: std::sync::atomic::AtomicU64::new(0),
            paced_us: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The most `THROTTLED` answers a single call has met (1 means some call waited once).
    pub fn worst_call_throttles(&self) -> u64 {
        self.worst_call.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How long calls have waited for their shop's bucket since this client was made (the
    /// eval tells a turn's own time from the time Shopify's rate limit held it).
    pub fn paced(&self) -> Duration {
        Duration::from_micros(self.paced_us.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// How many answers were `THROTTLED` since this client was made.
    pub fn throttled_count(&self) -> u64 {
        self.throttled.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Runs operation `Q` for `shop`.
    pub async fn query<Q: GraphQLQuery>(
        &self,
        shop: &ShopDomain,
        token: &SecretString,
        variables: Q::Variables,
    ) -> Result<Q::ResponseData, AdminError>
    where
        Q::ResponseData: DeserializeOwned,
    {
        let body: QueryBody<Q::Variables> = Q::build_query(variables);
        let data = self
            .execute(shop, token, body.operation_name, &body)
            .await?;
        serde_json::from_value(data).map_err(|e| AdminError::Decode(e.to_string()))
    }

    /// Sends `body`, pacing and retrying as the module docs describe; returns `data`.
    async fn execute<B: serde::Serialize>(
        &self,
        shop: &ShopDomain,
        token: &SecretString,
        operation: &'static str,
        body: &B,
    ) -> Result<Value, AdminError> {
        let url = format!(
            "{}/admin/api/{}/graphql.json",
            self.shop_url.replace("{shop}", shop.as_str()),
            self.api_version
        );
        let mut backoff = Duration::from_millis(250);
        let mut throttles = CallThrottles {
            client: self,
            count: 0,
        };
        for attempt in 1..=MAX_ATTEMPTS {
            let reserved = self.pace(shop, operation).await;
            let response = self
                .http
                .post(&url)
                .header("X-Shopify-Access-Token", token.expose_secret())
                .json(body)
                .send()
                .await;
            // Answered (or failed): the level Shopify reports now counts this call.
            drop(reserved);
            let response = match response {
                Ok(r) => r,
                Err(e) if attempt < MAX_ATTEMPTS && (e.is_connect() || e.is_timeout()) => {
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                    continue;
                }
                Err(e) => return Err(AdminError::Network(e.without_url().to_string())),
            };
            let status = response.status().as_u16();
            match status {
                401 | 403 => return Err(AdminError::Unauthorized(status)),
                429 | 500..=599 if attempt < MAX_ATTEMPTS => {
                    let wait = response
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse::<f64>().ok())
                        .map_or(backoff, Duration::from_secs_f64);
                    tokio::time::sleep(wait).await;
                    backoff *= 2;
                    continue;
                }
                200..=299 => {}
                _ => return Err(AdminError::Http(status)),
            }
            let answer: Value = response
                .json()
                .await
                .map_err(|e| AdminError::Decode(e.without_url().to_string()))?;
            let requested = self.observe(shop, operation, &answer);
            let errors = answer
                .get("errors")
                .and_then(Value::as_array)
                .filter(|e| !e.is_empty());
            if let Some(errors) = errors {
                let throttled = errors.iter().any(|e| {
                    e.pointer("/extensions/code").and_then(Value::as_str) == Some("THROTTLED")
                });
                if throttled {
                    throttles.count += 1;
                    self.throttled
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    metrics::counter!("concierge_shopify_throttled_total").increment(1);
                    if attempt < MAX_ATTEMPTS {
                        // The next pace() waits until the bucket can pay `requested`.
                        if requested.is_none() {
                            tokio::time::sleep(backoff).await;
                            backoff *= 2;
                        }
                        continue;
                    }
                    return Err(AdminError::Throttled);
                }
                return Err(AdminError::GraphQl(
                    Value::Array(errors.clone()).to_string(),
                ));
            }
            return answer
                .get("data")
                .cloned()
                .ok_or_else(|| AdminError::Decode("no data".into()));
        }
        Err(AdminError::Throttled)
    }

    /// Waits until the shop's bucket can pay for `operation`'s expected cost, and reserves
    /// it until the answer comes (or the call fails).
    async fn pace<'a>(&'a self, shop: &'a ShopDomain, operation: &'static str) -> Reservation<'a> {
        let cost = self.costs.lock().map_or(UNKNOWN_COST, |c| {
            c.get(operation).copied().unwrap_or(UNKNOWN_COST)
        });
        // Spend it locally at once, under the lock, so concurrent callers queue behind us:
        // each one waits for the level its own spending leaves.
        let mut reservation = Reservation {
            client: self,
            shop,
            cost: 0.0,
        };
        let wait = {
            let Ok(mut buckets) = self.buckets.lock() else {
                return reservation;
            };
            let Some(b) = buckets.get_mut(shop.as_str()) else {
                return reservation;
            };
            reservation.cost = cost.min(b.maximum);
            b.available = b.available_now() - reservation.cost;
            b.at = Instant::now();
            b.in_flight += reservation.cost;
            (b.available < 0.0 && b.restore_rate > 0.0)
                .then(|| Duration::from_secs_f64(-b.available / b.restore_rate))
        };
        if let Some(wait) = wait {
            tracing::debug!(
                shop = shop.as_str(),
                operation,
                cost = reservation.cost,
                wait_ms = wait.as_millis() as u64,
                "waiting for the shop's query cost bucket"
            );
            tokio::time::sleep(wait).await;
            self.paced_us.fetch_add(
                wait.as_micros() as u64,
                std::sync::atomic::Ordering::Relaxed,
            );
        }
        reservation
    }

    /// Records the bucket level and the operation's cost from an answer.
    fn observe(&self, shop: &ShopDomain, operation: &'static str, answer: &Value) -> Option<f64> {
        let cost: Cost =
            serde_json::from_value(answer.pointer("/extensions/cost")?.clone()).ok()?;
        if let (Some(t), Ok(mut buckets)) = (cost.throttle, self.buckets.lock()) {
            let in_flight = buckets.get(shop.as_str()).map_or(0.0, |b| b.in_flight);
            buckets.insert(
                shop.as_str().to_owned(),
                Bucket {
                    available: t.currently_available - in_flight,
                    maximum: t.maximum_available,
                    restore_rate: t.restore_rate,
                    at: Instant::now(),
                    in_flight,
                },
            );
        }
        if let (Some(requested), Ok(mut costs)) = (cost.requested, self.costs.lock()) {
            costs.insert(operation, requested);
        }
        cost.requested
    }
}
