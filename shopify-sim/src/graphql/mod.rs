//! The simulator's Admin GraphQL API: operations are parsed and validated against the real
//! 2026-10 schema, priced and metered like Shopify's (calculated query cost, per-shop leaky
//! bucket, `THROTTLED` and `MAX_COST_EXCEEDED`), executed by a generic walker over the
//! store's JSON, and answered in Shopify's response shape. Bulk operations, webhook
//! subscriptions and app subscriptions are kept here too, per shop.
//!
//! The HTTP layer owns transport: it authenticates, calls [`AdminApi::execute`], serves
//! bulk files from [`AdminApi::bulk_file`] and turns [`AdminApi::bulk_events`] into
//! `bulk_operations/finish` webhooks.

mod billing;
mod bulk;
mod cost;
mod errors;
mod exec;
mod hooks;
mod input;
mod introspect;
mod page;
mod resolve;
mod schema;
mod search;
mod select;
mod throttle;

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use serde_json::{Map, Value, json};
use tokio::sync::broadcast;

pub use bulk::BulkEvent;

use crate::store::Store;

/// Rate limits of the simulated API: by default Shopify's standard plan as documented today
/// (shopify.dev, "GraphQL Admin API rate limits": 100 points a second, a bucket of twenty
/// seconds' worth; it was 50 and 1,000 until 2024).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Points a shop's bucket holds.
    pub bucket_size: f64,
    /// Points restored per second.
    pub restore_rate: f64,
    /// Largest requested cost a single query may have.
    pub max_query_cost: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            bucket_size: 2000.0,
            restore_rate: 100.0,
            max_query_cost: 1000.0,
        }
    }
}

/// An HTTP-level answer: status, JSON body, and `Retry-After` seconds when throttled.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub body: Value,
    pub retry_after: Option<f64>,
}

impl Response {
    fn ok(body: Value) -> Self {
        Self {
            status: 200,
            body,
            retry_after: None,
        }
    }

    fn errors(errors: Vec<Value>) -> Self {
        Self::ok(json!({ "errors": errors }))
    }
}

/// The Admin GraphQL API over a shared store. Cheap to clone; clones share state.
#[derive(Clone)]
pub struct AdminApi {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    schema: Arc<Valid<Schema>>,
    store: Arc<RwLock<Store>>,
    limits: Limits,
    buckets: throttle::Buckets,
    bulk: bulk::Bulk,
    hooks: hooks::Hooks,
    billing: billing::Billing,
    base_url: RwLock<String>,
}

impl Inner {
    fn base_url(&self) -> String {
        self.base_url
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl AdminApi {
    /// An API over `store`. The schema is parsed and validated once per process.
    pub fn new(store: Arc<RwLock<Store>>, limits: Limits) -> anyhow::Result<Self> {
        let loaded = schema::admin();
        anyhow::ensure!(
            loaded.schema.schema_definition.query.is_some(),
            "the Admin schema has no query root"
        );
        Ok(Self {
            inner: Arc::new(Inner {
                schema: loaded.schema.clone(),
                store,
                limits,
                buckets: throttle::Buckets::new(limits),
                bulk: bulk::Bulk::new(),
                hooks: hooks::Hooks::new(),
                billing: billing::Billing::new(),
                base_url: RwLock::new("http://localhost".to_owned()),
            }),
        })
    }

    /// Where the simulator is reachable (`http://127.0.0.1:4000`); bulk-operation URLs and
    /// billing confirmation URLs are built on it.
    pub fn set_base_url(&self, url: &str) {
        *self
            .inner
            .base_url
            .write()
            .unwrap_or_else(|e| e.into_inner()) = url.trim_end_matches('/').to_owned();
    }

    /// The store this API reads.
    pub fn store(&self) -> &Arc<RwLock<Store>> {
        &self.inner.store
    }

    /// How long parsing and validating the schema took (once per process), and how many
    /// validation problems it had (0: it validated cleanly).
    pub fn schema_load() -> (Duration, usize) {
        let loaded = schema::admin();
        (loaded.load_time, loaded.problems)
    }

    /// Executes a GraphQL request body (`{"query", "variables"?, "operationName"?}`) for a shop.
    pub async fn execute(&self, shop: &str, request: &Value) -> Response {
        self.run(shop, request)
    }

    /// The shop's webhook subscriptions as `(topic, uri)`, e.g. `("PRODUCTS_UPDATE", uri)`.
    pub fn subscriptions(&self, shop: &str) -> Vec<(String, String)> {
        self.inner.hooks.pairs(shop)
    }

    /// The JSONL file of a finished bulk operation, by number (`"12"`), file name
    /// (`"12.jsonl"`) or gid, as served under `{base_url}/bulk/{n}.jsonl`.
    pub fn bulk_file(&self, id: &str) -> Option<PathBuf> {
        self.inner.bulk.file(id)
    }

    /// Announcements of bulk operations reaching a final status.
    pub fn bulk_events(&self) -> broadcast::Receiver<BulkEvent> {
        self.inner.bulk.subscribe()
    }

    /// The shop's app subscriptions (Billing API), newest last.
    pub fn app_subscriptions(&self, shop: &str) -> Vec<Value> {
        self.inner.billing.list(shop)
    }

    /// Sets an app subscription's status (`ACTIVE` when the merchant approves, `DECLINED`,
    /// ...); returns the updated subscription, or `None` if the shop has no such one.
    pub fn set_app_subscription_status(&self, shop: &str, id: &str, status: &str) -> Option<Value> {
        self.inner.billing.set_status(shop, id, status)
    }

    fn run(&self, shop: &str, request: &Value) -> Response {
        let inner = &self.inner;
        if inner
            .store
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .shop(shop)
            .is_none()
        {
            return not_found();
        }
        let Some(query) = request.get("query").and_then(Value::as_str) else {
            return Response {
                status: 400,
                body: json!({ "errors": { "query": "Required parameter missing or invalid" } }),
                retry_after: None,
            };
        };
        let variables = match request.get("variables") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(vars)) => vars.clone(),
            // Some clients send variables as a JSON string.
            Some(Value::String(text)) => match serde_json::from_str(text) {
                Ok(Value::Object(vars)) => vars,
                _ => {
                    return Response::errors(vec![errors::error(
                        "Variables are invalid JSON",
                        Vec::new(),
                        "INVALID_VARIABLES",
                    )]);
                }
            },
            Some(_) => {
                return Response::errors(vec![errors::error(
                    "Variables must be an object",
                    Vec::new(),
                    "INVALID_VARIABLES",
                )]);
            }
        };
        let operation_name = request.get("operationName").and_then(Value::as_str);

        let doc =
            match ExecutableDocument::parse_and_validate(&inner.schema, query, "query.graphql") {
                Ok(doc) => doc,
                Err(invalid) => return Response::errors(errors::from_diagnostics(&invalid.errors)),
            };
        let op = match doc.operations.get(operation_name) {
            Ok(op) => op,
            Err(e) => {
                let message = match operation_name {
                    Some(_) => e.message().to_string(),
                    None => "An operation name is required".to_owned(),
                };
                return Response::errors(vec![errors::error(
                    message,
                    Vec::new(),
                    "OPERATION_NOT_FOUND",
                )]);
            }
        };
        let vars = match input::coerce_variables(&inner.schema, op, &variables, &doc.sources) {
            Ok(vars) => vars,
            Err(problems) => return Response::errors(problems),
        };
        let Some(root_type) = input::root_type(&inner.schema, op) else {
            return Response::errors(vec![errors::error(
                "Unsupported operation type",
                Vec::new(),
                "UNSUPPORTED_OPERATION",
            )]);
        };

        let sel = select::Selector {
            schema: &inner.schema,
            doc: &doc,
            vars: &vars,
        };
        let requested = cost::requested(&sel, op, &vars).ceil();
        if requested > inner.limits.max_query_cost {
            return Response::errors(vec![errors::max_cost_exceeded(
                requested,
                inner.limits.max_query_cost,
            )]);
        }
        // Shopify reports costs as integers.
        let cost_extension = |actual: Option<f64>, available: f64| {
            json!({ "cost": {
                "requestedQueryCost": requested as i64,
                "actualQueryCost": actual.map(|a| a as i64),
                "throttleStatus": inner.buckets.status(available),
            }})
        };
        if let Err(throttled) = inner.buckets.take(shop, requested) {
            return Response {
                status: 200,
                body: json!({
                    "errors": [errors::throttled()],
                    "extensions": cost_extension(None, throttled.available),
                }),
                retry_after: Some(throttled.retry_after),
            };
        }

        let store = inner.store.read().unwrap_or_else(|e| e.into_inner());
        let Some(shop_data) = store.shop(shop) else {
            // The shop left the store since the check above; give the points back.
            drop(store);
            inner.buckets.refund(shop, requested);
            return not_found();
        };
        let exec = exec::Exec::new(sel, shop_data, &self.inner, false);
        let (mut data, mut field_errors) = exec.run(op, root_type);
        drop(exec);
        drop(store);
        if introspect::wanted(&sel, op) {
            match introspect::execute(schema::admin(), &doc, op, &vars) {
                Ok(meta) => {
                    if let Value::Object(data) = &mut data {
                        data.extend(meta);
                    }
                }
                Err(errors) => field_errors.extend(errors),
            }
        }

        let actual = cost::actual(&sel, op, &vars, &data).ceil().min(requested);
        let available = inner.buckets.refund(shop, requested - actual);
        let mut body =
            json!({ "data": data, "extensions": cost_extension(Some(actual), available) });
        if !field_errors.is_empty() {
            body["errors"] = Value::Array(field_errors);
        }
        Response::ok(body)
    }
}

/// Shopify's answer for a shop it does not host.
fn not_found() -> Response {
    Response {
        status: 404,
        body: json!({ "errors": "Not Found" }),
        retry_after: None,
    }
}
