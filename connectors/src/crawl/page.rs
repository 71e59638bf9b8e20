//! A fetched HTML page read for a crawl: its text through [`crate::html::parse`], plus what the
//! crawl itself needs (links, `<base>`, and the page's own robots directives).

use scraper::{Html, Selector};

use crate::document::Block;
use crate::html;

/// More links than this on one page are ignored (a crawl never needs them all).
const MAX_LINKS: usize = 5_000;

/// Elements never closed, or closed implicitly by their next sibling: not counted as nesting.
const UNNESTED: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "param", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead",
    "tbody", "tfoot", "colgroup", "caption", "rb", "rt", "rtc", "rp",
];

/// Elements whose content is text up to their end tag.
const RAW_TEXT: &[&str] = &["script", "style", "textarea", "title", "xmp", "noembed"];

#[derive(Debug, Default)]
pub struct Page {
    pub title: Option<String>,
    pub blocks: Vec<Block>,
    /// `href`s as written, to resolve against `base` (else the page URL).
    pub links: Vec<String>,
    pub base: Option<String>,
    /// `<meta name="robots" content="noindex">`: fetch allowed, indexing not.
    pub noindex: bool,
    /// `<meta name="robots" content="nofollow">`: do not crawl on from here.
    pub nofollow: bool,
}

/// Reads a page. CPU-bound: call it off the async runtime for large pages.
pub fn read(html_text: &str) -> Page {
    let (title, blocks) = html::parse(html_text);
    let document = Html::parse_document(html_text);
    let select = |s: &str| Selector::parse(s).ok();
    let mut page = Page {
        title,
        blocks,
        ..Page::default()
    };
    if let Some(selector) = select("a[href], area[href]") {
        page.links = document
            .select(&selector)
            .filter_map(|a| a.value().attr("href"))
            .take(MAX_LINKS)
            .map(str::to_owned)
            .collect();
    }
    if let Some(selector) = select("base[href]") {
        page.base = document
            .select(&selector)
            .next()
            .and_then(|b| b.value().attr("href"))
            .map(str::to_owned);
    }
    if let Some(selector) = select("meta[name][content]") {
        for meta in document.select(&selector) {
            let name = meta.value().attr("name").unwrap_or_default();
            if name.eq_ignore_ascii_case("robots") {
                let (noindex, nofollow) =
                    directives(meta.value().attr("content").unwrap_or_default());
                page.noindex |= noindex;
                page.nofollow |= nofollow;
            }
        }
    }
    page
}

/// Whether elements nest deeper than `max` anywhere in the page.
///
/// html5ever's tree builder searches the stack of open elements on most tags, so its time
/// grows with tags × depth: 20,000 nested `<div>`s take most of a second even optimised, and
/// a 2 MiB page of them minutes. This linear scan keeps a stack as the parser would (an end
/// tag closes up to its matching element, unmatched ones are ignored) and gives up early.
pub fn nests_deeper_than(html: &str, max: usize) -> bool {
    let mut stack: Vec<String> = Vec::new();
    // Where the outermost <svg> or <math> is open: inside, `<path/>` really closes itself.
    let mut foreign_at: Option<usize> = None;
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        if let Some(after) = rest.strip_prefix("!--") {
            rest = after.split_once("-->").map_or("", |(_, r)| r);
            continue;
        }
        let closing = rest.starts_with('/');
        let name_start = usize::from(closing);
        let name_len = rest[name_start..]
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '-')
            .unwrap_or(rest.len() - name_start);
        if name_len == 0 {
            continue;
        }
        let name = rest[name_start..name_start + name_len].to_ascii_lowercase();
        let tag_end = rest.find('>').unwrap_or(rest.len());
        let self_closing = rest[..tag_end].ends_with('/');
        rest = &rest[tag_end..];
        if closing {
            if let Some(at) = stack.iter().rposition(|open| *open == name) {
                stack.truncate(at);
                foreign_at = foreign_at.filter(|&f| f < at);
            }
        } else if RAW_TEXT.contains(&name.as_str()) {
            rest = find_end_tag(rest, &name).map_or("", |at| &rest[at..]);
        } else if !(UNNESTED.contains(&name.as_str()) || self_closing && foreign_at.is_some()) {
            if foreign_at.is_none() && (name == "svg" || name == "math") {
                foreign_at = Some(stack.len());
            }
            stack.push(name);
            if stack.len() > max {
                return true;
            }
        }
    }
    false
}

/// Where `</name` starts in `text`, in any letter case.
fn find_end_tag(text: &str, name: &str) -> Option<usize> {
    text.match_indices("</").map(|(at, _)| at).find(|&at| {
        text.as_bytes()
            .get(at + 2..at + 2 + name.len())
            .is_some_and(|candidate| candidate.eq_ignore_ascii_case(name.as_bytes()))
    })
}

/// `(noindex, nofollow)` from a robots directive list (a meta tag or an `X-Robots-Tag`).
pub fn directives(content: &str) -> (bool, bool) {
    let mut noindex = false;
    let mut nofollow = false;
    for directive in content.split(',').map(|d| d.trim().to_ascii_lowercase()) {
        match directive.as_str() {
            "noindex" => noindex = true,
            "nofollow" => nofollow = true,
            "none" => (noindex, nofollow) = (true, true),
            _ => {}
        }
    }
    (noindex, nofollow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_base_and_robots_meta() {
        let page = read(
            r#"<html><head><title>T</title><base href="/docs/"><meta name="ROBOTS" content="noindex, follow"></head>
            <body><nav><a href="/nav">Nav</a></nav><main><p>Hi <a href="a#x">a</a></p><map><area href="b"></map></main></body></html>"#,
        );
        assert_eq!(page.title.as_deref(), Some("T"));
        assert_eq!(
            page.links,
            ["/nav", "a#x", "b"],
            "navigation links still lead somewhere"
        );
        assert_eq!(page.base.as_deref(), Some("/docs/"));
        assert!(page.noindex);
        assert!(!page.nofollow);
        assert_eq!(directives("none"), (true, true));
    }

    #[test]
    fn nesting_is_measured_as_a_parser_would() {
        let deep = |n: usize, open: &str| format!("<html><body>{}x", open.repeat(n));
        assert!(nests_deeper_than(&deep(600, "<div>"), 512));
        assert!(!nests_deeper_than(&deep(100, "<div>"), 512));
        assert!(
            nests_deeper_than(&deep(600, "<div></nothing>"), 512),
            "unmatched end tags close nothing"
        );
        assert!(nests_deeper_than(&deep(600, "<b><i>"), 512));
        assert!(!nests_deeper_than(&deep(600, "<div></div>"), 512));
        assert!(
            nests_deeper_than(&deep(600, "<div/>"), 512),
            "HTML ignores the slash"
        );
        let icons = format!("<svg>{}</svg>", "<path d='M0'/>".repeat(1000)).repeat(3);
        assert!(!nests_deeper_than(&icons, 512), "SVG does not");
        for flat in [
            "<p>",
            "<li>",
            "<br>",
            "<img src=x>",
            "<td>",
            "<!-- <div> -->",
        ] {
            assert!(!nests_deeper_than(&deep(10_000, flat), 512), "{flat}");
        }
        assert!(!nests_deeper_than(
            &format!("<script>{}</SCRIPT><div>", "if (a<div) {}".repeat(1000)),
            512
        ));
        for garbage in ["<", "</", "<a", "<<<>>>", "<script>", "<é>", "</é"] {
            let _ = nests_deeper_than(garbage, 2);
        }
    }
}
