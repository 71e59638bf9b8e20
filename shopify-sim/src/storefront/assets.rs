//! Files the storefront serves besides pages: the theme app extension's `assets/` (at the URL
//! `asset_url` gives, with Shopify CDN-like headers), and generated SVG placeholders for
//! product pictures, so that nothing a page shows is fetched from the internet.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::Storefront;
use super::catalog;
use super::pages::esc;

/// Where extension assets are served (Shopify: `//cdn.shopify.com/extensions/{id}/{version}/assets`).
pub(crate) const EXTENSION_ASSETS: &str = "/cdn/extensions/theme-app-extension/assets";

/// A year: versioned URLs never change content (Shopify's CDN says the same).
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// A file name as `assets/` may hold it: one segment of plain characters, no dot first.
pub(crate) fn safe_name(name: &str) -> Option<&str> {
    let plain = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    (plain && !name.is_empty() && !name.starts_with('.') && name.len() <= 200).then_some(name)
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("gif") => "image/gif",
        Some("woff2") => "font/woff2",
        Some("map") => "application/json",
        _ => "application/octet-stream",
    }
}

/// The `v` a URL asks for.
fn version(query: Option<&str>) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == "v")
        .map(|(_, v)| v.into_owned())
}

/// `GET /cdn/extensions/theme-app-extension/assets/{file}`: long-cached when the `v` asked for
/// is the file's current version, revalidated otherwise (an edited file shows on reload).
pub(crate) async fn extension_asset(
    State(state): State<Arc<Storefront>>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let (Some(dir), Some(name)) = (state.theme_extension.as_deref(), safe_name(&file)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Ok(bytes) = tokio::fs::read(dir.join("assets").join(name)).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let current = super::filters::asset_version(dir, name);
    let cache = if current.is_some() && version(query.as_deref()) == current {
        IMMUTABLE
    } else {
        "no-cache"
    };
    (
        [
            (header::CONTENT_TYPE, content_type(name)),
            (header::CACHE_CONTROL, cache),
            // Shopify's CDN is another origin that allows any: keep scripts loadable the same.
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        bytes,
    )
        .into_response()
}

/// `GET /{shop}/cdn/shop/products/{handle}-{n}.svg`: a coloured square with the product's
/// initials, standing in for the store's pictures.
pub(crate) async fn placeholder(
    State(state): State<Arc<Storefront>>,
    Path((shop, file)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some((handle, n)) = file
        .strip_suffix(".svg")
        .and_then(|stem| stem.rsplit_once('-'))
        .and_then(|(handle, n)| Some((handle, n.parse::<u32>().ok()?)))
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let title = {
        let Ok(store) = state.store.read() else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        match store
            .shop(&shop)
            .and_then(|s| catalog::picture_title(s, handle))
        {
            Some(title) => title,
            None => return StatusCode::NOT_FOUND.into_response(),
        }
    };
    let current = catalog::picture_version(&title);
    let cache = if version(query.as_deref()).as_ref() == Some(&current) {
        IMMUTABLE
    } else {
        "no-cache"
    };
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, cache),
        ],
        placeholder_svg(handle, n, &title),
    )
        .into_response()
}

/// The picture itself: hue from the handle (each product its own colour), lightness from the
/// picture's number, white initials that keep a readable contrast on every hue.
pub(crate) fn placeholder_svg(handle: &str, n: u32, title: &str) -> String {
    let hue = handle
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % 360;
    let lightness = 30 + (n % 3) * 6;
    let initials: String = title
        .split_whitespace()
        .filter_map(|w| w.chars().find(|c| c.is_alphanumeric()))
        .take(2)
        .flat_map(char::to_uppercase)
        .collect();
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="600" height="600" viewBox="0 0 600 600" role="img" aria-label="{title}"><rect width="600" height="600" fill="hsl({hue} 40% {lightness}%)"/><text x="300" y="300" dy=".35em" text-anchor="middle" font-family="Georgia,serif" font-size="180" fill="#fff">{initials}</text></svg>"##,
        title = esc(title),
        initials = esc(&initials),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_single_segment_names_are_served() {
        assert_eq!(
            safe_name("concierge-loader.js"),
            Some("concierge-loader.js")
        );
        for bad in ["../secret", "a/b.js", ".env", "", "a\\b", "a%2fb"] {
            assert_eq!(safe_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn placeholders_show_escaped_initials() {
        let svg = placeholder_svg("x", 1, "<Bold> & Co");
        assert!(svg.contains(">BC</text>"));
        assert!(svg.contains(r#"aria-label="&lt;Bold&gt; &amp; Co""#));
    }
}
