//! What earlier messages say: the product and order in question, an email the shopper gave,
//! and what the previous turn did. Newest first; the shopper's own words for emails.

use serde_json::Value;

use super::{Intent, Route, Said, decide};
use crate::extract;
use crate::lang::{has_any, words};
use llm::{Message, Role};

/// What earlier messages say about the conversation.
#[derive(Debug, Clone, Default)]
pub(super) struct Context {
    /// The product in question, and the variant it was about.
    pub(super) product: Option<String>,
    pub(super) variant: Option<String>,
    pub(super) order: Option<String>,
    /// An email the shopper typed earlier.
    pub(super) email: Option<String>,
    /// What the previous turn did, and the query or phrase it used.
    pub(super) previous: Option<Intent>,
    pub(super) previous_query: Option<String>,
    pub(super) previous_reason: Option<String>,
    /// The assistant's last message offered a person.
    pub(super) offered_human: bool,
    /// The product of the storefront page the shopper writes from.
    pub(super) page_product: Option<String>,
}

impl Context {
    /// Reads `history` (everything before the shopper's new message), newest first: the most
    /// recent mention of a product, an order, an email wins.
    pub(super) fn new(history: &[Message]) -> Self {
        let mut ctx = Self::default();
        let last_assistant_text = history
            .iter()
            .rev()
            .find(|m| m.role == Role::Assistant && !m.content.trim().is_empty());
        ctx.offered_human = last_assistant_text.is_some_and(|m| offers_human(&m.content));
        let mut seen_user = false;
        for message in history.iter().rev() {
            match message.role {
                Role::Tool => ctx.read_tool_result(&message.content),
                Role::Assistant => {
                    for call in message.tool_calls.iter().rev() {
                        ctx.read_tool_call(&call.name, &call.arguments);
                    }
                    if let Some(named) = extract::main_product(&message.content, true) {
                        ctx.set_product(named.product, named.variant);
                    }
                    if ctx.order.is_none() {
                        ctx.order = extract::order_numbers(&message.content).into_iter().next();
                    }
                }
                Role::User => {
                    // Only the previous turn is routed again; older ones are read for names.
                    let previous = !seen_user && ctx.previous.is_none();
                    let said = if previous {
                        Said::new(&message.content)
                    } else {
                        Said::earlier(&message.content)
                    };
                    if previous {
                        // The previous turn, as the shopper asked it.
                        let own = decide(&said, &Self::default());
                        if let Route::Call { name, arguments } = &own {
                            ctx.previous = Intent::of_tool(name);
                            ctx.previous_query = query_of(arguments);
                            ctx.previous_reason = arguments
                                .get("reason")
                                .and_then(Value::as_str)
                                .map(str::to_owned);
                            if ctx.product.is_none()
                                && let Some(product) =
                                    arguments.get("product").and_then(Value::as_str)
                            {
                                let variant = arguments
                                    .get("variant")
                                    .and_then(Value::as_str)
                                    .map(str::to_owned);
                                ctx.set_product(product.to_owned(), variant);
                            }
                        }
                    }
                    seen_user = true;
                    if let Some(named) = said.named {
                        ctx.set_product(named.product, named.variant);
                    }
                    if ctx.order.is_none() {
                        ctx.order = said.orders.into_iter().next();
                    }
                    if ctx.email.is_none() {
                        ctx.email = said.emails.into_iter().next();
                    }
                }
                Role::System => {
                    if let Some(page) = message.read_page_note()
                        && ctx.page_product.is_none()
                    {
                        ctx.page_product = page.product;
                    }
                }
            }
        }
        ctx
    }

    /// On a product page, "this" is the page's product, and so is a question that names no
    /// product in a conversation that named none either.
    pub(super) fn consider_page(&mut self, said: &Said) {
        let Some(product) = self.page_product.clone() else {
            return;
        };
        if self.product.is_none() || (said.named.is_none() && said.any(crate::cues::THIS)) {
            self.product = Some(product);
            self.variant = None;
        }
    }

    fn set_product(&mut self, product: String, variant: Option<String>) {
        if self.product.is_none() {
            self.product = Some(product);
            self.variant = variant;
        }
    }

    fn read_tool_call(&mut self, name: &str, arguments: &str) {
        let Ok(arguments) = serde_json::from_str::<Value>(arguments) else {
            return;
        };
        let text = |key: &str| {
            arguments
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        if self.previous.is_none() {
            self.previous = Intent::of_tool(name);
            self.previous_query = query_of(&arguments);
            self.previous_reason = text("reason");
        }
        if let Some(product) = text("product") {
            self.set_product(product, text("variant"));
        }
        if self.order.is_none() {
            self.order = text("order_number");
        }
    }

    fn read_tool_result(&mut self, content: &str) {
        let Ok(result) = serde_json::from_str::<Value>(content) else {
            return;
        };
        let title = |v: &Value| v.get("title").and_then(Value::as_str).map(str::to_owned);
        let product = title(&result)
            .or_else(|| result.get("product").and_then(title))
            .or_else(|| {
                result
                    .get("product_title")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .or_else(|| {
                let products = result.get("products").and_then(Value::as_array)?;
                // Only a single result names "the" product.
                (products.len() == 1).then(|| title(&products[0])).flatten()
            });
        if let Some(product) = product {
            let variant = result
                .get("variant_title")
                .and_then(Value::as_str)
                .map(str::to_owned);
            self.set_product(product, variant);
        }
        if self.order.is_none() {
            self.order = result
                .get("order")
                .and_then(|o| o.get("name"))
                .or_else(|| result.get("order_number"))
                .and_then(Value::as_str)
                .map(str::to_owned);
        }
    }
}

/// The query or product an earlier call used.
fn query_of(arguments: &Value) -> Option<String> {
    ["query", "product"]
        .iter()
        .find_map(|key| arguments.get(*key).and_then(Value::as_str))
        .map(str::to_owned)
}

/// Whether an assistant message offered to bring in a person (ours do, in every language).
fn offers_human(text: &str) -> bool {
    has_any(
        &words(text),
        &[
            "connect you with",
            "someone from our team",
            "a member of our team",
            "human",
            "en relation avec",
            "quelqu un de notre equipe",
            "en contacto con",
            "alguien de nuestro equipo",
            "verbinden",
            "jemandem aus unserem team",
        ],
    )
}
