//! A Shopify simulator: the platform's protocols (OAuth and token exchange, Admin GraphQL
//! validated against the real 2026-10 schema with cost-based throttling, bulk operations,
//! signed webhooks, app proxy, session tokens) over an in-memory store seeded with a demo
//! store written for this project. Tests and `concierge demo` use it in Shopify's place.
//! It also serves each shop's storefront (`{base}/{shop}/`: theme pages, the Ajax Cart and
//! Section Rendering APIs, a demo customer login) with our real app embed block rendered in
//! it, so the widget runs and is measured offline as it would on Shopify.

mod admin;
pub mod graphql;
pub mod install;
pub mod rng;
mod server;
mod signing;
pub mod staff;
pub mod store;
mod storefront;

pub use server::{Delivery, SimConfig, Simulator};
