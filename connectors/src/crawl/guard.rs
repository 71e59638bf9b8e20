//! The SSRF guard: a crawl started by a merchant must never reach the machine it runs on, the
//! private network around it, or a cloud metadata endpoint.
//!
//! Two checks, because reqwest resolves names but not IP literals: [`check_host`] refuses a
//! literal address before any request, and [`GuardedResolver`] resolves names itself and hands
//! the connector only public addresses. The connection then uses exactly the addresses that
//! were vetted, so a name that resolves to a public address when checked and to 127.0.0.1 when
//! used (DNS rebinding) gets nowhere.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// A target the guard refused; it travels inside reqwest's error when the resolver refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{host} is not a public address")]
pub struct Blocked {
    pub host: String,
}

/// IPv4 ranges that are not public unicast (IANA special-purpose registry).
const BLOCKED_V4: &[(Ipv4Addr, u8)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8),       // "this network"
    (Ipv4Addr::new(10, 0, 0, 0), 8),      // private
    (Ipv4Addr::new(100, 64, 0, 0), 10),   // carrier-grade NAT
    (Ipv4Addr::new(127, 0, 0, 0), 8),     // loopback
    (Ipv4Addr::new(169, 254, 0, 0), 16),  // link-local, cloud metadata
    (Ipv4Addr::new(172, 16, 0, 0), 12),   // private
    (Ipv4Addr::new(192, 0, 0, 0), 24),    // IETF protocol assignments
    (Ipv4Addr::new(192, 0, 2, 0), 24),    // documentation
    (Ipv4Addr::new(192, 88, 99, 0), 24),  // 6to4 relay anycast
    (Ipv4Addr::new(192, 168, 0, 0), 16),  // private
    (Ipv4Addr::new(198, 18, 0, 0), 15),   // benchmarking
    (Ipv4Addr::new(198, 51, 100, 0), 24), // documentation
    (Ipv4Addr::new(203, 0, 113, 0), 24),  // documentation
    (Ipv4Addr::new(224, 0, 0, 0), 4),     // multicast
    (Ipv4Addr::new(240, 0, 0, 0), 4),     // reserved, broadcast
];

/// Special ranges inside 2000::/3, the only IPv6 block handed out as global unicast.
const BLOCKED_V6: &[(Ipv6Addr, u8)] = &[
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23), // IETF protocol assignments, Teredo
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32), // documentation
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20), // documentation
];

/// Whether an address is public unicast, the only kind a crawl may connect to.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let bits = u32::from(ip);
    !BLOCKED_V4.iter().any(|&(net, prefix)| {
        let mask = u32::MAX << (32 - u32::from(prefix));
        bits & mask == u32::from(net) & mask
    })
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let bits = u128::from(ip);
    // Forms that carry an IPv4 address are judged by that address: IPv4-mapped (::ffff:0:0/96),
    // NAT64 (64:ff9b::/96) and 6to4 (2002::/16, the address in bits 16..48).
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    if bits >> 32 == 0x0064_ff9b_0000_0000_0000_0000 {
        return is_public_v4(Ipv4Addr::from(bits as u32));
    }
    if bits >> 112 == 0x2002 {
        return is_public_v4(Ipv4Addr::from((bits >> 80) as u32));
    }
    let global_unicast = bits >> 125 == 0b001;
    global_unicast
        && !BLOCKED_V6.iter().any(|&(net, prefix)| {
            let mask = u128::MAX << (128 - u32::from(prefix));
            bits & mask == u128::from(net) & mask
        })
}

/// The URL's host as an IP address, when it is written as one.
pub fn literal_ip(url: &Url) -> Option<IpAddr> {
    let host = url.host_str()?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    host.parse().ok()
}

/// Refuses a URL whose host is a literal non-public address; names are left to the resolver.
pub fn check_host(url: &Url, allow_private: bool) -> Result<(), Blocked> {
    match literal_ip(url) {
        Some(ip) if !allow_private && !is_public(ip) => Err(Blocked {
            host: url.host_str().unwrap_or_default().to_owned(),
        }),
        _ => Ok(()),
    }
}

/// Whether an error (from reqwest, at any depth) is the guard refusing an address.
pub fn blocked_in<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a Blocked> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(blocked) = error.downcast_ref::<Blocked>() {
            return Some(blocked);
        }
        current = error.source();
    }
    None
}

/// Resolves names with the system resolver and keeps only public addresses.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    /// Test mode: keep every address (the test site listens on 127.0.0.1).
    pub allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let usable: Vec<SocketAddr> = resolved
                .into_iter()
                .filter(|addr| allow_private || is_public(addr.ip()))
                .collect();
            if usable.is_empty() {
                return Err(Box::new(Blocked { host }) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(usable.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_unicast_addresses_pass() {
        let cases: &[(&str, bool)] = &[
            ("93.184.216.34", true),
            ("8.8.8.8", true),
            ("1.1.1.1", true),
            ("172.15.255.255", true),
            ("172.32.0.1", true),
            ("100.63.255.255", true),
            ("100.128.0.1", true),
            ("0.0.0.0", false),
            ("0.1.2.3", false),
            ("10.0.0.1", false),
            ("100.64.0.1", false),
            ("100.127.255.255", false),
            ("127.0.0.1", false),
            ("127.255.255.254", false),
            ("169.254.169.254", false),
            ("172.16.0.1", false),
            ("172.31.255.255", false),
            ("192.0.0.8", false),
            ("192.0.2.1", false),
            ("192.168.1.1", false),
            ("198.18.0.1", false),
            ("198.51.100.7", false),
            ("203.0.113.9", false),
            ("224.0.0.1", false),
            ("239.255.255.250", false),
            ("240.0.0.1", false),
            ("255.255.255.255", false),
            ("2606:4700:4700::1111", true),
            ("2a00:1450:4001:81b::200e", true),
            ("::", false),
            ("::1", false),
            ("::ffff:127.0.0.1", false),
            ("::ffff:10.1.2.3", false),
            ("::ffff:169.254.169.254", false),
            ("::ffff:8.8.8.8", true),
            ("64:ff9b::a00:1", false),
            ("64:ff9b::808:808", true),
            ("2002:7f00:1::", false),
            ("2002:0808:0808::1", true),
            ("fe80::1", false),
            ("febf::1", false),
            ("fc00::1", false),
            ("fd12:3456::1", false),
            ("ff02::1", false),
            ("2001:db8::1", false),
            ("2001::1", false),
            ("3fff::1", false),
            ("100::1", false),
            ("::127.0.0.1", false),
        ];
        for (text, public) in cases {
            let ip: IpAddr = text.parse().expect(text);
            assert_eq!(is_public(ip), *public, "{text}");
        }
    }

    #[test]
    fn literal_hosts_in_every_spelling_are_checked() {
        for url in [
            "http://127.0.0.1/",
            "http://[::1]:8080/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://[::ffff:7f00:1]/",
            "http://169.254.169.254/latest/meta-data/",
        ] {
            let url = Url::parse(url).expect(url);
            assert!(check_host(&url, false).is_err(), "{url}");
            assert!(check_host(&url, true).is_ok(), "{url}");
        }
        for url in ["http://93.184.216.34/", "https://help.example.com/"] {
            let url = Url::parse(url).expect(url);
            assert!(check_host(&url, false).is_ok(), "{url}");
        }
    }

    #[tokio::test]
    async fn the_resolver_drops_private_answers() {
        let name: Name = "localhost".parse().expect("a valid name");
        let refused = GuardedResolver {
            allow_private: false,
        }
        .resolve(name)
        .await;
        let error = refused.err().expect("localhost is refused");
        assert!(blocked_in(&*error).is_some(), "{error}");

        let name: Name = "localhost".parse().expect("a valid name");
        let addrs: Vec<SocketAddr> = GuardedResolver {
            allow_private: true,
        }
        .resolve(name)
        .await
        .expect("test mode resolves localhost")
        .collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
    }
}
