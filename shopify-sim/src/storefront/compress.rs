//! gzip for the storefront's text responses, as Shopify's edge compresses pages and its CDN
//! compresses assets: without it Lighthouse would charge the theme's uncompressed HTML and
//! the extension's scripts to the page, and measure something Shopify never serves.

use std::io::Write as _;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use flate2::Compression;
use flate2::write::GzEncoder;

/// Below this, gzip's header costs more than it saves.
const MIN_SIZE: usize = 1024;
/// The largest body compressed; larger ones (none the storefront makes) pass as they are.
const MAX_SIZE: usize = 8 * 1024 * 1024;

fn accepts_gzip(request: &Request) -> bool {
    request
        .headers()
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            parts.next().is_some_and(|c| c.eq_ignore_ascii_case("gzip"))
                && !parts.any(|p| p.replace(' ', "") == "q=0")
        })
}

fn compressible(response: &Response) -> bool {
    let headers = response.headers();
    let textual = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            t.starts_with("text/")
                || t.starts_with("application/json")
                || t.starts_with("application/javascript")
                || t.starts_with("image/svg+xml")
        });
    textual && !headers.contains_key(header::CONTENT_ENCODING)
}

/// Middleware: gzips a textual response when the client accepts it.
pub(crate) async fn gzip(request: Request, next: Next) -> Response {
    let wanted = accepts_gzip(&request);
    let response = next.run(request).await;
    if !compressible(&response) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    parts
        .headers
        .insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    let Ok(bytes) = axum::body::to_bytes(body, MAX_SIZE).await else {
        return (parts.status, "response too large to compress").into_response();
    };
    if !wanted || bytes.len() < MIN_SIZE {
        return Response::from_parts(parts, Body::from(bytes));
    }
    let mut encoder = GzEncoder::new(Vec::with_capacity(bytes.len() / 3), Compression::default());
    let Ok(compressed) = encoder.write_all(&bytes).and_then(|()| encoder.finish()) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    Response::from_parts(parts, Body::from(compressed))
}
