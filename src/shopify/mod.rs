//! The Shopify platform, as Concierge meets it: parsed identities (shop domains, webhook
//! topics), the signatures Shopify puts on everything it sends us (OAuth callbacks, webhooks,
//! app-proxy requests, App Bridge session tokens), the extractors that make a handler unable
//! to see an unverified request, token storage and the Admin API client. Primitives only:
//! the routes that use them live in `crate::http`.

pub mod admin;
pub mod domain;
pub mod install_state;
pub mod proxy;
pub mod session_token;
pub mod signature;
pub mod tokens;
pub mod topic;
pub mod webhook_body;
pub mod webhooks;

pub use domain::ShopDomain;
pub use install_state::InstallState;
