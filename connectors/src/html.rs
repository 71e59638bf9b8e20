//! HTML to structured text: headings, paragraphs, list items and question/answer pairs, with
//! navigation, headers, footers, scripts and other boilerplate left out. Used for Shopify
//! pages, articles and policies (whose bodies are HTML), crawled pages and uploaded files.

use scraper::{ElementRef, Html, Node};

use crate::document::Block;

/// Elements whose content is never the page's substance.
const SKIP: &[&str] = &[
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
    "iframe", "svg", "button", "select", "head", "dialog",
];

/// Class or id fragments that mark boilerplate containers.
const BOILERPLATE: &[&str] = &[
    "nav",
    "menu",
    "breadcrumb",
    "footer",
    "header",
    "cookie",
    "sidebar",
    "skip-link",
    "newsletter",
    "social",
];

/// The page's title (`<title>`, else its first `<h1>`) and its blocks.
pub fn parse(html: &str) -> (Option<String>, Vec<Block>) {
    let document = Html::parse_document(html);
    let title = select_text(&document, "title").or_else(|| select_text(&document, "h1"));
    let root = ["main", "article", "[role=main]", "body"]
        .iter()
        .find_map(|sel| {
            scraper::Selector::parse(sel)
                .ok()
                .and_then(|s| document.select(&s).next())
        })
        .unwrap_or_else(|| document.root_element());
    let mut blocks = Vec::new();
    walk(root, &mut blocks, 0);
    (title, pair_questions(blocks))
}

/// Blocks of an HTML fragment (a product description, a page body).
pub fn fragment_blocks(html: &str) -> Vec<Block> {
    let fragment = Html::parse_fragment(html);
    let mut blocks = Vec::new();
    walk(fragment.root_element(), &mut blocks, 0);
    pair_questions(blocks)
}

fn select_text(document: &Html, selector: &str) -> Option<String> {
    let selector = scraper::Selector::parse(selector).ok()?;
    let text = clean(
        &document
            .select(&selector)
            .next()?
            .text()
            .collect::<String>(),
    );
    (!text.is_empty()).then_some(text)
}

fn is_boilerplate(element: &ElementRef) -> bool {
    let e = element.value();
    if SKIP.contains(&e.name()) {
        return true;
    }
    if matches!(
        e.attr("role"),
        Some("navigation" | "banner" | "contentinfo" | "search")
    ) || e.attr("aria-hidden") == Some("true")
        || e.attr("hidden").is_some()
    {
        return true;
    }
    let marks = format!(
        "{} {}",
        e.attr("class").unwrap_or_default(),
        e.attr("id").unwrap_or_default()
    )
    .to_ascii_lowercase();
    BOILERPLATE.iter().any(|b| {
        marks
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
            .any(|word| word == *b || word.starts_with(&format!("{b}-")))
    })
}

/// Nesting deeper than this is read as plain text (hostile pages nest thousands deep).
const MAX_DEPTH: usize = 64;

fn walk(element: ElementRef, blocks: &mut Vec<Block>, depth: usize) {
    if depth > MAX_DEPTH {
        push(
            blocks,
            Block::Paragraph(clean(&element.text().collect::<String>())),
        );
        return;
    }
    let mut inline = String::new();
    for child in element.children() {
        match child.value() {
            Node::Text(text) => inline.push_str(text),
            Node::Element(_) => {
                let Some(child) = ElementRef::wrap(child) else {
                    continue;
                };
                if is_boilerplate(&child) {
                    continue;
                }
                let name = child.value().name();
                match name {
                    "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                        flush(&mut inline, blocks);
                        let level = name[1..].parse().unwrap_or(2);
                        push(
                            blocks,
                            Block::Heading {
                                level,
                                text: clean(&child.text().collect::<String>()),
                            },
                        );
                    }
                    "p" | "blockquote" | "pre" | "figcaption" => {
                        flush(&mut inline, blocks);
                        push(
                            blocks,
                            Block::Paragraph(clean(&child.text().collect::<String>())),
                        );
                    }
                    "li" | "dt" | "dd" => {
                        flush(&mut inline, blocks);
                        push(
                            blocks,
                            Block::Item(clean(&child.text().collect::<String>())),
                        );
                    }
                    "tr" => {
                        flush(&mut inline, blocks);
                        let cells: Vec<String> = child
                            .children()
                            .filter_map(ElementRef::wrap)
                            .map(|c| clean(&c.text().collect::<String>()))
                            .filter(|c| !c.is_empty())
                            .collect();
                        push(blocks, Block::Paragraph(cells.join(" | ")));
                    }
                    "br" => inline.push('\n'),
                    "a" | "span" | "strong" | "em" | "b" | "i" | "u" | "small" | "code"
                    | "mark" | "sup" | "sub" | "abbr" | "time" | "label" => {
                        inline.push_str(&child.text().collect::<String>());
                    }
                    _ => {
                        flush(&mut inline, blocks);
                        walk(child, blocks, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }
    flush(&mut inline, blocks);
}

fn flush(inline: &mut String, blocks: &mut Vec<Block>) {
    let text = clean(inline);
    inline.clear();
    push(blocks, Block::Paragraph(text));
}

fn push(blocks: &mut Vec<Block>, block: Block) {
    let empty = match &block {
        Block::Heading { text, .. } | Block::Paragraph(text) | Block::Item(text) => text.is_empty(),
        Block::QuestionAnswer { question, .. } => question.is_empty(),
    };
    if !empty {
        blocks.push(block);
    }
}

/// Collapses whitespace runs.
fn clean(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A heading that asks a question, followed by its answer, becomes one Q/A block.
fn pair_questions(blocks: Vec<Block>) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::with_capacity(blocks.len());
    let mut pending: Option<(String, Vec<String>)> = None;
    for block in blocks {
        match block {
            Block::Heading { text, .. } if text.ends_with('?') => {
                finish(&mut pending, &mut out);
                pending = Some((text, Vec::new()));
            }
            Block::Paragraph(text) | Block::Item(text) if pending.is_some() => {
                if let Some((_, answer)) = pending.as_mut() {
                    answer.push(text);
                }
            }
            other => {
                finish(&mut pending, &mut out);
                out.push(other);
            }
        }
    }
    finish(&mut pending, &mut out);
    out
}

fn finish(pending: &mut Option<(String, Vec<String>)>, out: &mut Vec<Block>) {
    if let Some((question, answer)) = pending.take() {
        if answer.is_empty() {
            out.push(Block::Heading {
                level: 3,
                text: question,
            });
        } else {
            out.push(Block::QuestionAnswer {
                question,
                answer: answer.join(" "),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_substance_and_drops_the_chrome() {
        let html = r#"<html><head><title>Shipping | Harbor &amp; Pine</title><style>p{}</style></head>
        <body>
          <header class="site-header"><a href="/">Home</a></header>
          <nav><ul><li>Shop</li><li>About</li></ul></nav>
          <main>
            <h1>Shipping &amp; Delivery</h1>
            <p>We ship within <strong>1–2 business days</strong>.</p>
            <h2>Rates</h2>
            <table><tr><th>Region</th><th>Rate</th></tr><tr><td>US</td><td>$7.95</td></tr></table>
            <ul><li>Free over $99</li><li>Canada: $19</li></ul>
            <h3>Do you ship to Canada?</h3><p>Yes, in 5–8 days.</p>
            <div class="cookie-banner">We use cookies</div>
            <script>track()</script>
          </main>
          <footer>© 2026</footer>
        </body></html>"#;
        let (title, blocks) = parse(html);
        assert_eq!(title.as_deref(), Some("Shipping | Harbor & Pine"));
        let text: Vec<String> = blocks.iter().map(Block::render).collect();
        assert_eq!(
            text,
            vec![
                "# Shipping & Delivery",
                "We ship within 1–2 business days.",
                "## Rates",
                "Region | Rate",
                "US | $7.95",
                "- Free over $99",
                "- Canada: $19",
                "Q: Do you ship to Canada?\nA: Yes, in 5–8 days.",
            ]
        );
    }

    #[test]
    fn fragments_and_garbage_do_not_panic() {
        assert!(fragment_blocks("").is_empty());
        assert_eq!(
            fragment_blocks("<p>Hi <b>there</b></p>"),
            vec![Block::Paragraph("Hi there".into())]
        );
        let _ = parse("<<<>>><div><p>unclosed");
        let _ = parse(&"<div>".repeat(10_000));
    }
}
