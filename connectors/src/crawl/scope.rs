//! Which URLs belong to a crawl, in one spelling each.

use reqwest::Url;

/// Longer URLs are crawler traps more often than pages.
const MAX_URL_LEN: usize = 2048;

/// The site a crawl stays on: the start URL's host and port, over http or https, optionally
/// under the start URL's directory.
#[derive(Debug, Clone)]
pub struct Scope {
    host: String,
    /// An explicit non-default port (`Url::port` is `None` for 80 over http and 443 over
    /// https, so a site that links between the two schemes stays in scope).
    port: Option<u16>,
    path_prefix: String,
}

impl Scope {
    /// The scope of a crawl starting at `start`; `None` when it is no http(s) URL with a host.
    pub fn new(start: &Url, under_start_path: bool) -> Option<Self> {
        if !matches!(start.scheme(), "http" | "https") {
            return None;
        }
        let host = start.host_str()?.to_owned();
        let path_prefix = if under_start_path {
            let path = start.path();
            path[..path.rfind('/').map_or(0, |i| i + 1)].to_owned()
        } else {
            "/".to_owned()
        };
        Some(Self {
            host,
            port: start.port(),
            path_prefix,
        })
    }

    /// Whether a (normalised) URL is on the site.
    pub fn contains(&self, url: &Url) -> bool {
        matches!(url.scheme(), "http" | "https")
            && url.host_str() == Some(self.host.as_str())
            && url.port() == self.port
            && url.path().starts_with(&self.path_prefix)
    }

    /// Whether a URL is on the same host, ignoring the path prefix (robots.txt and sitemaps
    /// live at the root).
    pub fn same_host(&self, url: &Url) -> bool {
        matches!(url.scheme(), "http" | "https")
            && url.host_str() == Some(self.host.as_str())
            && url.port() == self.port
    }
}

/// One spelling per page: no fragment, no credentials, and nothing overlong. The `url` crate
/// already lowercases the host, drops default ports and resolves dot segments.
pub fn normalise(url: &Url) -> Option<Url> {
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return None;
    }
    let mut url = url.clone();
    url.set_fragment(None);
    if !url.username().is_empty() || url.password().is_some() {
        url.set_username("").ok()?;
        url.set_password(None).ok()?;
    }
    if url.query() == Some("") {
        url.set_query(None);
    }
    (url.as_str().len() <= MAX_URL_LEN).then_some(url)
}

/// Resolves a link against the page it appears on, normalised.
pub fn resolve(base: &Url, href: &str) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    normalise(&base.join(href).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect(s)
    }

    #[test]
    fn normalising_drops_what_does_not_name_a_page() {
        let base = url("https://Help.Example.com:443/a/b/page?x=1");
        assert_eq!(
            resolve(&base, "../c/./d?#top").map(String::from),
            Some("https://help.example.com/a/c/d".into())
        );
        assert_eq!(
            resolve(&base, "http://user:pw@help.example.com:80/x#y").map(String::from),
            Some("http://help.example.com/x".into())
        );
        for skipped in ["", "#top", "mailto:a@b.c", "javascript:void(0)", "tel:+1"] {
            assert_eq!(resolve(&base, skipped), None, "{skipped}");
        }
        assert_eq!(resolve(&base, &format!("/{}", "a".repeat(3000))), None);
    }

    #[test]
    fn the_scope_is_the_host_and_port_over_either_scheme() {
        let scope = Scope::new(&url("https://help.example.com/"), false).expect("a scope");
        assert!(scope.contains(&url("https://help.example.com/faq")));
        assert!(scope.contains(&url("http://help.example.com/faq")));
        assert!(!scope.contains(&url("https://help.example.com:8443/faq")));
        assert!(!scope.contains(&url("https://example.com/faq")));
        assert!(!scope.contains(&url("https://evil.help.example.com/")));
        assert!(!scope.contains(&url("ftp://help.example.com/faq")));
        assert!(Scope::new(&url("file:///etc/passwd"), false).is_none());

        let under = Scope::new(&url("http://127.0.0.1:8080/help/start"), true).expect("a scope");
        assert!(under.contains(&url("http://127.0.0.1:8080/help/faq")));
        assert!(!under.contains(&url("http://127.0.0.1:8080/shop")));
        assert!(!under.contains(&url("http://127.0.0.1:9090/help/faq")));
        assert!(under.same_host(&url("http://127.0.0.1:8080/robots.txt")));
    }
}
