//! Step two of the local responder: the answer, composed from what the tools returned.
//!
//! Answers are extractive. Names, prices, stock, statuses and tracking numbers are the
//! tool's, word for word; descriptions and help pages are quoted by the sentences that
//! match the question, with their source. When nothing relevant came back the answer says
//! so and offers a person: it never fills a gap with a guess. The frame of every answer is
//! in the shopper's language; quoted store content stays as the store wrote it.
//!
//! Nothing the shopper wrote is repeated except product names they typed; emails, names and
//! addresses appear only when a tool returned them for this shopper.

mod knowledge;
mod orders;
mod phrases;
mod products;
mod sentences;

use serde::de::DeserializeOwned;
use serde_json::Value;
use tools::io::{Handoff, ProductsFound};

use super::lang::{self, Lang, words};
use orders::order_status;
use phrases::{fill, phrases};
use products::{cart_action, inventory, product_detail, products_found};

/// One tool result to answer from.
#[derive(Debug, Clone)]
pub struct ToolResult<'a> {
    pub tool: &'a str,
    /// The call's arguments, as JSON.
    pub arguments: Value,
    /// What the tool returned (`{"error": …}` on failure).
    pub content: Value,
}

/// The question, as the shopper asked it.
pub struct Question {
    words: Vec<String>,
    /// The question's words with their English equivalents.
    terms: Vec<String>,
    lang: Lang,
}

impl Question {
    pub fn new(text: &str, lang: Lang) -> Self {
        let words = words(text);
        let mut terms: Vec<String> = words.iter().filter(|w| is_term(w)).cloned().collect();
        terms.extend(lang::english_terms(&words));
        let synonyms = lang::synonyms(&terms);
        terms.extend(synonyms);
        Self { words, terms, lang }
    }

    fn asks(&self, cues: &[&str]) -> bool {
        lang::has_any(&self.words, cues)
    }
}

/// Words worth matching: not a stopword, not a lone letter.
fn is_term(word: &str) -> bool {
    !lang::is_stopword(word)
        && (word.chars().count() > 1 || word.chars().all(|c| c.is_ascii_digit()))
        && !matches!(word, "$" | "€" | "£" | "#" | "%" | "@")
}

/// The answer to `results`, in the question's language.
pub fn answer(results: &[ToolResult<'_>], question: &Question) -> String {
    let p = phrases(question.lang);
    let parts: Vec<String> = results
        .iter()
        .enumerate()
        .map(|(i, result)| {
            // A product that was not found, then searched for: the search answers.
            let searched = results[i + 1..]
                .iter()
                .any(|r| r.tool == tools::SEARCH_PRODUCTS);
            match result.content.get("error").and_then(Value::as_str) {
                Some(error) if searched && error.starts_with("no product matches") => {
                    let asked = result.arguments.get("product").and_then(Value::as_str);
                    fill(p.no_such_product, &[("product", asked.unwrap_or_default())])
                }
                _ => one(result, question),
            }
        })
        .filter(|part| !part.is_empty())
        .collect();
    if parts.is_empty() {
        return format!("{} {}", p.no_answer, p.offer_human);
    }
    parts.join("\n\n")
}

fn parse<T: DeserializeOwned>(content: &Value) -> Option<T> {
    serde_json::from_value(content.clone()).ok()
}

fn one(result: &ToolResult<'_>, question: &Question) -> String {
    let p = phrases(question.lang);
    if let Some(error) = result.content.get("error").and_then(Value::as_str) {
        return failure(result, error, question);
    }
    let content = &result.content;
    let text = match result.tool {
        tools::SEARCH_PRODUCTS => parse::<ProductsFound>(content).map(|found| {
            let query = result.arguments.get("query").and_then(Value::as_str);
            products_found(&found, query.unwrap_or_default(), question)
        }),
        tools::GET_PRODUCT => parse(content).map(|detail| product_detail(&detail, question)),
        tools::CHECK_INVENTORY => {
            parse(content).map(|stock| inventory(&stock, &result.arguments, question))
        }
        tools::GET_ORDER_STATUS => parse(content).map(|status| order_status(&status, question)),
        tools::SEARCH_KNOWLEDGE => {
            parse(content).map(|found| knowledge::knowledge(&found, question))
        }
        tools::ADD_TO_CART => parse(content).map(|cart| cart_action(&cart, question)),
        tools::HANDOFF_TO_HUMAN => parse(content).map(|handoff| handoff_text(&handoff, question)),
        _ => None,
    };
    text.unwrap_or_else(|| format!("{} {}", p.no_answer, p.offer_human))
}

// ---- handoff and failures ------------------------------------------------------------------

fn handoff_text(handoff: &Handoff, question: &Question) -> String {
    let p = phrases(question.lang);
    if handoff.agents_available {
        return p.handoff_now.to_owned();
    }
    match (&handoff.email, handoff.email_needed) {
        (Some(email), _) => fill(p.handoff_later_email, &[("email", email)]),
        (None, true) => p.handoff_need_email.to_owned(),
        (None, false) => p.handoff_later.to_owned(),
    }
}

/// The answer when a tool failed: what can be said honestly, and what the shopper can do.
fn failure(result: &ToolResult<'_>, error: &str, question: &Question) -> String {
    let p = phrases(question.lang);
    let asked = result
        .arguments
        .get("product")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match result.tool {
        tools::GET_PRODUCT | tools::CHECK_INVENTORY | tools::ADD_TO_CART
            if error.starts_with("no product matches") =>
        {
            format!(
                "{} {}",
                fill(p.no_such_product, &[("product", asked)]),
                p.offer_search
            )
        }
        tools::ADD_TO_CART
            if error.starts_with("which variant of")
                || error.starts_with("several variants of") =>
        {
            let choices = error.split_once("choose: ").map_or("", |(_, c)| c);
            fill(p.cart_choose, &[("choices", choices)])
        }
        tools::ADD_TO_CART if error.contains("is sold out") => {
            let item = error.split(" is sold out").next().unwrap_or_default();
            fill(p.cart_item_sold_out, &[("item", item)])
        }
        tools::ADD_TO_CART if error.starts_with("refused") => p.cart_refused.to_owned(),
        tools::GET_ORDER_STATUS if error.starts_with("order_number") => {
            p.order_number_format.to_owned()
        }
        tools::HANDOFF_TO_HUMAN if error.contains("does not look like an email") => {
            p.handoff_bad_email.to_owned()
        }
        tools::HANDOFF_TO_HUMAN => p.handoff_failed.to_owned(),
        _ => format!("{} {}", p.lookup_failed, p.offer_human),
    }
}

/// The answer when the tool the route needs is not offered in this conversation.
pub fn unavailable(tool: &str, lang: Lang) -> String {
    let p = phrases(lang);
    match tool {
        tools::ADD_TO_CART => p.cart_unavailable.to_owned(),
        tools::HANDOFF_TO_HUMAN => p.handoff_failed.to_owned(),
        _ => format!("{} {}", p.lookup_failed, p.offer_human),
    }
}
