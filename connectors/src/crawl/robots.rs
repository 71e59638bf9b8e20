//! robots.txt as RFC 9309 reads it: the groups for our product token (else `*`), the longest
//! matching rule deciding, `Allow` winning ties, `*` and a final `$` in patterns; plus the
//! `Crawl-delay` and `Sitemap` extensions.
//!
//! Written here rather than taken from a crate: the zero-dependency port of Google's parser
//! panics on some non-ASCII input, and the other well-known one pulls in nom, regex, bstr and a
//! second thiserror. Matching is linear in the path, so a hostile file cannot stall a crawl.

use std::time::Duration;

/// Patterns longer than this are ignored (no real rule is).
const MAX_PATTERN: usize = 2048;

/// The rules that apply to one user agent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Robots {
    /// `(allow, pattern)`, patterns percent-encoded like the paths they are matched against.
    rules: Vec<(bool, String)>,
    crawl_delay: Option<Duration>,
    sitemaps: Vec<String>,
}

#[derive(Debug, Default)]
struct Group {
    agents: Vec<String>,
    rules: Vec<(bool, String)>,
    crawl_delay: Option<Duration>,
}

impl Robots {
    /// No robots.txt (or one we may treat as missing): everything is allowed.
    pub fn allow_all() -> Self {
        Self::default()
    }

    /// Parses a robots.txt body for `user_agent` (a full User-Agent header or a bare token).
    pub fn parse(body: &str, user_agent: &str) -> Self {
        let token = product_token(user_agent);
        let mut groups: Vec<Group> = Vec::new();
        let mut sitemaps = Vec::new();
        // A user-agent line after a rule starts a new group; consecutive ones share a group.
        let mut in_agents = false;
        for line in body.lines() {
            let line = line.split('#').next().unwrap_or_default();
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let key = key.trim().to_ascii_lowercase();
            let value = value.trim();
            match key.as_str() {
                "user-agent" | "useragent" | "user agent" => {
                    if !in_agents {
                        groups.push(Group::default());
                        in_agents = true;
                    }
                    if let Some(group) = groups.last_mut() {
                        group.agents.push(product_token(value));
                    }
                }
                "sitemap" | "site-map" if !value.is_empty() => sitemaps.push(value.to_owned()),
                "allow" | "disallow" | "dissallow" | "disalow" => {
                    in_agents = false;
                    // An empty pattern matches nothing: "Disallow:" allows everything.
                    if let Some(group) = groups.last_mut()
                        && !value.is_empty()
                        && value.len() <= MAX_PATTERN
                    {
                        group.rules.push((key == "allow", encode_pattern(value)));
                    }
                }
                "crawl-delay" => {
                    in_agents = false;
                    if let (Some(group), Ok(seconds)) = (groups.last_mut(), value.parse::<f64>())
                        && seconds.is_finite()
                        && seconds >= 0.0
                    {
                        let delay = Duration::from_secs_f64(seconds.min(86_400.0));
                        group.crawl_delay = Some(group.crawl_delay.map_or(delay, |d| d.max(delay)));
                    }
                }
                _ => {}
            }
        }
        let ours: Vec<&Group> = groups
            .iter()
            .filter(|g| g.agents.contains(&token))
            .collect();
        let chosen = if ours.is_empty() {
            groups
                .iter()
                .filter(|g| g.agents.iter().any(|a| a == "*"))
                .collect()
        } else {
            ours
        };
        Self {
            rules: chosen
                .iter()
                .flat_map(|g| g.rules.iter().cloned())
                .collect(),
            crawl_delay: chosen.iter().filter_map(|g| g.crawl_delay).max(),
            sitemaps,
        }
    }

    /// Whether a path (with its query, percent-encoded as in a URL) may be fetched.
    pub fn allows(&self, path: &str) -> bool {
        if path == "/robots.txt" {
            return true;
        }
        let mut best: Option<(usize, bool)> = None;
        for (allow, pattern) in &self.rules {
            if matches(pattern, path) {
                let candidate = (pattern.len(), *allow);
                // Longest pattern wins; at equal length, allow wins (true > false).
                if best.is_none_or(|b| candidate > b) {
                    best = Some(candidate);
                }
            }
        }
        best.is_none_or(|(_, allow)| allow)
    }

    pub fn crawl_delay(&self) -> Option<Duration> {
        self.crawl_delay
    }

    /// The `Sitemap:` URLs, as written (possibly relative or off-site: the caller checks).
    pub fn sitemaps(&self) -> &[String] {
        &self.sitemaps
    }
}

/// `Mozilla/5.0 (compatible; ConciergeBot/1.0)` style strings are not product tokens; the
/// token is the first run of letters, `-` and `_` of the part before any `/`, lowercased.
fn product_token(agent: &str) -> String {
    let agent = agent.trim();
    if agent.starts_with('*') {
        return "*".to_owned();
    }
    agent
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Percent-encodes what a URL path would carry encoded, and upper-cases existing escapes, so
/// patterns and paths compare byte for byte.
fn encode_pattern(pattern: &str) -> String {
    let bytes = pattern.as_bytes();
    let mut out = String::with_capacity(pattern.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            out.push('%');
            out.push(char::from(bytes[i + 1].to_ascii_uppercase()));
            out.push(char::from(bytes[i + 2].to_ascii_uppercase()));
            i += 3;
            continue;
        }
        if b.is_ascii_graphic() {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
        i += 1;
    }
    out
}

/// Matches a pattern (with `*` for any run and a final `$` anchoring the end) against a path.
/// Segments between stars are found leftmost-first, which is exact for star-only globs.
fn matches(pattern: &str, path: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let mut segments = pattern.split('*');
    let first = segments.next().unwrap_or_default();
    let Some(mut rest) = path.strip_prefix(first) else {
        return false;
    };
    let segments: Vec<&str> = segments.collect();
    let Some((last, middle)) = segments.split_last() else {
        // No star: a prefix match, or an exact one when anchored.
        return !anchored || rest.is_empty();
    };
    for segment in middle {
        match rest.find(segment) {
            Some(at) => rest = &rest[at + segment.len()..],
            None => return false,
        }
    }
    if anchored {
        rest.ends_with(last)
    } else {
        rest.contains(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AGENT: &str = "ConciergeBot/1.0 (+https://example.com/bot)";

    #[test]
    fn longest_match_wins_and_allow_wins_ties() {
        let robots = Robots::parse(
            "User-agent: *\nDisallow: /private/\nAllow: /private/open\nDisallow: /tmp\nAllow: /tmp\n",
            AGENT,
        );
        assert!(robots.allows("/"));
        assert!(!robots.allows("/private/"));
        assert!(!robots.allows("/private/x?y=1"));
        assert!(robots.allows("/private/open/page"));
        assert!(robots.allows("/tmp/file"), "equal length: allow wins");
        assert!(robots.allows("/robots.txt"));
    }

    #[test]
    fn our_group_replaces_the_star_group() {
        let body = "User-agent: *\nDisallow: /\n\nUser-agent: conciergebot\nUser-agent: other\nDisallow: /cart\nCrawl-delay: 2.5\n\nUser-agent: ConciergeBot\nDisallow: /checkout\n";
        let robots = Robots::parse(body, AGENT);
        assert!(robots.allows("/pages/faq"));
        assert!(!robots.allows("/cart"));
        assert!(
            !robots.allows("/checkout/1"),
            "groups for the same agent merge"
        );
        assert_eq!(robots.crawl_delay(), Some(Duration::from_millis(2500)));
        let other = Robots::parse(body, "SomeoneElse/2");
        assert!(!other.allows("/pages/faq"));
    }

    #[test]
    fn wildcards_and_anchors() {
        let robots = Robots::parse(
            "user-agent: *\ndisallow: /*.pdf$\ndisallow: /search*q=\nDisallow: /exact$\n",
            AGENT,
        );
        assert!(!robots.allows("/files/a.pdf"));
        assert!(robots.allows("/files/a.pdf?download=1"));
        assert!(!robots.allows("/search/?page=2&q=shoes"));
        assert!(robots.allows("/search/?page=2"));
        assert!(!robots.allows("/exact"));
        assert!(robots.allows("/exact/more"));
        assert!(matches("/a*b*c", "/aXbYc"));
        assert!(!matches("/a*b*c$", "/aXbYcZ"));
        assert!(matches("/a*b*c$", "/abcbc"));
        assert!(matches("*", "/anything"));
        assert!(matches("/$", "/"));
        assert!(!matches("/$", "/x"));
    }

    #[test]
    fn sitemaps_comments_and_garbage() {
        let body = "# hello\nSitemap: https://shop.example/sitemap.xml # main\nUser-agent: * \nDisallow: # nothing\nDisallow: /caf%c3%a9\nDisallow: /ünï\n\u{0}\u{ffff}:::\nnonsense line\n";
        let robots = Robots::parse(body, AGENT);
        assert_eq!(robots.sitemaps(), ["https://shop.example/sitemap.xml"]);
        assert!(robots.allows("/anything"), "an empty Disallow allows all");
        assert!(!robots.allows("/caf%C3%A9/menu"));
        assert!(!robots.allows("/%C3%BCn%C3%AF"));
        assert!(Robots::parse(&"*".repeat(100_000), AGENT).allows("/"));
        let rules = "User-agent: *\n".to_owned() + &"Disallow: /*a*a*a*a*a*a*b\n".repeat(2000);
        assert!(Robots::parse(&rules, AGENT).allows(&format!("/{}", "a".repeat(2000))));
    }

    #[test]
    fn rules_before_any_user_agent_are_ignored() {
        let robots = Robots::parse("Disallow: /\nUser-agent: *\nAllow: /\n", AGENT);
        assert!(robots.allows("/x"));
        assert!(Robots::allow_all().allows("/x"));
    }
}
