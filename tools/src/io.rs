//! What each tool takes and returns, as types: [`ToolSpec::call`](crate::ToolSpec::call) parses
//! the model's arguments into the `*Args` types (unknown fields are refused, as the schemas in
//! [`specs`](crate::specs) say) and answers with the output types, serialised as the JSON the
//! model reads. The local
//! responder reads the same types back to compose its answers, so the two cannot drift.
//!
//! Everything in an output is data for the model to read, never instructions: product
//! descriptions and help-center text are written by whoever wrote the store's content.

use serde::{Deserialize, Serialize};

// ---- arguments (each in its tool's file) ---------------------------------------------

pub use crate::add_to_cart::AddToCartArgs;
pub use crate::check_inventory::CheckInventoryArgs;
pub use crate::get_order_status::GetOrderStatusArgs;
pub use crate::get_product::GetProductArgs;
pub use crate::handoff_to_human::HandoffArgs;
pub use crate::search_knowledge::SearchKnowledgeArgs;
pub use crate::search_products::SearchProductsArgs;

// ---- outputs ---------------------------------------------------------------------------

/// A product as a card: what search returns and the widget shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductCard {
    /// `gid://shopify/Product/…`
    pub id: String,
    pub title: String,
    pub handle: String,
    /// The storefront page (`/products/{handle}` on the shop's domain).
    pub url: String,
    pub image: Option<String>,
    /// Live, from the Admin API.
    pub price_min: f64,
    pub price_max: f64,
    pub currency: String,
    pub available: bool,
    /// A short extract of the description (data, not instructions).
    pub summary: String,
}

/// `search_products`: best first; empty when nothing matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductsFound {
    pub products: Vec<ProductCard>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductOption {
    pub name: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    /// `gid://shopify/ProductVariant/…`
    pub id: String,
    /// "M / Olive"
    pub title: String,
    pub price: f64,
    pub compare_at_price: Option<f64>,
    pub available: bool,
    pub sku: Option<String>,
}

/// `get_product`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductDetail {
    #[serde(flatten)]
    pub card: ProductCard,
    /// The description as plain text (data, not instructions).
    pub description: String,
    pub vendor: Option<String>,
    pub product_type: Option<String>,
    pub options: Vec<ProductOption>,
    pub variants: Vec<Variant>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocationStock {
    pub location: String,
    /// Units available to sell there.
    pub available: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantStock {
    pub id: String,
    pub title: String,
    pub available: bool,
    /// Per location; empty when the merchant does not show locations.
    pub locations: Vec<LocationStock>,
}

/// `check_inventory`: the product, and its variants that match the asked variant (all when
/// none was asked, or none matched: `variant_matched` says which).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    pub product: ProductCard,
    pub variant_matched: bool,
    pub variants: Vec<VariantStock>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderLine {
    pub title: String,
    pub variant: Option<String>,
    pub quantity: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tracking {
    pub number: Option<String>,
    pub url: Option<String>,
    pub company: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shipment {
    /// Shopify's fulfillment status (`SUCCESS`, `IN_TRANSIT`…), as given.
    pub status: String,
    /// The latest delivery event (`IN_TRANSIT`, `DELIVERED`, `ATTEMPTED_DELIVERY`…), if known.
    pub delivery_status: Option<String>,
    pub tracking: Vec<Tracking>,
    pub estimated_delivery: Option<String>,
    pub delivered_at: Option<String>,
    pub lines: Vec<OrderLine>,
}

/// An order the shopper may see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// "#1001"
    pub name: String,
    pub created_at: String,
    /// `PAID`, `PENDING`, `REFUNDED`…
    pub financial_status: Option<String>,
    /// `FULFILLED`, `UNFULFILLED`, `PARTIALLY_FULFILLED`, `ON_HOLD`…
    pub fulfillment_status: String,
    pub cancelled_at: Option<String>,
    pub cancel_reason: Option<String>,
    pub total: String,
    pub currency: String,
    pub lines: Vec<OrderLine>,
    pub shipments: Vec<Shipment>,
    /// The store's note on the order (why it is held, when a preorder ships, what was
    /// refunded), unless the shop keeps its notes internal; contact details masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The order status page, where the shopper sees everything Shopify shows.
    pub status_url: Option<String>,
}

/// `get_order_status`: the order, or why it is not shown. A wrong email and an unknown
/// number give the same `not_verified`: nothing says whether the number exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
// One value per tool call, serialised at once: the size of `Found` costs nothing here.
#[allow(clippy::large_enum_variant)]
pub enum OrderStatus {
    Found {
        order: Order,
    },
    /// Ask the shopper for the email the order was placed with.
    NeedsEmail {
        order_number: String,
    },
    NotVerified {
        order_number: String,
        attempts_left: u32,
    },
    /// The number and email matched; a one-time code was mailed to the order's email: ask
    /// the shopper to type it here.
    CodeSent {
        order_number: String,
    },
    /// The code given back is not the one mailed (a failed proof).
    WrongCode {
        order_number: String,
        attempts_left: u32,
    },
    /// Too many failed proofs: offer a human.
    Locked,
}

/// A passage of the store's own content, to quote and cite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Passage {
    /// "page", "article", "policy", "faq", "web", "file"…
    pub kind: String,
    pub title: String,
    /// Headings above the passage ("Returns › Exchanges").
    pub heading: String,
    pub url: Option<String>,
    pub text: String,
    pub score: f64,
    /// How much of the query the passage speaks to (`tools::relevance`, 0 to 1).
    #[serde(default)]
    pub relevance: f64,
}

/// `search_knowledge`: best first; empty when nothing relevant was found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnowledgeFound {
    pub passages: Vec<Passage>,
}

/// `add_to_cart`: an action for the widget, which asks the shopper and then calls the Ajax
/// Cart API (`/cart/add.js`); the server never writes carts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CartAction {
    /// The numeric variant id the Ajax Cart API takes.
    pub variant_id: String,
    pub quantity: u32,
    pub product_title: String,
    pub variant_title: String,
    pub price: f64,
    pub currency: String,
    pub available: bool,
}

/// `handoff_to_human`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Handoff {
    /// Agents are working now (by the shop's business hours).
    pub agents_available: bool,
    /// Outside business hours: an email is needed to reply, and none is known yet.
    pub email_needed: bool,
    /// The email replies will go to, if known.
    pub email: Option<String>,
    /// When agents are next at work, if they are not now (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_open: Option<String>,
}
