//! The web crawl connector: an external help center or the store's own site, read politely
//! into [`Document`]s.
//!
//! A crawl stays on the start URL's host. It reads robots.txt once and obeys it, seeds itself
//! from the start URL and the site's sitemaps, then goes breadth-first along in-site links,
//! within page and depth limits and at least [`CrawlOptions::delay`] apart. Pages fetched
//! before are asked for conditionally (ETag / Last-Modified), so an unchanged page costs a
//! 304. Every request goes through the SSRF guard ([`guard`]): no private, loopback or
//! link-local target, and each redirect hop is checked again as a new URL.
//!
//! ```no_run
//! # async fn run() -> Result<(), connectors::crawl::CrawlError> {
//! use connectors::crawl::{Crawl, CrawlOptions, PageOutcome};
//! let start = reqwest::Url::parse("https://help.example.com/").expect("a URL");
//! let mut crawl = Crawl::start(&start, CrawlOptions::default(), Default::default()).await?;
//! while let Some(outcome) = crawl.next_page().await {
//!     if let PageOutcome::Fetched { document, validators } = outcome {
//!         // store the document, and the validators for the next crawl
//!     }
//! }
//! let summary = crawl.summary();
//! # Ok(()) }
//! ```

mod fetch;
pub mod guard;
mod page;
mod robots;
mod scope;
mod sitemap;

/// The crawl's parsers of what a site serves (robots.txt, sitemaps, pages), for the fuzz
/// targets (`fuzz/`) only: the crawl itself is the API.
#[doc(hidden)]
pub mod fuzzing {
    pub use super::page::{Page, nests_deeper_than, read as read_page};
    pub use super::robots::Robots;
    pub use super::sitemap::{Sitemap, parse as parse_sitemap};
}

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::LAST_MODIFIED;
use reqwest::{StatusCode, Url};
use serde::{Deserialize, Serialize};

use crate::document::{Document, SourceKind, StructuredFields};
use fetch::{FetchError, Fetcher, Reply};
use robots::Robots;
use scope::Scope;
use sitemap::Sitemap;

/// RFC 9309 asks crawlers to read at least 500 KiB of robots.txt; the rest may be ignored.
const ROBOTS_MAX_BYTES: usize = 512 * 1024;
/// Sitemaps may be 50 MB by the protocol; a help center's are far smaller.
const SITEMAP_MAX_BYTES: usize = 10 * 1024 * 1024;
/// Sitemap files read per crawl (an index and the sitemaps it lists).
const MAX_SITEMAPS: usize = 16;
/// URLs a crawl remembers; past this, newly found links are dropped and the crawl reports
/// itself incomplete.
const MAX_SEEN: usize = 100_000;
/// Deeper element nesting makes a page too costly to parse (see [`page::nests_deeper_than`]);
/// real pages stay far below it.
const MAX_NESTING: usize = 512;
/// Redirect hops followed from one URL (RFC 9309 asks for at least five on robots.txt).
const MAX_REDIRECTS: u8 = 5;
/// A Crawl-delay beyond this is read as this: the crawl still ends within its job.
const MAX_CRAWL_DELAY: Duration = Duration::from_secs(60);

/// How a crawl behaves. `Default` suits a production crawl of a public site.
#[derive(Debug, Clone)]
pub struct CrawlOptions {
    /// At most this many page requests (robots.txt and sitemaps aside), redirects included.
    pub max_pages: usize,
    /// Links are followed this many steps from the start URL and sitemap pages; 0 reads only
    /// those.
    pub max_depth: usize,
    /// The least time between two requests to the site; a larger robots.txt Crawl-delay wins.
    pub delay: Duration,
    /// A page whose body is larger is skipped, read no further than this.
    pub max_page_bytes: usize,
    /// Sent on every request; its first word is the token robots.txt groups are matched on.
    pub user_agent: String,
    /// Per request, connecting through reading the body.
    pub timeout: Duration,
    /// Stay under the start URL's directory (`/help/` for `https://example.com/help/faq`).
    pub under_start_path: bool,
    /// Test mode only: allow private, loopback and link-local addresses (a local test site).
    pub allow_private: bool,
}

impl Default for CrawlOptions {
    fn default() -> Self {
        Self {
            max_pages: 500,
            max_depth: 5,
            delay: Duration::from_secs(1),
            max_page_bytes: 2 * 1024 * 1024,
            user_agent: concat!("ConciergeBot/", env!("CARGO_PKG_VERSION")).to_owned(),
            timeout: Duration::from_secs(20),
            under_start_path: false,
            allow_private: false,
        }
    }
}

/// What a server said identifies a page's version; sent back to ask "has it changed?".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validators {
    fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// What became of one URL.
#[derive(Debug, Clone, PartialEq)]
#[allow(
    clippy::large_enum_variant,
    reason = "outcomes are handed over one at a time and most are documents: boxing saves nothing"
)]
pub enum PageOutcome {
    /// A page read into a document (`external_id` and `url` are the normalised URL).
    Fetched {
        document: Document,
        validators: Validators,
    },
    /// The server says the page is unchanged since the validators it was given.
    NotModified { url: String },
    /// No document for this URL.
    Skipped { url: String, reason: SkipReason },
}

/// Why a URL gave no document; callers branch on it (a 404 means the page is gone, a
/// timeout does not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// robots.txt disallows it; it was not requested.
    Robots,
    /// The page asks not to be indexed (`noindex` in a meta tag or `X-Robots-Tag`).
    NoIndex,
    /// It redirects; an in-site target is crawled under its own URL.
    Redirected {
        to: String,
    },
    TooManyRedirects,
    /// It, or a redirect from it, points at an address that is not public.
    Blocked {
        host: String,
    },
    NotHtml {
        content_type: String,
    },
    TooLarge {
        limit: usize,
    },
    /// Elements nest deeper than a page needs and the parser can afford.
    TooDeeplyNested,
    /// An HTTP status that is neither success, redirect nor 304.
    Status(u16),
    /// Network failure or timeout.
    Failed(String),
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Robots => f.write_str("disallowed by robots.txt"),
            Self::NoIndex => f.write_str("the page asks not to be indexed"),
            Self::Redirected { to } => write!(f, "redirects to {to}"),
            Self::TooManyRedirects => write!(f, "more than {MAX_REDIRECTS} redirects"),
            Self::Blocked { host } => write!(f, "{host} is not a public address"),
            Self::NotHtml { content_type } => write!(f, "not HTML ({content_type})"),
            Self::TooLarge { limit } => write!(f, "larger than {limit} bytes"),
            Self::TooDeeplyNested => write!(f, "elements nest deeper than {MAX_NESTING}"),
            Self::Status(status) => write!(f, "HTTP {status}"),
            Self::Failed(message) => f.write_str(message),
        }
    }
}

/// Why a crawl could not start.
#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    #[error("{0} is not an http(s) URL with a host")]
    NotHttp(String),
    /// The start URL (or where its robots.txt redirects) is not a public address.
    #[error("refusing to crawl {url}: {host} is not a public address")]
    Blocked { url: String, host: String },
    /// robots.txt answered 429 or 5xx. RFC 9309 reads that as "disallow everything for now",
    /// the conservative choice: a site in trouble is not crawled.
    #[error("{url} answered HTTP {status}: the site is not crawled until it answers")]
    RobotsUnavailable { url: String, status: u16 },
    /// robots.txt could not be fetched at all (no connection, timeout).
    #[error("could not reach {url}: {message}")]
    Unreachable { url: String, message: String },
    #[error("building the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// Counts for a finished (or stopped) crawl.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CrawlSummary {
    /// Every request sent, robots.txt and sitemaps included.
    pub requests: usize,
    pub fetched: usize,
    pub not_modified: usize,
    pub skipped: usize,
    /// Every URL found was visited: no page limit or memory bound cut the crawl short. Only
    /// then may a caller treat a previously crawled URL that was not seen as gone.
    pub complete: bool,
}

#[derive(Debug)]
struct Entry {
    url: Url,
    depth: usize,
    redirects: u8,
}

/// A crawl under way: call [`Crawl::next_page`] until it returns `None`.
pub struct Crawl {
    options: CrawlOptions,
    scope: Scope,
    robots: Robots,
    fetcher: Fetcher,
    previous: HashMap<String, Validators>,
    frontier: VecDeque<Entry>,
    seen: HashSet<String>,
    /// Previously crawled URLs not (yet) found this time: a 304 page shows no links, so what
    /// lies behind it is revisited from here once the frontier runs dry.
    known: Vec<Url>,
    pages: usize,
    overflowed: bool,
    summary: CrawlSummary,
}

impl Crawl {
    /// Checks the start URL, reads robots.txt and the sitemaps. `previous` maps URLs crawled
    /// before to their validators.
    ///
    /// The start URL should be the site's canonical address: a redirect to another host
    /// (`example.com` to `www.example.com`) is reported as [`SkipReason::Redirected`], not
    /// followed.
    #[tracing::instrument(skip_all, fields(start = %start))]
    pub async fn start(
        start: &Url,
        options: CrawlOptions,
        previous: HashMap<String, Validators>,
    ) -> Result<Self, CrawlError> {
        let not_http = || CrawlError::NotHttp(start.to_string());
        let start = scope::normalise(start).ok_or_else(not_http)?;
        let scope = Scope::new(&start, options.under_start_path).ok_or_else(not_http)?;
        guard::check_host(&start, options.allow_private).map_err(|b| CrawlError::Blocked {
            url: start.to_string(),
            host: b.host,
        })?;
        let mut fetcher = Fetcher::new(
            &options.user_agent,
            options.timeout,
            options.delay,
            options.allow_private,
        )?;
        let robots = read_robots(&mut fetcher, &start, &scope, &options.user_agent).await?;
        if let Some(delay) = robots.crawl_delay() {
            fetcher.slow_to(delay.min(MAX_CRAWL_DELAY));
        }
        let mut known: Vec<Url> = previous
            .keys()
            .filter_map(|u| Url::parse(u).ok())
            .filter_map(|u| scope::normalise(&u))
            .filter(|u| scope.contains(u))
            .collect();
        known.sort_by(|a, b| b.as_str().cmp(a.as_str()));
        let mut crawl = Self {
            options,
            scope,
            robots,
            fetcher,
            previous,
            frontier: VecDeque::new(),
            seen: HashSet::new(),
            known,
            pages: 0,
            overflowed: false,
            summary: CrawlSummary::default(),
        };
        crawl.enqueue(start.clone(), 0);
        crawl.read_sitemaps(&start).await;
        Ok(crawl)
    }

    /// Visits the next URL; `None` once the site is exhausted or the page limit is reached.
    pub async fn next_page(&mut self) -> Option<PageOutcome> {
        if self.pages >= self.options.max_pages {
            return None;
        }
        let entry = match self.frontier.pop_front() {
            Some(entry) => entry,
            None => self.next_known()?,
        };
        let outcome = if self.robots.allows(&path_and_query(&entry.url)) {
            self.pages += 1;
            self.visit(entry).await
        } else {
            skipped(&entry.url, SkipReason::Robots)
        };
        match &outcome {
            PageOutcome::Fetched { .. } => self.summary.fetched += 1,
            PageOutcome::NotModified { .. } => self.summary.not_modified += 1,
            PageOutcome::Skipped { url, reason } => {
                tracing::debug!(%url, %reason, "skipped");
                self.summary.skipped += 1;
            }
        }
        Some(outcome)
    }

    pub fn summary(&self) -> CrawlSummary {
        CrawlSummary {
            requests: self.fetcher.requests(),
            complete: !self.overflowed
                && self.frontier.is_empty()
                && self.known.iter().all(|u| self.seen.contains(u.as_str())),
            ..self.summary.clone()
        }
    }

    fn next_known(&mut self) -> Option<Entry> {
        while let Some(url) = self.known.pop() {
            if self.seen.insert(url.to_string()) {
                return Some(Entry {
                    url,
                    depth: self.options.max_depth,
                    redirects: 0,
                });
            }
        }
        None
    }

    fn enqueue(&mut self, url: Url, depth: usize) {
        if !self.scope.contains(&url) || self.seen.contains(url.as_str()) {
            return;
        }
        if self.seen.len() >= MAX_SEEN {
            self.overflowed = true;
            return;
        }
        self.seen.insert(url.to_string());
        self.frontier.push_back(Entry {
            url,
            depth,
            redirects: 0,
        });
    }

    async fn visit(&mut self, entry: Entry) -> PageOutcome {
        let url = entry.url.clone();
        let validators = self.previous.get(url.as_str()).filter(|v| !v.is_empty());
        let conditional = validators.is_some();
        let reply = self
            .fetcher
            .get(&url, validators, self.options.max_page_bytes, is_html)
            .await;
        let reply = match reply {
            Ok(reply) => reply,
            Err(FetchError::Blocked(blocked)) => {
                return skipped(&url, SkipReason::Blocked { host: blocked.host });
            }
            Err(error) => return skipped(&url, SkipReason::Failed(error.to_string())),
        };
        match reply.status {
            StatusCode::NOT_MODIFIED if conditional => PageOutcome::NotModified {
                url: url.to_string(),
            },
            status if status.is_redirection() && reply.location().is_some() => {
                self.redirect(entry, reply.location().unwrap_or_default())
            }
            status if status.is_success() => self.read_page(entry, reply).await,
            status => skipped(&url, SkipReason::Status(status.as_u16())),
        }
    }

    fn redirect(&mut self, entry: Entry, location: &str) -> PageOutcome {
        let target = match redirect_target(
            &entry.url,
            location,
            &self.scope,
            self.options.allow_private,
        ) {
            Ok(target) => target,
            Err(reason) => return skipped(&entry.url, reason),
        };
        if entry.redirects >= MAX_REDIRECTS {
            return skipped(&entry.url, SkipReason::TooManyRedirects);
        }
        // The target goes next, under its own URL; one already seen is crawled (or was) anyway.
        if self.seen.insert(target.to_string()) {
            self.frontier.push_front(Entry {
                url: target.clone(),
                depth: entry.depth,
                redirects: entry.redirects + 1,
            });
        }
        skipped(
            &entry.url,
            SkipReason::Redirected {
                to: target.to_string(),
            },
        )
    }

    async fn read_page(&mut self, entry: Entry, reply: Reply) -> PageOutcome {
        let url = entry.url;
        let content_type = reply.content_type();
        if !is_html(content_type.as_deref())
            || !looks_like_text(&reply.body, content_type.is_none())
        {
            return skipped(
                &url,
                SkipReason::NotHtml {
                    content_type: content_type.unwrap_or_else(|| "unknown".into()),
                },
            );
        }
        if reply.truncated {
            return skipped(
                &url,
                SkipReason::TooLarge {
                    limit: self.options.max_page_bytes,
                },
            );
        }
        let validators = reply.validators();
        let updated_at = reply
            .header(LAST_MODIFIED)
            .and_then(|d| DateTime::parse_from_rfc2822(d).ok())
            .map(|d| d.with_timezone(&Utc));
        let (header_noindex, header_nofollow) =
            page::directives(reply.header("x-robots-tag").unwrap_or_default());
        let text = String::from_utf8_lossy(&reply.body).into_owned();
        // Parsing a large page takes milliseconds of CPU: off the async workers.
        let read = tokio::task::spawn_blocking(move || {
            (!page::nests_deeper_than(&text, MAX_NESTING)).then(|| page::read(&text))
        });
        let page = match read.await {
            Ok(Some(page)) => page,
            Ok(None) => return skipped(&url, SkipReason::TooDeeplyNested),
            Err(error) => return skipped(&url, SkipReason::Failed(error.to_string())),
        };
        if !(page.nofollow || header_nofollow) && entry.depth < self.options.max_depth {
            let base = page
                .base
                .as_deref()
                .and_then(|b| url.join(b).ok())
                .unwrap_or_else(|| url.clone());
            for link in &page.links {
                if let Some(link) = scope::resolve(&base, link) {
                    self.enqueue(link, entry.depth + 1);
                }
            }
        }
        if page.noindex || header_noindex {
            return skipped(&url, SkipReason::NoIndex);
        }
        PageOutcome::Fetched {
            document: Document {
                source_kind: SourceKind::Web,
                external_id: url.to_string(),
                url: Some(url.to_string()),
                title: page.title.unwrap_or_else(|| url.to_string()),
                blocks: page.blocks,
                fields: StructuredFields::default(),
                updated_at,
            },
            validators,
        }
    }

    /// Seeds the frontier from `Sitemap:` lines and `/sitemap.xml`, following indexes.
    async fn read_sitemaps(&mut self, start: &Url) {
        let mut queue: VecDeque<Url> = self
            .robots
            .sitemaps()
            .iter()
            .filter_map(|s| scope::resolve(start, s))
            .chain(start.join("/sitemap.xml").ok())
            .collect();
        let mut read = HashSet::new();
        let mut pages = Vec::new();
        while let Some(url) = queue.pop_front() {
            if read.len() >= MAX_SITEMAPS {
                break;
            }
            if !self.scope.same_host(&url)
                || !self.robots.allows(&path_and_query(&url))
                || !read.insert(url.to_string())
            {
                continue;
            }
            let reply = match follow(
                &mut self.fetcher,
                url.clone(),
                &self.scope,
                SITEMAP_MAX_BYTES,
            )
            .await
            {
                Ok(Some((_, reply))) if reply.status.is_success() => reply,
                Ok(other) => {
                    let status = other.map(|(_, r)| r.status.as_u16());
                    tracing::debug!(%url, ?status, "no sitemap");
                    continue;
                }
                Err(error) => {
                    tracing::debug!(%url, %error, "sitemap unreachable");
                    continue;
                }
            };
            let body = String::from_utf8_lossy(&reply.body);
            match sitemap::parse(&body, MAX_SEEN) {
                Sitemap::Index(nested) => {
                    queue.extend(nested.iter().filter_map(|s| scope::resolve(&url, s)));
                }
                Sitemap::Pages(locs) => pages.extend(locs),
            }
        }
        for loc in pages {
            if let Some(page) = scope::resolve(start, &loc) {
                self.enqueue(page, 0);
            }
        }
    }
}

/// Runs a whole crawl, handing each outcome to `on_page`.
pub async fn crawl(
    start: &Url,
    options: CrawlOptions,
    previous: HashMap<String, Validators>,
    mut on_page: impl FnMut(PageOutcome),
) -> Result<CrawlSummary, CrawlError> {
    let mut crawl = Crawl::start(start, options, previous).await?;
    while let Some(outcome) = crawl.next_page().await {
        on_page(outcome);
    }
    Ok(crawl.summary())
}

/// Where a redirect from `from` may lead: a public address on the site. Every hop passes
/// here, so a redirect cannot carry the crawl somewhere a link could not.
fn redirect_target(
    from: &Url,
    location: &str,
    scope: &Scope,
    allow_private: bool,
) -> Result<Url, SkipReason> {
    let target = scope::resolve(from, location)
        .ok_or_else(|| SkipReason::Failed(format!("unusable redirect to {location:?}")))?;
    guard::check_host(&target, allow_private)
        .map_err(|blocked| SkipReason::Blocked { host: blocked.host })?;
    if scope.contains(&target) {
        Ok(target)
    } else {
        Err(SkipReason::Redirected {
            to: target.to_string(),
        })
    }
}

/// GETs robots.txt or a sitemap, following same-host redirects. `None`: a redirect left the
/// host or went round too often.
async fn follow(
    fetcher: &mut Fetcher,
    mut url: Url,
    scope: &Scope,
    limit: usize,
) -> Result<Option<(Url, Reply)>, FetchError> {
    for _ in 0..=MAX_REDIRECTS {
        let reply = fetcher.get(&url, None, limit, |_| true).await?;
        let Some(location) = reply.location().filter(|_| reply.status.is_redirection()) else {
            return Ok(Some((url, reply)));
        };
        match scope::resolve(&url, location) {
            Some(next) if scope.same_host(&next) => url = next,
            _ => return Ok(None),
        }
    }
    Ok(None)
}

/// robots.txt: missing (4xx) means everything is allowed; 429, 5xx or no answer means the
/// site is not crawled (see [`CrawlError::RobotsUnavailable`]).
async fn read_robots(
    fetcher: &mut Fetcher,
    start: &Url,
    scope: &Scope,
    user_agent: &str,
) -> Result<Robots, CrawlError> {
    let Ok(url) = start.join("/robots.txt") else {
        return Ok(Robots::allow_all());
    };
    let reply = match follow(fetcher, url.clone(), scope, ROBOTS_MAX_BYTES).await {
        Ok(Some((_, reply))) => reply,
        // RFC 9309: after too many redirects the file may be taken as unavailable.
        Ok(None) => return Ok(Robots::allow_all()),
        Err(FetchError::Blocked(blocked)) => {
            return Err(CrawlError::Blocked {
                url: start.to_string(),
                host: blocked.host,
            });
        }
        Err(error) => {
            return Err(CrawlError::Unreachable {
                url: url.to_string(),
                message: error.to_string(),
            });
        }
    };
    let status = reply.status;
    if status.is_success() {
        Ok(Robots::parse(
            &String::from_utf8_lossy(&reply.body),
            user_agent,
        ))
    } else if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        Err(CrawlError::RobotsUnavailable {
            url: url.to_string(),
            status: status.as_u16(),
        })
    } else {
        Ok(Robots::allow_all())
    }
}

fn skipped(url: &Url, reason: SkipReason) -> PageOutcome {
    PageOutcome::Skipped {
        url: url.to_string(),
        reason,
    }
}

fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}

/// HTML by its content type; a response without one is sniffed after reading.
fn is_html(content_type: Option<&str>) -> bool {
    matches!(
        content_type,
        None | Some("text/html" | "application/xhtml+xml")
    )
}

/// Binary bodies served as HTML are skipped rather than read as text: NULs do not occur in
/// text. A body without a content type must also start like markup.
fn looks_like_text(body: &[u8], sniff: bool) -> bool {
    let head = &body[..body.len().min(1024)];
    let trimmed = head.trim_ascii_start();
    let trimmed = trimmed.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(trimmed);
    !head.contains(&0) && (!sniff || trimmed.is_empty() || trimmed.starts_with(b"<"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect(s)
    }

    #[test]
    fn every_redirect_hop_is_checked_again() {
        let from = url("https://help.example.com/returns");
        let scope = Scope::new(&from, false).expect("a scope");
        for private in [
            "http://127.0.0.1/admin",
            "http://[::1]/",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.5:8080/",
            "http://2130706433/",
        ] {
            assert!(
                matches!(
                    redirect_target(&from, private, &scope, false),
                    Err(SkipReason::Blocked { .. })
                ),
                "{private}"
            );
        }
        assert_eq!(
            redirect_target(&from, "/returns-policy#top", &scope, false),
            Ok(url("https://help.example.com/returns-policy"))
        );
        assert_eq!(
            redirect_target(&from, "https://other.example/", &scope, false),
            Err(SkipReason::Redirected {
                to: "https://other.example/".into()
            })
        );
        // In test mode a loopback target is not blocked, but still off-site here.
        assert!(matches!(
            redirect_target(&from, "http://127.0.0.1/admin", &scope, true),
            Err(SkipReason::Redirected { .. })
        ));
    }

    #[test]
    fn a_crawl_can_run_on_any_worker_thread() {
        fn send<T: Send>(_: &T) {}
        let start = url("https://help.example.com/");
        send(&crawl(
            &start,
            CrawlOptions::default(),
            HashMap::new(),
            |_| {},
        ));
    }

    #[test]
    fn sniffing_binary_bodies() {
        assert!(looks_like_text(b"  <!doctype html><p>hi", true));
        assert!(looks_like_text(b"\xEF\xBB\xBF<html>", true));
        assert!(looks_like_text(b"", true));
        assert!(!looks_like_text(b"%PDF-1.7\n", true));
        assert!(looks_like_text(b"Plain words served as HTML", false));
        assert!(!looks_like_text(b"<html>\0\0\0", false));
        assert!(is_html(Some("text/html")));
        assert!(!is_html(Some("application/pdf")));
    }
}
