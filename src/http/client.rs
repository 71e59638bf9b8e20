//! `ClientAddress`: the network address a request comes from, for the per-address rate limit.
//!
//! Behind a reverse proxy the connection comes from the proxy, so the address is read from the
//! header the operator names as the trusted proxy's (`CONCIERGE_TRUSTED_PROXY_HEADER`, e.g.
//! `X-Forwarded-For`): its last entry, the one the proxy itself added (earlier entries are
//! whatever the client sent). Without that setting, the connection's own address. None when
//! neither gives a parseable address (a router served without connection info, as in unit
//! tests): the per-address limit is then skipped, the others still hold.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::state::AppState;

/// The client's network address, if known.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let forwarded = state
            .config
            .trusted_proxy_header
            .as_ref()
            .and_then(|name| last_forwarded(&parts.headers, name));
        let connection = || {
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip())
        };
        Ok(Self(forwarded.or_else(connection)))
    }
}

/// The last address in the header's last line (`client, proxy1, proxy2` lists).
fn last_forwarded(headers: &HeaderMap, name: &axum::http::HeaderName) -> Option<IpAddr> {
    let line = headers.get_all(name).iter().next_back()?.to_str().ok()?;
    let last = line.rsplit(',').next()?.trim();
    last.parse::<IpAddr>()
        .ok()
        .or_else(|| last.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn the_proxys_own_entry_is_read() {
        let name = axum::http::HeaderName::from_static("x-forwarded-for");
        let read = |lines: &[&'static str]| {
            let mut headers = HeaderMap::new();
            for line in lines {
                headers.append(&name, HeaderValue::from_static(line));
            }
            last_forwarded(&headers, &name)
        };
        let ip = |s: &str| s.parse::<IpAddr>().ok();
        assert_eq!(read(&["203.0.113.9"]), ip("203.0.113.9"));
        assert_eq!(read(&["1.2.3.4, 203.0.113.9"]), ip("203.0.113.9"));
        assert_eq!(read(&["1.2.3.4", "2001:db8::1"]), ip("2001:db8::1"));
        assert_eq!(read(&["198.51.100.7:4431"]), ip("198.51.100.7"));
        assert_eq!(read(&["203.0.113.9, not-an-address"]), None);
        assert_eq!(read(&[]), None);
    }
}
