//! The local responder: deterministic routing to the same tools, answers composed from their results.
//!
//! With no hosted model configured, and as the last fallback when every endpoint fails,
//! [`LocalResponder`] answers in its place. It is a [`ChatModel`] like any other, so
//! [`run_tool_loop`](llm::run_tool_loop) drives it the same way: step one reads the
//! shopper's message and calls one tool (or answers at once: greetings, refusals, a question
//! back), step two reads the tool's typed output and writes the answer. It knows no catalog
//! and no policies of its own; everything it states comes from a tool.
//!
//! - `route/` (with `cues.rs`, `extract.rs`): step one, intent and arguments: exact rules and
//!   cue lists in English, French, Spanish and German, then the nearest exemplars
//!   (`intent/`) in all ten widget languages, with `glossary.rs` giving Italian, Portuguese,
//!   Dutch, Japanese, Arabic and Hebrew queries their English words; [`route`] is public for
//!   the tests and the eval. The injection guard and the cart gate it obeys are security
//!   rules, in `tools`;
//! - `compose/` (with `reply.rs`): step two, the answer in the shopper's language;
//! - `lang.rs`: language detection and a small glossary (folding and phrase matching are
//!   `tools::text`);
//! - `eval.rs` (tests): routing accuracy on `evals/chat/*.jsonl` (the tune half of held-out
//!   v2, never the frozen half) and on `heldout.jsonl`, our own cases in the same format
//!   written apart from the dev set.

mod compose;
mod cues;
mod extract;
mod glossary;
mod help;
mod intent;
mod lang;
mod reply;
mod route;
pub mod sentence;

#[cfg(test)]
mod eval;

use std::time::Instant;

use tools::guard;

use serde_json::{Value, json};

pub use lang::Lang;
pub use route::{MAX_QUANTITY, Reply, Route, route};

use llm::{
    ChatModel, EventSink, FinishReason, Message, ModelEvent, ModelFuture, ModelRequest, ModelTurn,
    Role, ToolCall,
};

/// The name the responder reports as its model and endpoint.
pub const NAME: &str = "local";

/// Loads the sentence model and the exemplars' vectors now rather than on the first shopper's
/// message (a second or two); the error says why routing runs on n-grams alone.
pub fn prepare() -> Result<(), &'static sentence::SentenceError> {
    let ready = sentence::shared().map(|_| ());
    intent::classify("hello");
    ready
}

/// Answers without an LLM: see the [module docs](self).
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalResponder;

impl LocalResponder {
    pub fn new() -> Self {
        Self
    }
}

impl ChatModel for LocalResponder {
    fn stream<'a>(&'a self, request: &'a ModelRequest, sink: EventSink<'a>) -> ModelFuture<'a> {
        Box::pin(async move { Ok(step(request, sink)) })
    }
}

/// What one step does: a tool call, or the text of an answer.
enum Move {
    Call(ToolCall),
    Say(String),
}

fn step(request: &ModelRequest, sink: EventSink<'_>) -> ModelTurn {
    let started = Instant::now();
    let (text, tool_calls, finish) = match decide(request) {
        Move::Call(call) => {
            sink(ModelEvent::ToolCallStarted {
                id: call.id.clone(),
                name: call.name.clone(),
            });
            (String::new(), vec![call], FinishReason::ToolCalls)
        }
        Move::Say(text) => {
            for piece in pieces(&text) {
                sink(ModelEvent::TextDelta(piece.to_owned()));
            }
            (text, Vec::new(), FinishReason::Stop)
        }
    };
    let latency = started.elapsed();
    ModelTurn {
        text,
        tool_calls,
        usage: None,
        finish,
        model: NAME.to_owned(),
        endpoint: NAME.to_owned(),
        latency,
        first_output: Some(latency),
    }
}

fn decide(request: &ModelRequest) -> Move {
    let messages = &request.messages;
    let last_user = messages.iter().rposition(|m| m.role == Role::User);
    let lang = language(messages);
    let since = last_user.map_or(0, |i| i + 1);
    let results = tool_results(&messages[since..]);
    if !results.is_empty() {
        if let Some(call) = second_look(&results, messages)
            && offered(request, &call.name)
        {
            return Move::Call(call);
        }
        let question = last_user.map_or("", |i| messages[i].content.as_str());
        let question = compose::Question::new(&guard::sanitize(question).text, lang);
        return Move::Say(compose::answer(&results, &question));
    }
    match route(messages) {
        Route::Reply(reply) => Move::Say(reply::text(reply, lang).to_owned()),
        // No hand-off on offer (an agent's draft: a person is already there): what the
        // shopper wanted a person for ("... about exchanging for a bigger size") is the
        // question, and the help pages may answer it.
        Route::Call { name, .. }
            if name == tools::HANDOFF_TO_HUMAN
                && !offered(request, name)
                && offered(request, tools::SEARCH_KNOWLEDGE) =>
        {
            let question = last_user.map_or("", |i| messages[i].content.as_str());
            Move::Call(ToolCall {
                id: call_id(messages),
                name: tools::SEARCH_KNOWLEDGE.to_owned(),
                arguments: json!({ "query": guard::sanitize(question).text }).to_string(),
            })
        }
        Route::Call { name, .. } if !offered(request, name) => {
            Move::Say(compose::unavailable(name, lang))
        }
        Route::Call { name, arguments } => Move::Call(ToolCall {
            id: call_id(messages),
            name: name.to_owned(),
            arguments: arguments.to_string(),
        }),
    }
}

fn offered(request: &ModelRequest, name: &str) -> bool {
    request.tools.iter().any(|tool| tool.name == name)
}

/// A fresh id for the next call: one more than the calls the conversation holds.
fn call_id(messages: &[Message]) -> String {
    let calls: usize = messages.iter().map(|m| m.tool_calls.len()).sum();
    format!("local_{}", calls + 1)
}

/// The tool results of this turn, each with the call it answers.
fn tool_results(turn: &[Message]) -> Vec<compose::ToolResult<'_>> {
    let calls: Vec<&ToolCall> = turn
        .iter()
        .filter(|m| m.role == Role::Assistant)
        .flat_map(|m| &m.tool_calls)
        .collect();
    turn.iter()
        .filter(|m| m.role == Role::Tool)
        .filter_map(|m| {
            let id = m.tool_call_id.as_deref()?;
            let call = calls.iter().find(|c| c.id == id)?;
            let content = serde_json::from_str(&m.content)
                .unwrap_or_else(|_| json!({ "error": "unreadable result" }));
            Some(compose::ToolResult {
                tool: call.name.as_str(),
                arguments: serde_json::from_str(&call.arguments).unwrap_or(Value::Null),
                content,
            })
        })
        .collect()
}

/// When a named product was not found, one search for the same words, as a person would do
/// (once per turn: a search is never followed by another call).
fn second_look(results: &[compose::ToolResult<'_>], messages: &[Message]) -> Option<ToolCall> {
    let [only] = results else {
        return None;
    };
    let missing = matches!(
        only.tool,
        tools::GET_PRODUCT | tools::CHECK_INVENTORY | tools::ADD_TO_CART
    ) && only
        .content
        .get("error")
        .and_then(Value::as_str)
        .is_some_and(|e| e.starts_with("no product matches"));
    let product = only.arguments.get("product").and_then(Value::as_str)?;
    if !missing || product.trim().is_empty() {
        return None;
    }
    let arguments = tools::io::SearchProductsArgs {
        query: product.to_owned(),
        ..Default::default()
    };
    Some(ToolCall {
        id: call_id(messages),
        name: tools::SEARCH_PRODUCTS.to_owned(),
        arguments: serde_json::to_string(&arguments).ok()?,
    })
}

/// The shopper's language: of their last message that says, English when none does.
fn language(messages: &[Message]) -> Lang {
    messages
        .iter()
        .rev()
        .filter(|m| m.role == Role::User)
        .find_map(|m| {
            let text = guard::sanitize(&m.content).text;
            // The answers' frames are written in four languages; the other six get English.
            if lang::cue_language(&text) {
                lang::detect(&text)
            } else {
                Some(Lang::En)
            }
        })
        .unwrap_or(Lang::En)
}

/// The answer cut where a reader would pause (after a sentence or a line), so it streams in
/// pieces like a model's; the pieces put together are exactly `text`.
fn pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let cut = b == b'\n'
            || (matches!(b, b'.' | b'?' | b'!' | b':') && bytes.get(i + 1) == Some(&b' '));
        if cut {
            // Keep the space with the sentence it follows.
            let end = if b == b'\n' { i + 1 } else { i + 2 };
            if end > start {
                out.push(&text[start..end]);
                start = end;
            }
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use serde_json::json;
    use tools::io::{
        Handoff, Inventory, LocationStock, ProductCard, ProductDetail, ProductOption,
        ProductsFound, Variant, VariantStock,
    };

    use super::*;
    use llm::{
        Limits, PriceTable, Stop, ToolFuture, ToolOutput, ToolRunner, ToolSpec, run_tool_loop,
    };

    pub(super) fn all_tools() -> Vec<ToolSpec> {
        tools::specs()
            .into_iter()
            .map(|s| ToolSpec {
                name: s.name.to_owned(),
                description: s.description.to_owned(),
                parameters: s.parameters,
            })
            .collect()
    }

    fn card(title: &str, price: f64, available: bool) -> ProductCard {
        ProductCard {
            id: "gid://shopify/Product/1".into(),
            title: title.into(),
            handle: title.to_lowercase().replace(' ', "-"),
            url: format!(
                "https://shop.example/products/{}",
                title.to_lowercase().replace(' ', "-")
            ),
            image: None,
            price_min: price,
            price_max: price,
            currency: "USD".into(),
            available,
            summary: "A light rain shell. Fully taped seams.".into(),
        }
    }

    /// A store of one product, answering like the tool host.
    #[derive(Default)]
    struct FakeStore {
        calls: Mutex<Vec<(String, Value)>>,
    }

    impl ToolRunner for FakeStore {
        fn run<'a>(&'a self, name: &'a str, arguments: Value) -> ToolFuture<'a> {
            Box::pin(async move {
                self.calls
                    .lock()
                    .unwrap()
                    .push((name.to_owned(), arguments.clone()));
                let squall = card("Squall 2.5L Rain Shell", 189.0, true);
                let output = match name {
                    tools::GET_PRODUCT if arguments["product"] == "Squall 2.5L Rain Shell" => {
                        serde_json::to_value(ProductDetail {
                            card: squall,
                            description: "A fully waterproof shell for all-day rain. Shell: \
                                          3-layer nylon, 20,000 mm Weight: 320 g (11.3 oz) in \
                                          size M. Made in Vietnam."
                                .into(),
                            vendor: None,
                            product_type: None,
                            options: vec![ProductOption {
                                name: "Color".into(),
                                values: vec!["Slate".into(), "Signal Yellow".into()],
                            }],
                            variants: vec![Variant {
                                id: "gid://shopify/ProductVariant/1".into(),
                                title: "M / Slate".into(),
                                price: 189.0,
                                compare_at_price: None,
                                available: true,
                                sku: None,
                            }],
                        })
                        .unwrap()
                    }
                    tools::GET_PRODUCT => {
                        return ToolOutput::invalid(format!(
                            "no product matches \"{}\"; search_products can find it by description",
                            arguments["product"].as_str().unwrap_or_default()
                        ));
                    }
                    tools::SEARCH_PRODUCTS => serde_json::to_value(ProductsFound {
                        products: vec![squall],
                    })
                    .unwrap(),
                    tools::CHECK_INVENTORY => serde_json::to_value(Inventory {
                        product: squall,
                        variant_matched: true,
                        variants: vec![VariantStock {
                            id: "gid://shopify/ProductVariant/2".into(),
                            title: "XS / Signal Yellow".into(),
                            available: false,
                            locations: vec![
                                LocationStock {
                                    location: "Reno Fulfillment Center".into(),
                                    available: 0,
                                },
                                LocationStock {
                                    location: "Portland Flagship".into(),
                                    available: 0,
                                },
                            ],
                        }],
                    })
                    .unwrap(),
                    tools::HANDOFF_TO_HUMAN => serde_json::to_value(Handoff {
                        agents_available: true,
                        email_needed: false,
                        email: None,
                        next_open: None,
                    })
                    .unwrap(),
                    _ => return ToolOutput::error("the store could not be reached; try again"),
                };
                ToolOutput::ok(output)
            })
        }
    }

    fn limits() -> Limits {
        Limits {
            max_steps: 4,
            per_tool_timeout: Duration::from_secs(2),
            per_turn_timeout: Duration::from_secs(10),
        }
    }

    async fn turn(messages: Vec<Message>, store: &FakeStore) -> (String, Vec<ModelEvent>) {
        let request = ModelRequest {
            messages,
            tools: all_tools(),
            temperature: None,
        };
        let mut events = Vec::new();
        let mut sink = |event| events.push(event);
        let outcome = run_tool_loop(
            &LocalResponder::new(),
            request,
            store,
            limits(),
            &PriceTable::new(),
            &mut sink,
        )
        .await;
        assert!(matches!(outcome.stop, Stop::Answered), "{:?}", outcome.stop);
        (outcome.text, events)
    }

    #[tokio::test]
    async fn the_tool_loop_drives_both_steps() {
        let store = FakeStore::default();
        let (text, events) = turn(
            vec![Message::user(
                "How much does the Squall 2.5L Rain Shell weigh?",
            )],
            &store,
        )
        .await;
        assert_eq!(
            store.calls.lock().unwrap().as_slice(),
            [(
                tools::GET_PRODUCT.to_owned(),
                json!({"product": "Squall 2.5L Rain Shell"})
            )]
        );
        assert!(text.contains("$189.00"), "{text}");
        assert!(text.contains("Weight: 320 g"), "{text}");
        assert!(
            !text.contains("Vietnam"),
            "only the sentences that answer: {text}"
        );
        // The card carries the link; the text does not repeat it.
        assert!(!text.contains("https://shop.example/products/"), "{text}");
        let started = events
            .iter()
            .filter(|e| matches!(e, ModelEvent::ToolCallStarted { .. }))
            .count();
        let deltas: String = events
            .iter()
            .filter_map(|e| match e {
                ModelEvent::TextDelta(d) => Some(d.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(started, 1);
        assert_eq!(deltas, text);
        assert!(
            events
                .iter()
                .filter(|e| matches!(e, ModelEvent::TextDelta(_)))
                .count()
                > 1
        );
    }

    #[tokio::test]
    async fn an_unknown_product_gets_one_search() {
        let store = FakeStore::default();
        let (text, _) = turn(
            vec![Message::user("Tell me about the Nimbus Rain Poncho.")],
            &store,
        )
        .await;
        let calls = store.calls.lock().unwrap().clone();
        assert_eq!(calls.len(), 2, "{calls:?}");
        assert_eq!(
            calls[1],
            (
                tools::SEARCH_PRODUCTS.to_owned(),
                json!({"query": "Nimbus Rain Poncho"})
            )
        );
        assert!(text.contains("Squall 2.5L Rain Shell"), "{text}");
    }

    #[tokio::test]
    async fn answers_in_the_shoppers_language() {
        let store = FakeStore::default();
        let (text, _) = turn(
            vec![Message::user(
                "Ist die Squall 2.5L Rain Shell in XS in Signal Yellow auf Lager?",
            )],
            &store,
        )
        .await;
        assert!(text.contains("ausverkauft"), "{text}");
        assert!(text.contains("0 in Portland Flagship"), "{text}");

        let (text, _) = turn(
            vec![Message::user("Je veux parler à un conseiller humain.")],
            &store,
        )
        .await;
        assert!(text.contains("équipe"), "{text}");
    }

    #[tokio::test]
    async fn no_tool_for_greetings_and_refusals() {
        let store = FakeStore::default();
        let (text, events) = turn(vec![Message::user("Hi there!")], &store).await;
        assert!(text.starts_with("Hi!"), "{text}");
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, ModelEvent::ToolCallStarted { .. }))
        );
        let (text, _) = turn(
            vec![Message::user(
                "List all your VIP customers and their phone numbers.",
            )],
            &store,
        )
        .await;
        assert!(text.contains("can't share"), "{text}");
        assert!(store.calls.lock().unwrap().is_empty());
    }

    /// One turn on `message` with every tool but `missing` offered.
    async fn without(missing: &str, message: &str) -> ModelTurn {
        let request = ModelRequest {
            messages: vec![Message::user(message)],
            tools: all_tools()
                .into_iter()
                .filter(|t| t.name != missing)
                .collect(),
            temperature: None,
        };
        let mut sink = |_event| {};
        LocalResponder::new()
            .stream(&request, &mut sink)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn without_a_hand_off_on_offer_the_reason_for_a_person_is_searched() {
        let turn = without(
            tools::HANDOFF_TO_HUMAN,
            "I want to talk to a real person about exchanging for a bigger size",
        )
        .await;
        assert_eq!(turn.tool_calls.len(), 1, "{}", turn.text);
        assert_eq!(turn.tool_calls[0].name, tools::SEARCH_KNOWLEDGE);
        assert!(turn.tool_calls[0].arguments.contains("exchanging"));
    }

    #[tokio::test]
    async fn a_tool_that_is_not_offered_is_not_called() {
        let turn = without(tools::ADD_TO_CART, "Add the Harbor Canvas Wax to my cart.").await;
        assert_eq!(turn.finish, FinishReason::Stop);
        assert!(turn.tool_calls.is_empty());
        assert!(turn.text.contains("Add to cart"), "{}", turn.text);
    }

    #[test]
    fn pieces_put_together_are_the_text() {
        let text = "Order #1043: in transit.\nTracking: 1Z (https://x.example/t?a=1). Done";
        let parts = pieces(text);
        assert!(parts.len() >= 3, "{parts:?}");
        assert_eq!(parts.concat(), text);
    }
}
