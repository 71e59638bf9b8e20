//! What a crawled site serves, as the crawler reads it: robots.txt, sitemaps (XML or plain
//! text) and HTML pages. The first byte picks the parser; the rest is the file.
//!
//! Properties: nothing panics or runs away (libFuzzer's timeout); robots.txt itself is always
//! allowed, a crawl delay is at most a day, no listed sitemap is empty, and any path (those
//! the file names among them) can be checked; a sitemap yields at most the limit asked for, no empty location, and from a plain-
//! text sitemap only http(s) URLs; a page too deeply nested is refused before it is parsed
//! (as the crawl does), and a parsed one has no more links than the cap.

#![no_main]

use std::time::Duration;

use concierge_fuzz::page::{nests_deeper_than, read as read_page};
use concierge_fuzz::robots::Robots;
use concierge_fuzz::sitemap::{Sitemap, parse as parse_sitemap};
use libfuzzer_sys::fuzz_target;

const AGENT: &str = "Mozilla/5.0 (compatible; ConciergeBot/1.0; +https://example.com/bot)";
/// As the crawl sets them (`connectors::crawl`).
const MAX_NESTING: usize = 512;
const MAX_LINKS: usize = 5_000;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    match mode % 3 {
        0 => robots(&text),
        1 => sitemap(&text, usize::from(mode >> 2) + 1),
        _ => page(&text),
    }
});

fn robots(body: &str) {
    for agent in [AGENT, "ConciergeBot", "*", ""] {
        let robots = Robots::parse(body, agent);
        assert!(robots.allows("/robots.txt"));
        if let Some(delay) = robots.crawl_delay() {
            assert!(delay <= Duration::from_secs(86_400));
        }
        assert!(robots.sitemaps().iter().all(|s| !s.is_empty()));
        // Paths taken from the file itself reach its rules.
        for line in body.lines().take(16) {
            if let Some((_, value)) = line.split_once(':') {
                let path = value.trim();
                let _ = robots.allows(path);
                let _ = robots.allows(&format!("/{path}?q=1"));
            }
        }
    }
}

fn sitemap(body: &str, limit: usize) {
    let (Sitemap::Pages(locs) | Sitemap::Index(locs)) = parse_sitemap(body, limit);
    assert!(locs.len() <= limit);
    assert!(locs.iter().all(|l| !l.is_empty()));
    if !body.trim_start().starts_with('<') {
        assert!(
            locs.iter()
                .all(|l| l.starts_with("http://") || l.starts_with("https://"))
        );
    }
}

fn page(html: &str) {
    if nests_deeper_than(html, MAX_NESTING) {
        return;
    }
    let page = read_page(html);
    assert!(page.links.len() <= MAX_LINKS);
}
