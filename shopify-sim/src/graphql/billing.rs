//! App subscriptions (Shopify Billing): `appSubscriptionCreate` records a PENDING charge and
//! returns a confirmation URL on the simulator; the HTTP layer marks it ACTIVE or DECLINED
//! when the "merchant" answers there, and `currentAppInstallation.activeSubscriptions`
//! reports the active ones.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

use super::input::Vars;
use crate::store::{gid, gid_number, now_iso};

pub(crate) struct Billing {
    subs: Mutex<Vec<(String, Value)>>,
    next: AtomicU64,
}

impl Billing {
    pub fn new() -> Self {
        Self {
            subs: Mutex::new(Vec::new()),
            next: AtomicU64::new(1),
        }
    }

    fn subs(&self) -> std::sync::MutexGuard<'_, Vec<(String, Value)>> {
        // A poisoned lock means a panic elsewhere mid-update; the records are still usable.
        self.subs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `appSubscriptionCreate`: a PENDING subscription and where to confirm it.
    pub fn create(&self, shop: &str, args: &Vars, base_url: &str) -> Value {
        let number = self.next.fetch_add(1, Ordering::Relaxed);
        let line_items: Vec<Value> = args
            .get("lineItems")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .enumerate()
            .map(|(i, item)| {
                json!({
                    "id": gid("AppSubscriptionLineItem", number * 100 + i as u64),
                    "plan": { "pricingDetails": item.pointer("/plan/appRecurringPricingDetails")
                        .or_else(|| item.pointer("/plan/appUsagePricingDetails"))
                        .cloned()
                        .unwrap_or(Value::Null) },
                })
            })
            .collect();
        let subscription = json!({
            "id": gid("AppSubscription", number),
            "name": args.get("name"),
            "status": "PENDING",
            "test": args.get("test").and_then(Value::as_bool).unwrap_or(false),
            "trialDays": args.get("trialDays").and_then(Value::as_i64).unwrap_or(0),
            "returnUrl": args.get("returnUrl"),
            "createdAt": now_iso(),
            "currentPeriodEnd": null,
            "lineItems": line_items,
        });
        self.subs().push((shop.to_owned(), subscription.clone()));
        json!({
            "appSubscription": subscription,
            "confirmationUrl": format!("{base_url}/admin/charges/{number}/confirm?shop={shop}"),
            "userErrors": [],
        })
    }

    /// `appSubscriptionCancel`.
    pub fn cancel(&self, shop: &str, id: &str) -> Value {
        match self.set_status(shop, id, "CANCELLED") {
            Some(sub) => json!({ "appSubscription": sub, "userErrors": [] }),
            None => json!({
                "appSubscription": null,
                "userErrors": [{ "field": ["id"], "message": "Subscription not found" }],
            }),
        }
    }

    /// Sets a subscription's status; returns it, or `None` if the shop has no such one.
    pub fn set_status(&self, shop: &str, id: &str, status: &str) -> Option<Value> {
        let number = gid_number(id).or_else(|| id.parse().ok())?;
        let mut subs = self.subs();
        let (_, sub) = subs.iter_mut().find(|(s, sub)| {
            s == shop && sub["id"].as_str().and_then(gid_number) == Some(number)
        })?;
        sub["status"] = json!(status);
        Some(sub.clone())
    }

    pub fn get(&self, shop: &str, id: &str) -> Option<Value> {
        let subs = self.subs();
        subs.iter()
            .find(|(s, sub)| s == shop && sub["id"] == id)
            .map(|(_, sub)| sub.clone())
    }

    pub fn list(&self, shop: &str) -> Vec<Value> {
        self.subs()
            .iter()
            .filter(|(s, _)| s == shop)
            .map(|(_, sub)| sub.clone())
            .collect()
    }

    /// `currentAppInstallation` with its subscriptions.
    pub fn installation(&self, shop: &str) -> Value {
        let all = self.list(shop);
        let active: Vec<&Value> = all.iter().filter(|s| s["status"] == "ACTIVE").collect();
        json!({
            "id": gid("AppInstallation", 1),
            "activeSubscriptions": active,
            "allSubscriptions": all,
        })
    }
}
