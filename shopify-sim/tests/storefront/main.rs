//! The simulator's storefront over HTTP, as a browser and the widget meet it: theme pages with
//! the app embed block (a test fixture standing in for `theme-extension/`), locales, extension
//! assets, the merchant's pages, policies and blogs, the Admin API's URLs under
//! `SimConfig::local_storefront`, the Ajax Cart and Section Rendering APIs, the demo login and
//! the app proxy's `logged_in_customer_id`, escaping of hostile store data, and 4xx for
//! malformed requests.

// Test helpers outside `#[test]` functions panic on purpose when a fixture is broken.
#![allow(clippy::unwrap_used)]

mod cart;
mod content;
mod helpers;
mod login;
mod pages;
