//! The crawler against a real site served on 127.0.0.1: robots.txt, sitemaps, boilerplate,
//! redirects, conditional GET, hostile pages, limits, and the SSRF refusal.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use connectors::crawl::{
    self, CrawlError, CrawlOptions, CrawlSummary, PageOutcome, SkipReason, Validators,
};
use connectors::{Document, SourceKind};
use reqwest::Url;

/// A request the test site received.
#[derive(Debug, Clone)]
struct Hit {
    path: String,
    at: Instant,
    user_agent: String,
    if_none_match: Option<String>,
    if_modified_since: Option<String>,
}

type Log = Arc<Mutex<Vec<Hit>>>;

/// A site on its own port, logging every request.
struct Site {
    base: String,
    log: Log,
}

impl Site {
    async fn serve(routes: impl FnOnce(&str) -> Router) -> Site {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a test port");
        let base = format!("http://{}", listener.local_addr().expect("an address"));
        let log = Log::default();
        let app = routes(&base).layer(middleware::from_fn_with_state(log.clone(), record));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Site { base, log }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn hits(&self) -> Vec<Hit> {
        self.log.lock().expect("the log").clone()
    }

    fn paths(&self) -> Vec<String> {
        self.hits().into_iter().map(|h| h.path).collect()
    }
}

async fn record(State(log): State<Log>, request: Request, next: Next) -> Response {
    let hit = Hit::of(&request);
    log.lock().expect("the log").push(hit);
    next.run(request).await
}

impl Hit {
    fn of(request: &Request) -> Hit {
        let header = |name| {
            request
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Hit {
            path: request.uri().path().to_owned(),
            at: Instant::now(),
            user_agent: header(header::USER_AGENT).unwrap_or_default(),
            if_none_match: header(header::IF_NONE_MATCH),
            if_modified_since: header(header::IF_MODIFIED_SINCE),
        }
    }
}

const BOILERPLATE: &str = r#"
  <header class="site-header"><a href="/">Harbor</a> Shop all departments</header>
  <nav><a href="/shipping">Shipping</a> <a href="/private/admin">Staff login</a></nav>
  <div class="cookie-banner">We use cookies to improve your experience</div>"#;
const FOOTER: &str = r#"<footer>© 2026 Harbor &amp; Pine · Footer links</footer>"#;

fn page(title: &str, main: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html><head><title>{title}</title></head><body>{BOILERPLATE}<main>{main}</main>{FOOTER}</body></html>"
    ))
}

const SHIPPING_ETAG: &str = "\"shipping-v1\"";
const RETURNS_DATE: &str = "Tue, 03 Feb 2026 10:00:00 GMT";

/// The help center: everything the crawl should find, skip, or never touch.
fn help_center(base: &str, elsewhere: &str) -> Router {
    let robots = format!(
        "# Everyone else stays out\nUser-agent: *\nDisallow: /\n\n\
         User-agent: ConciergeBot\nDisallow: /private/\nAllow: /private/press-kit\n\n\
         Sitemap: {base}/sitemap_index.xml\n"
    );
    let index = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>{base}/sitemap_pages.xml</loc></sitemap>
  <sitemap><loc>{elsewhere}/sitemap.xml</loc></sitemap>
</sitemapindex>"#
    );
    let pages = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>{base}/</loc></url>
  <url><loc>{base}/hidden-guide</loc></url>
  <url><loc>{base}/private/secret</loc></url>
  <url><loc>{elsewhere}/from-sitemap</loc></url>
</urlset>"#
    );
    let home = format!(
        r#"<h1>Help center</h1>
        <p>Answers about orders, shipping and returns.</p>
        <ul>
          <li><a href="/shipping#rates">Shipping rates</a></li>
          <li><a href="old-returns">Returns</a></li>
          <li><a href="/deep/1">Deep dive</a></li>
          <li><a href="{elsewhere}/partner">Our partner</a></li>
          <li><a href="/away">Elsewhere</a></li>
          <li><a href="/manual.pdf">Manual</a></li>
          <li><a href="/huge">Huge</a> <a href="/huge-chunked">Huge, chunked</a></li>
          <li><a href="/binary">Binary</a> <a href="/invalid-utf8">Mojibake</a></li>
          <li><a href="/nested">Nested</a> <a href="/nested-ok">Nested less</a> <a href="/noindex">Hidden from search</a></li>
          <li><a href="/private/press-kit">Press kit</a> <a href="mailto:help@example.com">Mail us</a></li>
        </ul>"#
    );
    let elsewhere = elsewhere.to_owned();
    Router::new()
        .route("/robots.txt", get(move || async move { robots }))
        .route("/sitemap_index.xml", get(move || async move { index }))
        .route("/sitemap_pages.xml", get(move || async move { pages }))
        .route("/", get(move || async move { page("Harbor Help", &home) }))
        .route("/shipping", get(shipping))
        .route(
            "/old-returns",
            get(|| async { Redirect::permanent("/returns#policy") }),
        )
        .route("/returns", get(returns))
        .route(
            "/hidden-guide",
            get(|| async { page("Sizing guide", "<h1>Sizing guide</h1><p>Only the sitemap links here.</p>") }),
        )
        .route("/deep/{n}", get(deep))
        .route(
            "/away",
            get(move || async move { Redirect::temporary(&format!("{elsewhere}/landing")) }),
        )
        .route(
            "/manual.pdf",
            get(|| async { ([(header::CONTENT_TYPE, "application/pdf")], "%PDF-1.7 ...") }),
        )
        .route(
            "/huge",
            get(|| async { page("Huge", &"<p>padding</p>".repeat(100_000)) }),
        )
        .route("/huge-chunked", get(huge_chunked))
        .route(
            "/binary",
            get(|| async {
                let bytes: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
                ([(header::CONTENT_TYPE, "text/html")], bytes)
            }),
        )
        .route(
            "/invalid-utf8",
            get(|| async {
                let body = b"<html><head><title>Caf\xff</title></head><body><main><p>Caf\xfe\xff menu</p></main></body></html>".to_vec();
                ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body)
            }),
        )
        .route(
            "/nested",
            get(|| async { page("Nested", &format!("{}<p>Too deep</p>", "<div>".repeat(20_000))) }),
        )
        .route(
            "/nested-ok",
            get(|| async { page("Nested", &format!("{}<p>Deep inside</p>", "<div>".repeat(300))) }),
        )
        .route(
            "/noindex",
            get(|| async {
                Html(r#"<html><head><meta name="robots" content="noindex"></head><body><p>Draft</p><a href="/from-noindex">on</a></body></html>"#)
            }),
        )
        .route(
            "/from-noindex",
            get(|| async { page("Reached", "<p>Linked from a noindex page.</p>") }),
        )
        .route(
            "/private/{page}",
            get(|Path(page): Path<String>| async move {
                crate::page(&page, "<p>Not for crawlers</p>")
            }),
        )
}

async fn shipping(headers: HeaderMap) -> Response {
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v == SHIPPING_ETAG)
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, SHIPPING_ETAG)]).into_response();
    }
    (
        [(header::ETAG, SHIPPING_ETAG)],
        page(
            "Shipping | Harbor",
            "<h1>Shipping</h1><p>Orders leave within two business days.</p>\
             <h2 id=\"rates\">Rates</h2><ul><li>Free over $99</li><li>Canada: $19</li></ul>",
        ),
    )
        .into_response()
}

async fn returns(headers: HeaderMap) -> Response {
    if headers
        .get(header::IF_MODIFIED_SINCE)
        .is_some_and(|v| v == RETURNS_DATE)
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    (
        [(header::LAST_MODIFIED, RETURNS_DATE)],
        page(
            "Returns",
            "<h1>Returns</h1><h2>Can I return a sale item?</h2><p>Yes, within 30 days.</p>",
        ),
    )
        .into_response()
}

async fn deep(Path(n): Path<u32>) -> Html<String> {
    page(
        &format!("Level {n}"),
        &format!(
            "<h1>Level {n}</h1><p>Chapter {n}.</p><a href=\"/deep/{}\">Next</a>",
            n + 1
        ),
    )
}

/// 4 MiB of HTML with no Content-Length: the crawler must stop reading, not buffer it.
async fn huge_chunked() -> Response {
    let chunk = axum::body::Bytes::from("<p>padding padding padding</p>".repeat(1000));
    let chunks = futures::stream::iter(
        std::iter::repeat_n(chunk, 140).map(Ok::<_, std::convert::Infallible>),
    );
    (
        [(header::CONTENT_TYPE, "text/html")],
        Body::from_stream(chunks),
    )
        .into_response()
}

/// A site whose every request is counted: it must never be reached.
async fn elsewhere() -> Site {
    Site::serve(|_| Router::new().fallback(|| async { "elsewhere" })).await
}

fn options() -> CrawlOptions {
    CrawlOptions {
        max_pages: 100,
        max_depth: 3,
        delay: Duration::from_millis(20),
        max_page_bytes: 256 * 1024,
        timeout: Duration::from_secs(5),
        allow_private: true,
        ..CrawlOptions::default()
    }
}

async fn run(
    start: &str,
    options: CrawlOptions,
    previous: HashMap<String, Validators>,
) -> Result<(Vec<PageOutcome>, CrawlSummary), CrawlError> {
    let start = Url::parse(start).expect("a start URL");
    let mut outcomes = Vec::new();
    let summary = crawl::crawl(&start, options, previous, |o| outcomes.push(o)).await?;
    Ok((outcomes, summary))
}

fn documents(outcomes: &[PageOutcome]) -> HashMap<String, Document> {
    outcomes
        .iter()
        .filter_map(|o| match o {
            PageOutcome::Fetched { document, .. } => {
                Some((document.external_id.clone(), document.clone()))
            }
            _ => None,
        })
        .collect()
}

fn skips(outcomes: &[PageOutcome]) -> HashMap<String, SkipReason> {
    outcomes
        .iter()
        .filter_map(|o| match o {
            PageOutcome::Skipped { url, reason } => Some((url.clone(), reason.clone())),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_crawl_honours_robots_follows_the_sitemap_and_keeps_only_the_substance() {
    let elsewhere = elsewhere().await;
    let site = Site::serve(|base| help_center(base, &elsewhere.base)).await;
    let (outcomes, summary) = run(&site.url("/"), options(), HashMap::new())
        .await
        .expect("the crawl runs");
    let docs = documents(&outcomes);
    let skips = skips(&outcomes);
    let paths = site.paths();

    // robots.txt: read once; our group (not `*`, which disallows all) is obeyed.
    assert_eq!(paths.iter().filter(|p| *p == "/robots.txt").count(), 1);
    for private in ["/private/admin", "/private/secret"] {
        assert!(
            !paths.iter().any(|p| p == private),
            "{private} was requested"
        );
        assert_eq!(skips.get(&site.url(private)), Some(&SkipReason::Robots));
    }
    assert!(
        docs.contains_key(&site.url("/private/press-kit")),
        "Allow wins"
    );

    // The sitemap index and its sitemap were read; the sitemap-only page was crawled.
    assert!(paths.iter().any(|p| p == "/sitemap_pages.xml"));
    assert_eq!(docs[&site.url("/hidden-guide")].title, "Sizing guide");

    // Nothing off-site was ever requested: links, sitemap entries, redirects.
    assert!(elsewhere.paths().is_empty(), "{:?}", elsewhere.paths());
    assert_eq!(
        skips.get(&site.url("/away")),
        Some(&SkipReason::Redirected {
            to: elsewhere.url("/landing")
        })
    );

    // An in-site redirect leads to the target, crawled under its own URL.
    assert_eq!(
        skips.get(&site.url("/old-returns")),
        Some(&SkipReason::Redirected {
            to: site.url("/returns")
        })
    );
    let returns = &docs[&site.url("/returns")];
    assert_eq!(
        returns.text(),
        "# Returns\n\nQ: Can I return a sale item?\nA: Yes, within 30 days."
    );
    assert!(returns.updated_at.is_some(), "from Last-Modified");

    // Clean text with headings; no navigation, header, cookie banner or footer.
    let shipping = &docs[&site.url("/shipping")];
    assert_eq!(shipping.source_kind, SourceKind::Web);
    assert_eq!(
        shipping.url.as_deref(),
        Some(site.url("/shipping").as_str())
    );
    assert_eq!(shipping.title, "Shipping | Harbor");
    assert_eq!(
        shipping.text(),
        "# Shipping\n\nOrders leave within two business days.\n\n## Rates\n\n- Free over $99\n\n- Canada: $19"
    );
    for doc in docs.values() {
        let text = doc.text();
        for chrome in ["cookies", "Shop all", "Staff login", "©", "Footer"] {
            assert!(
                !text.contains(chrome),
                "{chrome:?} in {}:\n{text}",
                doc.url.as_deref().unwrap_or_default()
            );
        }
    }
    assert!(docs[&site.url("/")].text().starts_with("# Help center"));

    // Hostile and unwanted pages are skipped, not fatal.
    assert!(matches!(
        skips.get(&site.url("/manual.pdf")),
        Some(SkipReason::NotHtml { .. })
    ));
    assert!(matches!(
        skips.get(&site.url("/binary")),
        Some(SkipReason::NotHtml { .. })
    ));
    assert!(matches!(
        skips.get(&site.url("/huge")),
        Some(SkipReason::TooLarge { .. })
    ));
    assert!(matches!(
        skips.get(&site.url("/huge-chunked")),
        Some(SkipReason::TooLarge { .. })
    ));
    assert!(docs[&site.url("/invalid-utf8")].text().contains("menu"));
    assert_eq!(
        skips.get(&site.url("/nested")),
        Some(&SkipReason::TooDeeplyNested),
        "20,000 nested elements would take the parser seconds"
    );
    assert!(docs[&site.url("/nested-ok")].text().contains("Deep inside"));
    assert_eq!(skips.get(&site.url("/noindex")), Some(&SkipReason::NoIndex));
    assert!(
        docs.contains_key(&site.url("/from-noindex")),
        "noindex still follows"
    );

    // Depth counts from the seeds: /deep/1 is one step from the home page.
    for n in 1..=3 {
        assert!(
            docs.contains_key(&site.url(&format!("/deep/{n}"))),
            "/deep/{n}"
        );
    }
    assert!(!paths.iter().any(|p| p == "/deep/4"));

    // Politeness: one user agent, and never two requests closer than the delay.
    let hits = site.hits();
    assert!(
        hits.iter()
            .all(|h| h.user_agent.starts_with("ConciergeBot/"))
    );
    // (Arrival times jitter a little around the client's pacing, hence the slack.)
    for pair in hits.windows(2) {
        let gap = pair[1].at.duration_since(pair[0].at);
        assert!(
            gap >= Duration::from_millis(10),
            "{gap:?} before {}",
            pair[1].path
        );
    }
    let span = hits[hits.len() - 1].at.duration_since(hits[0].at);
    let paced = Duration::from_millis(19) * u32::try_from(hits.len() - 1).expect("a count");
    assert!(span >= paced, "{span:?} for {} requests", hits.len());

    assert!(summary.complete);
    assert_eq!(summary.fetched, docs.len());
    assert_eq!(summary.requests, hits.len());
    let mut unique = paths.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        paths.len(),
        "no URL requested twice: {paths:?}"
    );
}

#[tokio::test]
async fn page_and_depth_limits_hold() {
    let elsewhere = elsewhere().await;
    let site = Site::serve(|base| help_center(base, &elsewhere.base)).await;
    let limits = CrawlOptions {
        max_pages: 3,
        delay: Duration::ZERO,
        ..options()
    };
    let (outcomes, summary) = run(&site.url("/deep/1"), limits, HashMap::new())
        .await
        .expect("the crawl runs");
    let pages: Vec<String> = site
        .paths()
        .into_iter()
        .filter(|p| !p.starts_with("/robots") && !p.starts_with("/sitemap"))
        .collect();
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert!(!summary.complete, "the page limit cut it short");
    assert_eq!(summary.fetched, 3, "{outcomes:?}");

    let shallow = CrawlOptions {
        max_depth: 0,
        under_start_path: true,
        delay: Duration::ZERO,
        ..options()
    };
    let site = Site::serve(|base| help_center(base, &elsewhere.base)).await;
    let (outcomes, summary) = run(&site.url("/deep/1"), shallow, HashMap::new())
        .await
        .expect("the crawl runs");
    // Depth 0 reads the seeds only; sitemap pages outside /deep/ are out of scope.
    let docs = documents(&outcomes);
    assert_eq!(docs.keys().collect::<Vec<_>>(), [&site.url("/deep/1")]);
    assert!(summary.complete);
}

#[tokio::test]
async fn a_second_crawl_asks_whether_pages_changed() {
    let elsewhere = elsewhere().await;
    let site = Site::serve(|base| help_center(base, &elsewhere.base)).await;
    let fast = || CrawlOptions {
        delay: Duration::ZERO,
        max_depth: 1,
        ..options()
    };
    let (first, _) = run(&site.url("/"), fast(), HashMap::new())
        .await
        .expect("the first crawl");
    let previous: HashMap<String, Validators> = first
        .iter()
        .filter_map(|o| match o {
            PageOutcome::Fetched {
                document,
                validators,
            } => Some((document.external_id.clone(), validators.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        previous[&site.url("/shipping")].etag.as_deref(),
        Some(SHIPPING_ETAG)
    );
    // A page the first crawl saw but that no link reaches this time is still checked.
    let mut previous = previous;
    previous.insert(site.url("/deep/2"), Validators::default());

    let before = site.hits().len();
    let (second, summary) = run(&site.url("/"), fast(), previous)
        .await
        .expect("the second crawl");
    let hits = &site.hits()[before..];
    assert!(second.contains(&PageOutcome::NotModified {
        url: site.url("/shipping")
    }));
    assert!(second.contains(&PageOutcome::NotModified {
        url: site.url("/returns")
    }));
    let shipping = hits
        .iter()
        .find(|h| h.path == "/shipping")
        .expect("shipping asked for");
    assert_eq!(shipping.if_none_match.as_deref(), Some(SHIPPING_ETAG));
    let returns = hits
        .iter()
        .find(|h| h.path == "/returns")
        .expect("returns asked for");
    assert_eq!(returns.if_modified_since.as_deref(), Some(RETURNS_DATE));
    assert!(documents(&second).contains_key(&site.url("/hidden-guide")));
    assert!(documents(&second).contains_key(&site.url("/deep/2")));
    assert_eq!(summary.not_modified, 2);
    assert!(summary.complete);
}

#[tokio::test]
async fn private_addresses_are_refused_outside_test_mode() {
    let elsewhere = elsewhere().await;
    let site = Site::serve(|base| help_center(base, &elsewhere.base)).await;
    let port = Url::parse(&site.base)
        .expect("a URL")
        .port()
        .expect("a port");
    let production = CrawlOptions {
        allow_private: false,
        ..options()
    };
    for start in [
        site.url("/"),
        format!("http://localhost:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
        format!("http://2130706433:{port}/"),
    ] {
        let error = run(&start, production.clone(), HashMap::new())
            .await
            .expect_err("a private target is refused");
        assert!(
            matches!(error, CrawlError::Blocked { .. }),
            "{start}: {error}"
        );
        assert!(
            error.to_string().contains("not a public address"),
            "{error}"
        );
    }
    assert!(site.paths().is_empty(), "{:?}", site.paths());

    assert!(matches!(
        run("file:///etc/passwd", options(), HashMap::new()).await,
        Err(CrawlError::NotHttp(_))
    ));
}

#[tokio::test]
async fn robots_txt_decides_whether_the_site_is_crawled_at_all() {
    let failing = Site::serve(|_| {
        Router::new()
            .route(
                "/robots.txt",
                get(|| async { StatusCode::SERVICE_UNAVAILABLE }),
            )
            .route("/", get(|| async { page("Home", "<p>Hi</p>") }))
    })
    .await;
    let error = run(&failing.url("/"), options(), HashMap::new())
        .await
        .expect_err("a 503 on robots.txt stops the crawl");
    assert!(
        matches!(error, CrawlError::RobotsUnavailable { status: 503, .. }),
        "{error}"
    );
    assert_eq!(failing.paths(), ["/robots.txt"]);

    let missing =
        Site::serve(|_| Router::new().route("/", get(|| async { page("Home", "<p>Hi</p>") })))
            .await;
    let (outcomes, _) = run(&missing.url("/"), options(), HashMap::new())
        .await
        .expect("no robots.txt allows everything");
    assert_eq!(documents(&outcomes).len(), 1);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let closed = format!("http://{}/", listener.local_addr().expect("an address"));
    drop(listener);
    assert!(matches!(
        run(&closed, options(), HashMap::new()).await,
        Err(CrawlError::Unreachable { .. })
    ));
}
