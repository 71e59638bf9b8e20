//! What the tools may ask of the store: data access only, as plain types.
//!
//! [`StoreApi`] is the tools' one way to the outside: the app implements it over the Admin
//! GraphQL API and PostgreSQL (`chat::host`), the tests of this crate over a few products and
//! orders in memory. Every decision (which product a name means, which variant, who may see an
//! order, what a card says) is the tools'; an implementation answers questions and records
//! what it is told, for the one shop and conversation it was made for.
//!
//! The methods return boxed futures, as `llm::ToolRunner` does, so that the trait stays
//! usable as `&dyn StoreApi` without a macro crate.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use crate::io::{LocationStock, ProductOption, Tracking};

/// What a [`StoreApi`] method returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Why the store could not answer. The implementation has already logged what failed (never a
/// token); the tool only tells the model to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreError {
    /// Shopify could not be reached or answered unusably.
    Unreachable,
    /// Our own database or search failed.
    Internal,
}

/// What an anonymous order look-up claims: the order number and the email it was placed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProofClaim<'a> {
    pub order_number: &'a str,
    pub email: &'a str,
}

/// The store, for one shop and one conversation, as the tools see it.
pub trait StoreApi: Send + Sync {
    /// The catalog's products best matching `query`, best first, by id (`gid://shopify/Product/…`);
    /// an id may come more than once (the index holds several passages per product). The index
    /// may be minutes behind: what it says of price and stock is only a filter for candidates.
    fn search_catalog<'a>(&'a self, query: &'a CatalogQuery) -> StoreFuture<'a, Vec<String>>;

    /// The products with these ids that exist, live from Shopify, in the order given.
    fn products<'a>(&'a self, ids: &'a [String]) -> StoreFuture<'a, Vec<LiveProduct>>;

    /// The product with this id, live from Shopify, if it exists.
    fn product<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<LiveProduct>>;

    /// The id of the product the variant `variant_id` (`gid://shopify/ProductVariant/…`)
    /// belongs to, if that variant exists.
    fn product_of_variant<'a>(&'a self, variant_id: &'a str) -> StoreFuture<'a, Option<String>>;

    /// Catalog products that `name` may mean: whose handle is `name.handle` or `name.slug`, or
    /// whose title (as [`NamedProduct::title`] spells it) is `name.phrase`, is a run of its words
    /// or holds it as a run of words. At most 200, in no particular order.
    fn products_named<'a>(&'a self, name: &'a ProductName) -> StoreFuture<'a, Vec<NamedProduct>>;

    /// Units available per location, for each of `variant_ids` whose stock Shopify tracks (an
    /// untracked item has no meaningful count, so it is left out).
    fn stock<'a>(
        &'a self,
        variant_ids: &'a [String],
    ) -> StoreFuture<'a, HashMap<String, Vec<LocationStock>>>;

    /// The shop's order named exactly `name` ("#1001", "HP-1001"; case aside), if there is one.
    fn order<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Option<LiveOrder>>;

    /// The names of the orders of the customer `customer_id` (the number of
    /// `gid://shopify/Customer/…`), newest first, at most `limit`.
    fn customer_orders<'a>(
        &'a self,
        customer_id: &'a str,
        limit: usize,
    ) -> StoreFuture<'a, Vec<String>>;

    /// The failed order proofs so far of this shopper: the most counted against the
    /// conversation or anything else the store counts them by (the visitor, the address).
    fn verification_failures(&self) -> StoreFuture<'_, u32>;

    /// Counts one proof attempt as failed, against the conversation and against what the
    /// `claim` names (its order number, its email) and the store knows of the shopper, unless
    /// one of them is at `max` already; returns the highest count with it, or `None` when one
    /// is at `max`. Atomic: parallel calls cannot get past `max`.
    fn spend_attempt<'a>(
        &'a self,
        max: u32,
        claim: &'a ProofClaim<'a>,
    ) -> StoreFuture<'a, Option<u32>>;

    /// Gives back the attempt `spend_attempt` took for `claim` (never below zero).
    fn refund_attempt<'a>(&'a self, claim: &'a ProofClaim<'a>) -> StoreFuture<'a, ()>;

    /// Mails a new one-time code for the order `order_number` to `email` (the order's own
    /// email, never one the shopper typed), replacing the conversation's pending code; unless
    /// a code for that order was mailed in this conversation within the last minute and is
    /// still good, when nothing is sent (a shopper asking again does not flood the mailbox).
    fn send_code<'a>(&'a self, order_number: &'a str, email: &'a str) -> StoreFuture<'a, ()>;

    /// Checks `code` against the conversation's pending code for `order_number`, spending one
    /// of its attempts (atomic: parallel checks cannot spend more than it has); a valid code
    /// is used up.
    fn check_code<'a>(
        &'a self,
        order_number: &'a str,
        code: &'a str,
    ) -> StoreFuture<'a, crate::CodeCheck>;

    /// Passages of the shop's own content best matching `query`, best first.
    fn search_knowledge<'a>(
        &'a self,
        query: &'a KnowledgeQuery,
    ) -> StoreFuture<'a, Vec<KnowledgeHit>>;

    /// Hands the conversation to the shop's agents, in one transaction: records `email` as the
    /// contact email if given, and, if the assistant still has the conversation, gives it to
    /// the agents and tells them why (`reason`). A conversation already with the agents, or
    /// closed by them, stays as it is and they are not told twice. Returns the contact email
    /// known before.
    fn hand_off<'a>(
        &'a self,
        reason: &'a str,
        email: Option<&'a str>,
    ) -> StoreFuture<'a, Option<String>>;

    /// What the merchant chose that the tools obey, as of now.
    fn settings(&self) -> StoreFuture<'_, ToolSettings>;
}

/// A catalog search: the text and the filters the index applies to its (maybe stale) copy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CatalogQuery {
    pub text: String,
    /// Passages asked of the index (a product may have several).
    pub limit: usize,
    pub price_min: Option<f64>,
    pub price_max: Option<f64>,
    /// Only products the index last saw in stock.
    pub in_stock: bool,
}

/// A name to look products up by (see [`StoreApi::products_named`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductName {
    /// The text lowercased, as a handle may be written.
    pub handle: String,
    /// Its words joined by `-`, as a handle is made from a title.
    pub slug: String,
    /// Its words, lowercased, separated by single spaces.
    pub phrase: String,
}

/// A product [`StoreApi::products_named`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedProduct {
    pub id: String,
    pub handle: Option<String>,
    /// The title lowercased, as words (letters, digits and `.`) separated by single spaces.
    pub title: String,
}

/// A product as Shopify says it is now.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveProduct {
    /// `gid://shopify/Product/…`
    pub id: String,
    pub title: String,
    pub handle: String,
    /// A draft or archived product is not for sale, whatever the index says.
    pub active: bool,
    /// The storefront page: the online store's URL, else `/products/{handle}` on the shop's
    /// myshopify domain (which redirects to the primary domain).
    pub url: String,
    pub description: String,
    pub vendor: Option<String>,
    pub product_type: Option<String>,
    pub image: Option<String>,
    pub price_min: f64,
    pub price_max: f64,
    pub currency: String,
    /// As Shopify lists them (a product without options has "Title": ["Default Title"]).
    pub options: Vec<ProductOption>,
    pub variants: Vec<LiveVariant>,
}

/// One variant of a [`LiveProduct`].
#[derive(Debug, Clone, PartialEq)]
pub struct LiveVariant {
    /// `gid://shopify/ProductVariant/…`
    pub id: String,
    /// "M / Olive"; "Default Title" for a product without options.
    pub title: String,
    pub price: f64,
    pub compare_at_price: Option<f64>,
    pub available: bool,
    pub sku: Option<String>,
    /// Its option values in order ("M", "Olive").
    pub options: Vec<String>,
}

/// An order as Shopify says it is now, read without the customer's name, phone or addresses.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveOrder {
    /// "#1001"
    pub name: String,
    pub created_at: String,
    /// The email it was placed with: the proof a shopper who is not logged in must give.
    pub email: Option<String>,
    /// The customer who placed it (`gid://shopify/Customer/…`).
    pub customer_id: Option<String>,
    pub financial_status: Option<String>,
    pub fulfillment_status: String,
    pub cancelled_at: Option<String>,
    pub cancel_reason: Option<String>,
    /// The store's note, fit to pass on: card numbers and the like redacted, emails and phone
    /// numbers masked, cut to a few hundred characters; `None` when empty.
    pub note: Option<String>,
    pub total: String,
    pub currency: String,
    pub status_url: Option<String>,
    pub lines: Vec<LiveLine>,
    pub fulfillments: Vec<LiveFulfillment>,
}

/// A line of a [`LiveOrder`] or of one of its fulfillments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveLine {
    pub title: String,
    pub variant_title: Option<String>,
    /// As ordered (for a fulfillment: as shipped).
    pub quantity: i64,
    /// After edits and refunds (orders only).
    pub current_quantity: Option<i64>,
}

/// A shipment of a [`LiveOrder`].
#[derive(Debug, Clone, PartialEq)]
pub struct LiveFulfillment {
    pub status: String,
    pub display_status: Option<String>,
    pub estimated_delivery: Option<String>,
    pub delivered_at: Option<String>,
    pub tracking: Vec<Tracking>,
    pub lines: Vec<LiveLine>,
}

/// A search of the shop's own content.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnowledgeQuery {
    pub text: String,
    /// Document kinds to search ("page", "faq", …).
    pub kinds: Vec<String>,
    pub limit: usize,
    /// Characters of each passage's text to read.
    pub chars: usize,
}

/// A passage [`StoreApi::search_knowledge`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct KnowledgeHit {
    pub kind: String,
    pub title: String,
    /// Headings above the passage ("Returns › Exchanges").
    pub heading: String,
    pub url: Option<String>,
    /// The passage's own text (at most the asked characters).
    pub body: Option<String>,
    /// The search's highlight of it.
    pub snippet: String,
    pub score: f64,
}

/// What the merchant chose that the tools obey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolSettings {
    /// Stock per location, or only in / out of stock.
    pub show_inventory_locations: bool,
    /// Whether an order's note is told to the shopper it belongs to.
    pub share_order_notes: bool,
    /// Whether the shop's agents are at work now (by its business hours; always without).
    pub agents_available: bool,
    /// When they are next at work, if not now (RFC 3339).
    pub agents_next_open: Option<String>,
}

impl Default for ToolSettings {
    /// A shop that chose nothing.
    fn default() -> Self {
        Self {
            show_inventory_locations: true,
            share_order_notes: true,
            agents_available: true,
            agents_next_open: None,
        }
    }
}
