//! A store in memory for the tools' tests: a few products and orders, the conversation's
//! failure count, and a log of what the tools asked and recorded. No database, no Shopify.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::io::LocationStock;
use crate::store::{
    CatalogQuery, KnowledgeHit, KnowledgeQuery, LiveOrder, LiveProduct, LiveVariant, NamedProduct,
    ProductName, ProofClaim, StoreApi, StoreError, StoreFuture, ToolSettings,
};
use crate::{CodeCheck, Shopper, TurnContext};

/// A product of `title` with one variant per list of option values, $10 each, all available;
/// its ids are new in the test process.
pub fn product(title: &str, variants: &[&[&str]]) -> LiveProduct {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let number = NEXT.fetch_add(1, Ordering::Relaxed);
    let handle = title.to_lowercase().replace(' ', "-");
    LiveProduct {
        id: format!("gid://shopify/Product/{number}"),
        title: title.into(),
        url: format!("https://shop.example/products/{handle}"),
        handle,
        active: true,
        description: format!("The {title}."),
        vendor: None,
        product_type: None,
        image: None,
        price_min: 10.0,
        price_max: 10.0,
        currency: "USD".into(),
        options: Vec::new(),
        variants: variants
            .iter()
            .enumerate()
            .map(|(i, values)| LiveVariant {
                id: format!("gid://shopify/ProductVariant/{}", number * 100 + i as u64),
                title: values.join(" / "),
                price: 10.0,
                compare_at_price: None,
                available: true,
                sku: None,
                options: values.iter().map(|v| (*v).to_owned()).collect(),
            })
            .collect(),
    }
}

/// An order `name` of customer `customer` (digits) placed with `email` at `created_at`:
/// paid, unfulfilled, one line.
pub fn order(name: &str, customer: &str, email: &str, created_at: &str) -> LiveOrder {
    LiveOrder {
        name: name.into(),
        created_at: created_at.into(),
        email: Some(email.into()),
        customer_id: Some(format!("gid://shopify/Customer/{customer}")),
        financial_status: Some("PAID".into()),
        fulfillment_status: "UNFULFILLED".into(),
        cancelled_at: None,
        cancel_reason: None,
        note: None,
        total: "10.00".into(),
        currency: "USD".into(),
        status_url: None,
        lines: Vec::new(),
        fulfillments: Vec::new(),
    }
}

/// The context of a turn: `customer` logged in or not, a cart action asked for or not.
pub fn context(customer: Option<&str>, write_allowed: bool) -> TurnContext {
    TurnContext {
        shopper: Shopper {
            shop_id: 1,
            customer_id: customer.map(str::to_owned),
            verification_failures: 0,
        },
        write_allowed,
    }
}

#[derive(Default)]
pub struct FakeStore {
    pub products: Vec<LiveProduct>,
    pub orders: Vec<LiveOrder>,
    pub stock: HashMap<String, Vec<LocationStock>>,
    pub settings: ToolSettings,
    /// Failed proofs of the conversation.
    pub failures: Mutex<u32>,
    /// Handoffs recorded: (reason, email).
    pub handoffs: Mutex<Vec<(String, Option<String>)>>,
    /// Every method called, by name, in order.
    pub calls: Mutex<Vec<&'static str>>,
    /// Shopify is down: every look-up of products and orders fails.
    pub unreachable: bool,
    /// One-time codes mailed: (order number, email, code), oldest first.
    pub mailed: Mutex<Vec<(String, String, String)>>,
    /// The pending code: (order number, code, attempts spent, expired).
    pub pending: Mutex<Option<(String, String, u32, bool)>>,
}

/// Attempts a fake code allows, as the real store's do.
pub const CODE_ATTEMPTS: u32 = 3;

impl FakeStore {
    pub fn with_products(products: Vec<LiveProduct>) -> Self {
        Self {
            products,
            ..Self::default()
        }
    }

    pub fn calls(&self) -> Vec<&'static str> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    pub fn failures(&self) -> u32 {
        self.failures.lock().map(|f| *f).unwrap_or_default()
    }

    /// The codes mailed so far: (order number, email, code).
    pub fn mailed(&self) -> Vec<(String, String, String)> {
        self.mailed.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Lets the pending code's ten minutes pass.
    pub fn expire_code(&self) {
        if let Ok(mut pending) = self.pending.lock()
            && let Some(code) = pending.as_mut()
        {
            code.3 = true;
        }
    }

    fn log(&self, call: &'static str) {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(call);
        }
    }

    fn shopify(&self, call: &'static str) -> Result<(), StoreError> {
        self.log(call);
        if self.unreachable {
            Err(StoreError::Unreachable)
        } else {
            Ok(())
        }
    }
}

fn ready<'a, T: Send + 'a>(value: Result<T, StoreError>) -> StoreFuture<'a, T> {
    Box::pin(std::future::ready(value))
}

/// Lower-case words, as the store's SQL spells titles.
fn plain(text: &str) -> String {
    text.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '.'))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

impl StoreApi for FakeStore {
    fn search_catalog<'a>(&'a self, query: &'a CatalogQuery) -> StoreFuture<'a, Vec<String>> {
        self.log("search_catalog");
        // Any product with a word of the query in its title, twice (as passages would).
        let wanted = plain(&query.text);
        let ids = self
            .products
            .iter()
            .filter(|p| {
                let title = plain(&p.title);
                wanted.split(' ').any(|w| title.split(' ').any(|t| t == w))
            })
            .flat_map(|p| [p.id.clone(), p.id.clone()])
            .take(query.limit)
            .collect();
        ready(Ok(ids))
    }

    fn products<'a>(&'a self, ids: &'a [String]) -> StoreFuture<'a, Vec<LiveProduct>> {
        let found = self.shopify("products").map(|()| {
            ids.iter()
                .filter_map(|id| self.products.iter().find(|p| &p.id == id).cloned())
                .collect()
        });
        ready(found)
    }

    fn product<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<LiveProduct>> {
        let found = self
            .shopify("product")
            .map(|()| self.products.iter().find(|p| p.id == id).cloned());
        ready(found)
    }

    fn product_of_variant<'a>(&'a self, variant_id: &'a str) -> StoreFuture<'a, Option<String>> {
        let found = self.shopify("product_of_variant").map(|()| {
            self.products
                .iter()
                .find(|p| p.variants.iter().any(|v| v.id == variant_id))
                .map(|p| p.id.clone())
        });
        ready(found)
    }

    fn products_named<'a>(&'a self, name: &'a ProductName) -> StoreFuture<'a, Vec<NamedProduct>> {
        self.log("products_named");
        let named = self
            .products
            .iter()
            .map(|p| NamedProduct {
                id: p.id.clone(),
                handle: Some(p.handle.clone()),
                title: plain(&p.title),
            })
            .filter(|n| {
                let handle = n.handle.as_deref();
                handle == Some(name.handle.as_str())
                    || handle == Some(name.slug.as_str())
                    || format!(" {} ", name.phrase).contains(&format!(" {} ", n.title))
                    || format!(" {} ", n.title).contains(&format!(" {} ", name.phrase))
            })
            .collect();
        ready(Ok(named))
    }

    fn stock<'a>(
        &'a self,
        variant_ids: &'a [String],
    ) -> StoreFuture<'a, HashMap<String, Vec<LocationStock>>> {
        let stock = self.shopify("stock").map(|()| {
            variant_ids
                .iter()
                .filter_map(|id| Some((id.clone(), self.stock.get(id)?.clone())))
                .collect()
        });
        ready(stock)
    }

    fn order<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Option<LiveOrder>> {
        let found = self.shopify("order").map(|()| {
            self.orders
                .iter()
                .find(|o| o.name.eq_ignore_ascii_case(name))
                .cloned()
        });
        ready(found)
    }

    fn customer_orders<'a>(
        &'a self,
        customer_id: &'a str,
        limit: usize,
    ) -> StoreFuture<'a, Vec<String>> {
        let found = self.shopify("customer_orders").map(|()| {
            let gid = format!("gid://shopify/Customer/{customer_id}");
            let mut orders: Vec<&LiveOrder> = self
                .orders
                .iter()
                .filter(|o| o.customer_id.as_deref() == Some(gid.as_str()))
                .collect();
            orders.sort_by(|a, b| b.created_at.cmp(&a.created_at));
            orders.iter().take(limit).map(|o| o.name.clone()).collect()
        });
        ready(found)
    }

    fn verification_failures(&self) -> StoreFuture<'_, u32> {
        self.log("verification_failures");
        ready(Ok(self.failures()))
    }

    fn spend_attempt<'a>(
        &'a self,
        max: u32,
        _claim: &'a ProofClaim<'a>,
    ) -> StoreFuture<'a, Option<u32>> {
        self.log("spend_attempt");
        let spent = self.failures.lock().map(|mut failures| {
            (*failures < max).then(|| {
                *failures += 1;
                *failures
            })
        });
        ready(spent.map_err(|_| StoreError::Internal))
    }

    fn refund_attempt<'a>(&'a self, _claim: &'a ProofClaim<'a>) -> StoreFuture<'a, ()> {
        self.log("refund_attempt");
        if let Ok(mut failures) = self.failures.lock() {
            *failures = failures.saturating_sub(1);
        }
        ready(Ok(()))
    }

    fn send_code<'a>(&'a self, order_number: &'a str, email: &'a str) -> StoreFuture<'a, ()> {
        self.log("send_code");
        let (Ok(mut pending), Ok(mut mailed)) = (self.pending.lock(), self.mailed.lock()) else {
            return ready(Err(StoreError::Internal));
        };
        let still_good = pending
            .as_ref()
            .is_some_and(|(order, _, attempts, expired)| {
                order == order_number && *attempts < CODE_ATTEMPTS && !expired
            });
        if !still_good {
            // Distinct codes, one per mail: 100001, 100002, ...
            let code = format!("{}", 100_001 + mailed.len());
            *pending = Some((order_number.to_owned(), code.clone(), 0, false));
            mailed.push((order_number.to_owned(), email.to_owned(), code));
        }
        ready(Ok(()))
    }

    fn check_code<'a>(
        &'a self,
        order_number: &'a str,
        code: &'a str,
    ) -> StoreFuture<'a, CodeCheck> {
        self.log("check_code");
        let Ok(mut pending) = self.pending.lock() else {
            return ready(Err(StoreError::Internal));
        };
        let check = match pending.as_mut() {
            Some((order, _, _, _)) if order != order_number => CodeCheck::Wrong,
            None => CodeCheck::Wrong,
            Some((_, _, attempts, expired)) if *expired || *attempts >= CODE_ATTEMPTS => {
                CodeCheck::Expired
            }
            Some((_, sent, attempts, _)) => {
                *attempts += 1;
                if sent == code {
                    *pending = None;
                    CodeCheck::Valid
                } else {
                    CodeCheck::Wrong
                }
            }
        };
        ready(Ok(check))
    }

    fn search_knowledge<'a>(
        &'a self,
        query: &'a KnowledgeQuery,
    ) -> StoreFuture<'a, Vec<KnowledgeHit>> {
        self.log("search_knowledge");
        let hit = KnowledgeHit {
            kind: "policy".into(),
            title: "Refund policy".into(),
            heading: "Returns".into(),
            url: Some("https://shop.example/policies/refund-policy".into()),
            body: Some(format!("{} within 30 days.", query.text)),
            snippet: "…returns…".into(),
            score: 1.0,
        };
        ready(Ok(vec![hit]))
    }

    fn hand_off<'a>(
        &'a self,
        reason: &'a str,
        email: Option<&'a str>,
    ) -> StoreFuture<'a, Option<String>> {
        self.log("hand_off");
        let known = self.handoffs.lock().map(|mut handoffs| {
            let known = handoffs.iter().rev().find_map(|(_, e)| e.clone());
            handoffs.push((reason.to_owned(), email.map(str::to_owned)));
            known
        });
        ready(known.map_err(|_| StoreError::Internal))
    }

    fn settings(&self) -> StoreFuture<'_, ToolSettings> {
        self.log("settings");
        ready(Ok(self.settings.clone()))
    }
}
