//! The Shopify platform, as Concierge meets it: parsed identities (shop domains), the
//! signatures Shopify puts on everything it sends us (OAuth callbacks, webhooks, app-proxy
//! requests, App Bridge session tokens), and the extractors that make a handler unable to
//! see an unverified request.

pub mod admin;
pub mod domain;
pub mod embedded;
pub mod oauth;
pub mod proxy;
pub mod session_token;
pub mod signature;
pub mod tokens;
pub mod webhooks;

pub use domain::ShopDomain;
