//! Webhook subscriptions an app creates through the Admin API, per shop. The HTTP layer
//! reads them (`AdminApi::subscriptions`) to know where to deliver events.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

use super::input::Vars;
use crate::store::{gid, gid_number, now_iso};

pub(crate) struct Hooks {
    subs: Mutex<Vec<Sub>>,
    next: AtomicU64,
}

#[derive(Clone)]
struct Sub {
    number: u64,
    shop: String,
    topic: String,
    uri: String,
    format: String,
    filter: Option<String>,
    include_fields: Vec<String>,
    created_at: String,
    updated_at: String,
}

impl Sub {
    fn json(&self) -> Value {
        json!({
            "id": gid("WebhookSubscription", self.number),
            "topic": self.topic,
            "uri": self.uri,
            "callbackUrl": self.uri,
            "endpoint": { "__typename": "WebhookHttpEndpoint", "callbackUrl": self.uri },
            "format": self.format,
            "filter": self.filter,
            "includeFields": self.include_fields,
            "metafieldNamespaces": [],
            "metafields": [],
            "apiVersion": { "handle": "2026-10", "displayName": "2026-10", "supported": true },
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        })
    }
}

impl Hooks {
    pub fn new() -> Self {
        Self {
            subs: Mutex::new(Vec::new()),
            next: AtomicU64::new(1),
        }
    }

    fn subs(&self) -> std::sync::MutexGuard<'_, Vec<Sub>> {
        // A poisoned lock means a panic elsewhere mid-update; the records are still usable.
        self.subs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `webhookSubscriptionCreate(topic:, webhookSubscription:)`.
    pub fn create(&self, shop: &str, args: &Vars) -> Value {
        let topic = args
            .get("topic")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let input = args.get("webhookSubscription").unwrap_or(&Value::Null);
        let Some(uri) = uri_of(input) else {
            return payload(None, "uri", "Address can't be blank");
        };
        let mut subs = self.subs();
        if subs
            .iter()
            .any(|s| s.shop == shop && s.topic == topic && s.uri == uri)
        {
            return payload(
                None,
                "address",
                "Address for this topic has already been taken",
            );
        }
        let now = now_iso();
        let sub = Sub {
            number: self.next.fetch_add(1, Ordering::Relaxed),
            shop: shop.to_owned(),
            topic,
            uri,
            format: input["format"].as_str().unwrap_or("JSON").to_owned(),
            filter: input["filter"].as_str().map(str::to_owned),
            include_fields: strings(&input["includeFields"]),
            created_at: now.clone(),
            updated_at: now,
        };
        subs.push(sub.clone());
        payload(Some(sub.json()), "", "")
    }

    /// `webhookSubscriptionUpdate(id:, webhookSubscription:)`.
    pub fn update(&self, shop: &str, args: &Vars) -> Value {
        let number = args.get("id").and_then(Value::as_str).and_then(gid_number);
        let input = args.get("webhookSubscription").unwrap_or(&Value::Null);
        let mut subs = self.subs();
        let Some(sub) = subs
            .iter_mut()
            .find(|s| Some(s.number) == number && s.shop == shop)
        else {
            return payload(None, "id", "Webhook subscription does not exist");
        };
        if let Some(uri) = uri_of(input) {
            sub.uri = uri;
        }
        if let Some(format) = input["format"].as_str() {
            sub.format = format.to_owned();
        }
        if input.get("filter").is_some() {
            sub.filter = input["filter"].as_str().map(str::to_owned);
        }
        if input.get("includeFields").is_some() {
            sub.include_fields = strings(&input["includeFields"]);
        }
        sub.updated_at = now_iso();
        payload(Some(sub.json()), "", "")
    }

    /// `webhookSubscriptionDelete(id:)`.
    pub fn delete(&self, shop: &str, id: &str) -> Value {
        let number = gid_number(id);
        let mut subs = self.subs();
        let before = subs.len();
        subs.retain(|s| !(Some(s.number) == number && s.shop == shop));
        if subs.len() == before {
            return json!({
                "deletedWebhookSubscriptionId": null,
                "userErrors": [{ "field": ["id"], "message": "Webhook subscription does not exist" }],
            });
        }
        json!({ "deletedWebhookSubscriptionId": id, "userErrors": [] })
    }

    pub fn get(&self, shop: &str, id: &str) -> Option<Value> {
        let number = gid_number(id)?;
        self.subs()
            .iter()
            .find(|s| s.number == number && s.shop == shop)
            .map(Sub::json)
    }

    pub fn list(&self, shop: &str) -> Vec<Value> {
        self.subs()
            .iter()
            .filter(|s| s.shop == shop)
            .map(Sub::json)
            .collect()
    }

    /// `(topic, uri)` pairs of a shop, e.g. `("PRODUCTS_UPDATE", "https://app/webhooks")`.
    pub fn pairs(&self, shop: &str) -> Vec<(String, String)> {
        self.subs()
            .iter()
            .filter(|s| s.shop == shop)
            .map(|s| (s.topic.clone(), s.uri.clone()))
            .collect()
    }
}

fn uri_of(input: &Value) -> Option<String> {
    input["uri"]
        .as_str()
        .or_else(|| input["callbackUrl"].as_str())
        .filter(|u| !u.trim().is_empty())
        .map(str::to_owned)
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn payload(sub: Option<Value>, field: &str, message: &str) -> Value {
    let errors = if message.is_empty() {
        json!([])
    } else {
        json!([{ "field": ["webhookSubscription", field], "message": message }])
    };
    json!({ "webhookSubscription": sub, "userErrors": errors })
}
