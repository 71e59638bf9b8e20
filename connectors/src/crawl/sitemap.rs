//! Sitemaps (sitemaps.org): a `<urlset>` lists pages, a `<sitemapindex>` lists more sitemaps,
//! and a plain-text sitemap is one URL a line. Only `<loc>` matters to a crawl, so this reads
//! tags rather than building a tree: truncated or sloppy XML still yields what it holds.

/// What a sitemap file lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sitemap {
    Pages(Vec<String>),
    Index(Vec<String>),
}

/// The locations in a sitemap body, at most `limit` of them.
pub fn parse(body: &str, limit: usize) -> Sitemap {
    if !body.trim_start().starts_with('<') {
        return Sitemap::Pages(
            body.lines()
                .map(str::trim)
                .filter(|l| l.starts_with("http://") || l.starts_with("https://"))
                .take(limit)
                .map(str::to_owned)
                .collect(),
        );
    }
    let mut index = false;
    let mut seen_root = false;
    let mut locs = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        if let Some(after) = rest.strip_prefix("!--") {
            rest = after.split_once("-->").map_or("", |(_, r)| r);
            continue;
        }
        let name_end = rest
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(rest.len());
        let name = &rest[..name_end];
        // Namespace prefixes (`<sm:loc>`) are rare but legal.
        let local = name.rsplit(':').next().unwrap_or(name);
        if !seen_root && !name.starts_with(['?', '!']) {
            seen_root = true;
            index = local.eq_ignore_ascii_case("sitemapindex");
        }
        if local != "loc" {
            continue;
        }
        let Some(start) = rest.find('>') else { break };
        rest = &rest[start + 1..];
        let (text, after) = take_text(rest);
        rest = after;
        let text = decode(text.trim());
        if !text.is_empty() {
            locs.push(text);
            if locs.len() >= limit {
                break;
            }
        }
    }
    if index {
        Sitemap::Index(locs)
    } else {
        Sitemap::Pages(locs)
    }
}

/// The element's text up to its closing tag, with a CDATA section unwrapped.
fn take_text(rest: &str) -> (&str, &str) {
    let trimmed = rest.trim_start();
    if let Some(cdata) = trimmed.strip_prefix("<![CDATA[") {
        return cdata.split_once("]]>").unwrap_or((cdata, ""));
    }
    match rest.find('<') {
        Some(end) => (&rest[..end], &rest[end..]),
        None => (rest, ""),
    }
}

/// Decodes the five XML entities and numeric references.
fn decode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest.find(';').filter(|&s| s <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_urlset_lists_pages() {
        let body = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- generated <loc>http://comment.example/</loc> -->
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc> https://shop.example/pages/faq </loc><lastmod>2026-01-01</lastmod></url>
  <url><loc>https://shop.example/search?q=a&amp;page=2</loc></url>
  <url><loc><![CDATA[https://shop.example/a<b]]></loc></url>
  <url><sm:loc>https://shop.example/&#x41;&#66;</sm:loc></url>
</urlset>"#;
        assert_eq!(
            parse(body, 100),
            Sitemap::Pages(vec![
                "https://shop.example/pages/faq".into(),
                "https://shop.example/search?q=a&page=2".into(),
                "https://shop.example/a<b".into(),
                "https://shop.example/AB".into(),
            ])
        );
    }

    #[test]
    fn an_index_lists_sitemaps() {
        let body = "<sitemapindex><sitemap><loc>https://shop.example/sitemap_pages_1.xml</loc></sitemap></sitemapindex>";
        assert_eq!(
            parse(body, 100),
            Sitemap::Index(vec!["https://shop.example/sitemap_pages_1.xml".into()])
        );
    }

    #[test]
    fn text_sitemaps_limits_and_garbage() {
        assert_eq!(
            parse("https://a.example/1\n\nnot a url\nhttps://a.example/2\n", 1),
            Sitemap::Pages(vec!["https://a.example/1".into()])
        );
        assert_eq!(
            parse(
                "<urlset><url><loc>https://a.example/x&bogus;&#xFFFFFFFF;&",
                10
            ),
            Sitemap::Pages(vec!["https://a.example/x&bogus;&#xFFFFFFFF;&".into()])
        );
        for garbage in [
            "<",
            "<loc",
            "<loc>",
            "<!--",
            "<<<>>>",
            "<a:>\u{0}<loc>é</loc",
        ] {
            let _ = parse(garbage, 10);
        }
    }
}
