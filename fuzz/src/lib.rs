//! The product's parsers of outside input, compiled here from their own source files (the
//! `#[path]`s below), not copied: the fuzz targets exercise exactly the code the app runs.
//!
//! They are included rather than reached through the `concierge` and `connectors` crates
//! because cargo-fuzz instruments every crate it builds: depending on the app would build its
//! whole tree (440 crates: the embedding model, the database driver, the web server...) a
//! second time, and the fuzz build would take longer than the rest of `scripts/test`. These
//! files are leaves on purpose (they name only each other and small parser crates); one
//! that starts to use more of the app fails to compile here, which `scripts/fuzz` reports.
//! The modules sit where their `crate::` and `super::` paths resolve.

/// From `connectors/src/`.
#[path = "../../connectors/src/chunk.rs"]
pub mod chunk;
#[path = "../../connectors/src/document.rs"]
pub mod document;
#[path = "../../connectors/src/files.rs"]
pub mod files;
#[path = "../../connectors/src/html.rs"]
pub mod html;
#[path = "../../connectors/src/pdf.rs"]
pub mod pdf;

/// From `connectors/src/crawl/`.
#[path = "../../connectors/src/crawl/page.rs"]
pub mod page;
#[path = "../../connectors/src/crawl/robots.rs"]
pub mod robots;
#[path = "../../connectors/src/crawl/sitemap.rs"]
pub mod sitemap;

/// From `src/chat/`.
#[path = "../../src/chat/redact.rs"]
pub mod redact;

/// From `src/shopify/`, where `webhook_body` finds `super::ShopDomain` and `super::topic`.
pub mod shopify;
