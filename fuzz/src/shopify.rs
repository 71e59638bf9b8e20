//! The Shopify parsers, from `src/shopify/` (see the crate docs).

pub use self::domain::ShopDomain;

#[path = "../../src/shopify/domain.rs"]
pub mod domain;
/// The session token's JWT (`session_token.rs` re-exports it).
#[path = "../../src/shopify/session_token/hs256.rs"]
pub mod hs256;
#[path = "../../src/shopify/signature.rs"]
pub mod signature;
/// The bulk reader's stitcher (`admin/bulk.rs` uses it).
#[path = "../../src/shopify/admin/bulk/stitch.rs"]
pub mod stitch;
#[path = "../../src/shopify/topic.rs"]
pub mod topic;
#[path = "../../src/shopify/webhook_body.rs"]
pub mod webhook_body;
