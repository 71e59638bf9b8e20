//! The merchant's content on the storefront: pages (`/pages/{handle}`), policies
//! (`/policies/{handle}`), blogs (`/blogs/{blog}`) and articles (`/blogs/{blog}/{article}`),
//! the URLs the app cites as sources, laid out by the theme with the app embed like every
//! other page (templates `page`, `policy`, `blog`, `article`, as Shopify names them). Titles
//! are escaped; bodies are the merchant's HTML, printed as themes print them. What a shopper
//! cannot see on Shopify is a 404 here: unpublished pages and articles, and policies the
//! merchant left empty.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::catalog::text;
use super::pages::{self, Page, esc};
use super::{Shopper, Storefront};
use crate::store::{ShopData, policy_handle};

/// `GET /pages/{handle}`
pub(crate) async fn page(State(state): State<Arc<Storefront>>, shopper: Shopper) -> Response {
    let handle = param(&shopper, "handle");
    let pick = |shop: &ShopData| {
        let page = shop
            .pages
            .iter()
            .find(|p| published(p) && p["handle"] == handle)?;
        Some((text(page, "title"), text(page, "body")))
    };
    show(&state, &shopper, pick, |(title, body)| {
        document("page", &title, &body)
    })
}

/// `GET /policies/{handle}` (`refund-policy`, `shipping-policy`, `privacy-policy`,
/// `terms-of-service`, ...: the handles `ShopPolicy.url` ends with).
pub(crate) async fn policy(State(state): State<Arc<Storefront>>, shopper: Shopper) -> Response {
    let handle = param(&shopper, "handle");
    let pick = |shop: &ShopData| {
        let policy = shop
            .policies
            .iter()
            .find(|p| policy_handle(p) == handle && !text(p, "body").trim().is_empty())?;
        Some((text(policy, "title"), text(policy, "body")))
    };
    show(&state, &shopper, pick, |(title, body)| {
        document("policy", &title, &body)
    })
}

/// `GET /blogs/{blog}`: the blog's published articles, newest first, with their summaries.
pub(crate) async fn blog(State(state): State<Arc<Storefront>>, shopper: Shopper) -> Response {
    let blog_handle = param(&shopper, "blog");
    let pick = |shop: &ShopData| {
        let blog = blog_by_handle(shop, &blog_handle)?;
        let mut articles: Vec<&Value> = shop
            .articles
            .iter()
            .filter(|a| published(a) && a["blogId"] == blog["id"])
            .collect();
        articles.sort_by_key(|a| std::cmp::Reverse(text(a, "publishedAt")));
        let items: String = articles
            .iter()
            .map(|a| {
                let url = shopper.url(&format!("/blogs/{blog_handle}/{}", text(a, "handle")));
                format!(
                    r#"<li class="article-card"><h2><a href="{}">{}</a></h2>{}<div class="rte">{}</div></li>"#,
                    esc(&url),
                    esc(&text(a, "title")),
                    meta(a),
                    text(a, "summary"),
                )
            })
            .collect();
        Some((text(blog, "title"), items))
    };
    show(&state, &shopper, pick, |(title, items)| {
        let main = format!(
            r#"<div class="page-width page-width--narrow"><h1>{}</h1><ul class="article-list">{items}</ul></div>"#,
            esc(&title)
        );
        Page::new("blog", &title, main)
    })
}

/// `GET /blogs/{blog}/{article}`
pub(crate) async fn article(State(state): State<Arc<Storefront>>, shopper: Shopper) -> Response {
    let blog_handle = param(&shopper, "blog");
    let handle = param(&shopper, "article");
    let pick = |shop: &ShopData| {
        let blog = blog_by_handle(shop, &blog_handle)?;
        let article = shop
            .articles
            .iter()
            .find(|a| published(a) && a["blogId"] == blog["id"] && a["handle"] == handle)?;
        Some((
            text(article, "title"),
            meta(article),
            text(article, "body"),
            text(blog, "title"),
        ))
    };
    let blog_url = shopper.url(&format!("/blogs/{blog_handle}"));
    show(&state, &shopper, pick, |(title, meta, body, blog_title)| {
        let main = format!(
            r#"<article class="page-width page-width--narrow"><h1>{}</h1>{meta}<div class="rte">{body}</div><p><a href="{}">Back to {}</a></p></article>"#,
            esc(&title),
            esc(&blog_url),
            esc(&blog_title),
        );
        Page::new("article", &title, main)
    })
}

/// A path parameter the route guarantees.
fn param(shopper: &Shopper, name: &str) -> String {
    shopper.params.get(name).cloned().unwrap_or_default()
}

/// Finds the content under the store's lock and lays it out once the lock is released (the
/// layout reads the store again); the theme's 404 when `pick` finds nothing.
fn show<T>(
    state: &Storefront,
    shopper: &Shopper,
    pick: impl FnOnce(&ShopData) -> Option<T>,
    lay_out: impl FnOnce(T) -> Page,
) -> Response {
    let found = {
        let Ok(store) = state.store.read() else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        store.shop(&shopper.shop).and_then(pick)
    };
    match found {
        Some(found) => pages::render(state, shopper, lay_out(found)),
        None => pages::not_found(state, shopper),
    }
}

fn blog_by_handle<'s>(shop: &'s ShopData, handle: &str) -> Option<&'s Value> {
    shop.blogs.iter().find(|b| b["handle"] == handle)
}

/// Pages and articles are published unless the record says otherwise (Shopify hides the rest).
fn published(record: &Value) -> bool {
    record.get("isPublished").and_then(Value::as_bool) != Some(false)
}

/// A title over the merchant's HTML.
fn document(template: &'static str, title: &str, body: &str) -> Page {
    let main = format!(
        r#"<div class="page-width page-width--narrow"><h1>{}</h1><div class="rte">{body}</div></div>"#,
        esc(title)
    );
    Page::new(template, title, main)
}

/// An article's byline: author and publication date, when it has them.
fn meta(article: &Value) -> String {
    let author = article
        .pointer("/author/name")
        .and_then(Value::as_str)
        .map(esc);
    let published = text(article, "publishedAt");
    let date = chrono::DateTime::parse_from_rfc3339(&published)
        .ok()
        .map(|d| {
            format!(
                r#"<time datetime="{}">{}</time>"#,
                esc(&published),
                d.format("%B %-d, %Y")
            )
        });
    let parts: Vec<String> = author.into_iter().chain(date).collect();
    if parts.is_empty() {
        return String::new();
    }
    format!(
        r#"<p class="article-meta">{}</p>"#,
        parts.join(" &middot; ")
    )
}
