//! Step one of the local responder: what the shopper's message asks for, as one tool call
//! with its arguments, or as a reply that needs no tool.
//!
//! The decisions run in a fixed order, safest first: tricks and bulk requests for store
//! records are refused before anything else is read; a person is fetched before anything is
//! looked up; an order number always goes to the order tool, which checks who may see it;
//! then the cart, policies, orders without a number, named products, follow-ups about the
//! product in question, and finally search. Earlier messages only fill gaps ("it", "what
//! about in blue?", an email given after the assistant asked for it); they never make a
//! request stronger than the shopper's own words.

mod calls;
mod code;
mod context;
mod learned;

use serde::Serialize;
use serde_json::Value;
use tools::io::{GetProductArgs, HandoffArgs};

use super::cues::*;
use super::extract::{self, Named};
use super::lang::{self, Lang, count, has_any, words};
use crate::intent::Guess;
use calls::{
    add_to_cart, inventory, merge_variant, order_in_question, order_lookup, search_knowledge,
    search_phrase, search_products, search_products_with,
};
use context::Context;
use llm::{Message, Role};
use tools::{guard, wants_cart};

/// The most a shopper can add to the cart in one request (the tool's schema says so too).
pub const MAX_QUANTITY: u64 = 20;

/// What step one decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    /// Call one tool with these arguments.
    Call {
        name: &'static str,
        arguments: Value,
    },
    /// Answer without a tool.
    Reply(Reply),
}

impl Route {
    /// The tool and its arguments, if this route calls one.
    pub fn tool(&self) -> Option<(&'static str, &Value)> {
        match self {
            Self::Call { name, arguments } => Some((name, arguments)),
            Self::Reply(_) => None,
        }
    }

    fn call(name: &'static str, arguments: impl Serialize) -> Self {
        Self::Call {
            name,
            arguments: serde_json::to_value(arguments).unwrap_or_default(),
        }
    }
}

/// The answers that need no tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    Greeting,
    Thanks,
    /// "What can you do?", or a message the responder cannot place.
    Help,
    /// Not about this store.
    OffTopic,
    /// "Is it in stock?" with nothing to point at.
    WhichProduct,
    /// "Where's my order?" without a number.
    AskOrderNumber,
    /// Other customers' data, or store records in bulk.
    Private,
    /// Encoded or pasted instructions, or questions about the assistant's own instructions.
    Instructions,
    /// Changing prices, applying codes: nothing the assistant can do.
    StoreChange,
    Discount,
    Password,
    /// More than [`MAX_QUANTITY`] of one item.
    CartLimit,
    /// "Are you a bot?": what the assistant is, and the offer of a person.
    Identity,
}

/// The intents a tool serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Intent {
    Search,
    Product,
    Inventory,
    Order,
    Knowledge,
    Cart,
    Handoff,
}

impl Intent {
    fn of_tool(name: &str) -> Option<Self> {
        Some(match name {
            tools::SEARCH_PRODUCTS => Self::Search,
            tools::GET_PRODUCT => Self::Product,
            tools::CHECK_INVENTORY => Self::Inventory,
            tools::GET_ORDER_STATUS => Self::Order,
            tools::SEARCH_KNOWLEDGE => Self::Knowledge,
            tools::ADD_TO_CART => Self::Cart,
            tools::HANDOFF_TO_HUMAN => Self::Handoff,
            _ => return None,
        })
    }
}

/// One message, read.
struct Said {
    /// Without pasted instructions.
    text: String,
    injected: bool,
    words: Vec<String>,
    lang: Option<Lang>,
    /// Written in a language the cue lists cover (see [`lang::cue_language`]).
    cue_lang: bool,
    /// What the nearest exemplars say the message asks for.
    guess: Option<Guess>,
    orders: Vec<String>,
    emails: Vec<String>,
    /// The product the shopper names (the longest name), if any.
    named: Option<Named>,
    /// A name followed by "one": "the Blue Plaid one".
    descriptor: Option<Named>,
}

impl Said {
    fn new(text: &str) -> Self {
        Self::read(text, true)
    }

    /// An earlier message, read for the products, orders and emails it names: no intent
    /// guess, which costs a sentence vector.
    fn earlier(text: &str) -> Self {
        Self::read(text, false)
    }

    fn read(text: &str, guess: bool) -> Self {
        let cleaned = guard::sanitize(text);
        let words = words(&cleaned.text);
        let lang = lang::detect(&cleaned.text);
        // German capitalises every noun: one capitalised word is no name there.
        let single = lang != Some(Lang::De);
        let names = extract::named_products(&cleaned.text, single);
        let descriptor = names.iter().find(|n| n.descriptor).cloned();
        let named =
            names
                .into_iter()
                .filter(|n| !n.descriptor)
                .fold(None, |best: Option<Named>, n| match best {
                    Some(b) if b.len >= n.len => Some(b),
                    _ => Some(n),
                });
        Self {
            cue_lang: lang::cue_language(&cleaned.text),
            guess: guess
                .then(|| crate::intent::classify(&cleaned.text))
                .flatten(),
            orders: extract::order_numbers(&cleaned.text),
            emails: extract::emails(&cleaned.text),
            text: cleaned.text,
            injected: cleaned.injected,
            words,
            lang,
            named,
            descriptor,
        }
    }

    fn any(&self, cues: &[&str]) -> bool {
        has_any(&self.words, cues)
    }

    /// Whether the message opens with one of `cues` ("And …", "What about …").
    fn opens_with(&self, cues: &[&str]) -> bool {
        cues.iter()
            .any(|cue| lang::find(&self.words, cue).is_some_and(|(start, _)| start == 0))
    }
}

/// Routes the conversation's last shopper message (step one); earlier messages give context.
pub fn route(messages: &[Message]) -> Route {
    let Some(last) = messages.iter().rposition(|m| m.role == Role::User) else {
        return Route::Reply(Reply::Greeting);
    };
    let said = Said::new(&messages[last].content);
    let mut context = Context::new(&messages[..last]);
    context.consider_page(&said);
    decide(&said, &context)
}

fn decide(said: &Said, ctx: &Context) -> Route {
    if said.words.is_empty() {
        return Route::Reply(if said.injected {
            Reply::Instructions
        } else {
            Reply::Greeting
        });
    }
    if let Some(reply) = refusal(said) {
        return Route::Reply(reply);
    }
    // A one-time code given back for the order in question.
    if let Some(route) = code::code_given(said, ctx) {
        return route;
    }
    // Only greetings, thanks or a bare "yes": no tool, whatever the words look like.
    if let Some(reply) = small_talk(said, ctx) {
        return reply;
    }
    let quantity = extract::quantity(&said.words);
    let cart = wants_cart(&said.text);
    if cart && quantity.is_some_and(|q| q > MAX_QUANTITY) {
        return Route::Reply(Reply::CartLimit);
    }
    if asks_what_it_is(said) {
        return Route::Reply(Reply::Identity);
    }
    // "Are you a bot?" asks what the assistant is; "are you a bot? I want a human" asks more.
    if said.any(IDENTITY) {
        let mut rest = said.words.clone();
        for cue in IDENTITY {
            while let Some((start, end)) = lang::find(&rest, cue) {
                rest.drain(start..end);
            }
        }
        if !has_any(&rest, HUMAN) && !has_any(&rest, COMPLAINTS) && !has_any(&rest, THREATS) {
            return Route::Reply(Reply::Identity);
        }
    }
    if let Some(reason) = handoff_reason(said) {
        let email = said.emails.first().or(ctx.email.as_ref()).cloned();
        return Route::call(tools::HANDOFF_TO_HUMAN, HandoffArgs { reason, email });
    }
    if said.orders.is_empty() && asks_for_others_data(said) {
        return Route::Reply(Reply::Private);
    }
    if let Some(order) = said.orders.first() {
        return order_lookup(order, said, ctx);
    }
    if cart {
        return add_to_cart(said, ctx, quantity);
    }
    if !said.emails.is_empty() {
        // An email on its own answers the assistant's question.
        if ctx.previous == Some(Intent::Handoff) {
            let reason = ctx
                .previous_reason
                .clone()
                .unwrap_or_else(|| "The shopper asked for a person.".to_owned());
            let email = said.emails.first().cloned();
            return Route::call(tools::HANDOFF_TO_HUMAN, HandoffArgs { reason, email });
        }
        if let Some(order) = &ctx.order {
            return order_lookup(order, said, ctx);
        }
    }

    // "Ordered boots two weeks ago and still nothing": an order told as a story, however
    // worded, unless it asks what a policy says ("…and one arrived broken, what do I do?").
    if ordered_and_waiting(said)
        && !learned::about_a_policy(said)
        && !learned::mentions_recent(said)
    {
        return order_in_question(said, ctx);
    }
    // "Summit or Portside, which costs less?": two products named side by side.
    if let Some(route) = learned::side_by_side(said) {
        return route;
    }
    if let Some(guess) = said.guess {
        if let Some(route) = learned::early(said, ctx, guess) {
            return route;
        }
        if learned::nothing_about_the_store(said, ctx, guess) {
            return Route::Reply(if guess.kind == crate::intent::Kind::OffTopic {
                Reply::OffTopic
            } else {
                Reply::Help
            });
        }
        if let Some(route) = about_the_page(said, ctx, guess) {
            return route;
        }
        if !said.cue_lang
            && let Some(route) = learned::late(said, ctx, guess)
        {
            return route;
        }
        if let Some(route) = learned::about_this(said, ctx, guess) {
            return route;
        }
    }

    if let Some(route) = said
        .guess
        .and_then(|guess| learned::asks_about_named(said, guess))
    {
        return route;
    }
    let knowledge = knowledge_score(said);
    // "Do you sell gift cards?": a gift card is also something the store sells.
    let sellable = said.any(&["do you sell", "do you carry", "do you stock", "can i buy"])
        && said.any(&["gift card*", "e gift*", "gift certificate*"]);
    if knowledge >= 3 && !sellable {
        return search_knowledge(said, ctx, false);
    }
    if said.any(ORDER_STATUS) && (said.named.is_none() || said.any(STRONG_ORDER)) {
        return order_in_question(said, ctx);
    }
    // "Et pour le Canada ?" after a shipping question: the same question, another place.
    if said.opens_with(FOLLOW_UP)
        && ctx.previous == Some(Intent::Knowledge)
        && said.named.as_ref().is_none_or(|n| n.len == 1)
    {
        return search_knowledge(said, ctx, true);
    }
    if let Some(named) = &said.named {
        return about_named(said, named);
    }
    // "When will it arrive?" after an order was looked up.
    if ctx.previous == Some(Intent::Order)
        && let Some(order) = &ctx.order
        && (extract::points_back(&said.words) || said.opens_with(FOLLOW_UP))
        && !said.any(STOCK)
    {
        return order_lookup(order, said, ctx);
    }
    if let Some(route) = about_context(said, ctx) {
        return route;
    }
    if let Some(route) = about_definite(said) {
        return route;
    }
    let points_back = extract::points_back(&said.words);
    // "Do you have it in red?" with nothing in question; not "need some warm wool socks, only
    // if you have them in stock", which says what it wants.
    if points_back && (said.any(STOCK) || said.any(PRODUCT_QUESTION)) && !names_a_kind(said) {
        return Route::Reply(Reply::WhichProduct);
    }
    if said.any(OFF_TOPIC) {
        return Route::Reply(Reply::OffTopic);
    }
    if said.opens_with(FOLLOW_UP) && ctx.previous == Some(Intent::Knowledge) {
        return search_knowledge(said, ctx, true);
    }
    if knowledge >= 1 && !said.any(SHOPPING) {
        return search_knowledge(said, ctx, false);
    }
    let prices = extract::prices(&said.words);
    let phrase = search_phrase(said, &prices);
    let shopping = said.any(SHOPPING) || prices.min.is_some() || prices.max.is_some();
    if phrase.is_empty() && !shopping {
        return Route::Reply(Reply::Help);
    }
    if !shopping && is_question(said) {
        return search_knowledge(said, ctx, false);
    }
    search_products(said, ctx, &prices, phrase)
}

/// Order cues that win over a product name ("where is my Field Jacket order?").
#[rustfmt::skip]
const STRONG_ORDER: &[&str] = &[
    "my order", "my package", "my parcel", "tracking", "where is my", "where s my", "order status",
    "ma commande", "mi pedido", "meine bestellung",
];

/// Requests refused before anything else is read.
fn refusal(said: &Said) -> Option<Reply> {
    if said.any(INSTRUCTION_TRICKS) || looks_encoded(&said.text) {
        return Some(Reply::Instructions);
    }
    let range = said.orders.len() >= 2
        && said.any(&["to", "through", "until", "a", "au", "hasta", "bis", "jusqu"]);
    let others_orders = said.any(BULK_ORDERS) && !said.any(&["my", "mes", "mis", "meine", "mein"]);
    if said.any(BULK_RECORDS) || said.any(OTHER_CONVERSATIONS) || range || others_orders {
        return Some(Reply::Private);
    }
    if said.any(PRICE_CHANGES) {
        return Some(Reply::StoreChange);
    }
    if said.any(DISCOUNT_DEMANDS) {
        return Some(Reply::Discount);
    }
    if said.any(PASSWORD_WORDS) {
        return Some(Reply::Password);
    }
    None
}

/// A long run of base64 or hex: instructions the shopper hides from a reader.
fn looks_encoded(text: &str) -> bool {
    text.split_whitespace().any(|chunk| {
        let chunk = chunk.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '=');
        chunk.len() >= 24
            && chunk
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c))
            && chunk.chars().any(|c| c.is_ascii_digit())
            && chunk.chars().any(|c| c.is_ascii_uppercase())
            && chunk.chars().any(|c| c.is_ascii_lowercase())
    })
}

/// "Bist du ein echter Mensch oder nur so ein Chatbot?", "t'es un robot ou quoi", "これってAIが
/// 答えてるの？", "am i talking to an actual human": a bot and "you", or who is answering, in
/// one message, with no request for a person, complaint or threat, asks what the assistant is.
fn asks_what_it_is(said: &Said) -> bool {
    let inside = |cues: &[&str]| cues.iter().any(|cue| said.text.contains(cue));
    let capitals = said
        .text
        .split(|c: char| !c.is_alphanumeric())
        .any(|t| BOT_CAPITALS.contains(&t));
    let talking_to = said.any(TALKING_TO) || inside(TALKING_TO_INSIDE);
    let bot = said.any(BOT) || inside(BOT_INSIDE) || capitals;
    ((bot && (said.any(YOU) || talking_to))
        || (talking_to && (said.any(MACHINE) || said.any(HUMAN))))
        && !said.any(PERSON_REQUEST)
        && !inside(PERSON_REQUEST_INSIDE)
        && !said.any(COMPLAINTS)
        && !said.any(THREATS)
}

/// Whether the message says what kind of thing it wants: words of a search besides a variant
/// and stock words ("warm wool socks", not "it in red").
fn names_a_kind(said: &Said) -> bool {
    let variant = extract::variant_only(&said.text)
        .map(|v| words(&v))
        .unwrap_or_default();
    let prices = extract::prices(&said.words);
    search_phrase(said, &prices)
        .iter()
        .filter(|w| !variant.contains(w) && !has_any(std::slice::from_ref(*w), STOCK))
        .count()
        >= 2
}

/// Having ordered and still waiting, in the ten languages.
fn ordered_and_waiting(said: &Said) -> bool {
    let inside = |cues: &[&str]| cues.iter().any(|cue| said.text.contains(cue));
    (said.any(ORDERED) || inside(ORDERED_INSIDE))
        && (said.any(STILL_WAITING) || inside(STILL_WAITING_INSIDE))
}

/// Why the shopper needs a person, if they do.
fn handoff_reason(said: &Said) -> Option<String> {
    let why = if said.any(THREATS) {
        "Legal threat or chargeback"
    } else if said.any(COMPLAINTS) {
        "Complaint or a demand beyond the policies"
    } else if !said.orders.is_empty() && said.any(ORDER_CHANGES) {
        "A change to an order that only the team can make"
    } else if said.any(HUMAN) || HUMAN_INSIDE.iter().any(|cue| said.text.contains(cue)) {
        "The shopper asked for a person"
    } else {
        return None;
    };
    let excerpt: String = said.text.chars().take(240).collect();
    Some(format!("{why}: \"{excerpt}\""))
}

/// Other customers' data: "which customers…", "the customer's email", "Priya's address".
fn asks_for_others_data(said: &Said) -> bool {
    if said.any(SOMEONES_DATA) {
        return true;
    }
    let mut words = said.words.clone();
    // "customer service" is a department, not a person.
    for service in SERVICE_WORDS {
        while let Some((start, end)) = lang::find(&words, service) {
            words.drain(start..end);
        }
    }
    if has_any(&words, OTHER_CUSTOMERS) && has_any(&words, PRIVATE_DATA) {
        return true;
    }
    possessive_with_private_data(&said.text)
}

/// "Priya Natarajan's address", "Noah's phone number".
fn possessive_with_private_data(text: &str) -> bool {
    let typed: Vec<&str> = text.split_whitespace().collect();
    typed.iter().enumerate().any(|(i, word)| {
        let Some(owner) = word.strip_suffix("'s").or_else(|| word.strip_suffix("’s")) else {
            return false;
        };
        let person = owner.chars().next().is_some_and(char::is_uppercase)
            && !matches!(
                owner.to_lowercase().as_str(),
                "women"
                    | "men"
                    | "kid"
                    | "kids"
                    | "children"
                    | "today"
                    | "what"
                    | "it"
                    | "that"
                    | "there"
                    | "here"
                    | "who"
                    | "where"
                    | "let"
            );
        let following = typed[i + 1..typed.len().min(i + 3)].join(" ");
        person
            && has_any(
                &words(&following),
                &["email*", "address*", "phone*", "number", "home"],
            )
    }) || private_data_of_someone(&typed)
}

/// "the home address of John Smith", "l'adresse de Marie Dupont"; not "the email of Harbor &
/// Pine support", which is the store's.
fn private_data_of_someone(typed: &[&str]) -> bool {
    const DATA: &[&str] = &[
        "address*",
        "email*",
        "phone*",
        "number",
        "adresse*",
        "direccion*",
        "correo*",
        "telefon*",
    ];
    const OF: &[&str] = &["of", "de", "von", "du", "del"];
    const NOT_A_PERSON: &[&str] = &["your", "the", "votre", "su", "ihr", "ihres", "our"];
    (0..typed.len().saturating_sub(2)).any(|i| {
        let name = typed[i + 2];
        let person = name.chars().next().is_some_and(char::is_uppercase)
            && !NOT_A_PERSON.contains(&name.to_lowercase().as_str());
        // The store's own contacts follow its name: "… of Harbor & Pine support".
        let rest = typed[i + 2..typed.len().min(i + 6)].join(" ");
        let store = has_any(&words(&rest), STORE_WORDS);
        has_any(&words(typed[i]), DATA)
            && OF.contains(&typed[i + 1].to_lowercase().as_str())
            && person
            && !store
    })
}

/// Words that name the store's own places and teams.
const STORE_WORDS: &[&str] = &[
    "store",
    "shop",
    "support",
    "team",
    "service",
    "office",
    "warehouse",
    "flagship",
    "location",
    "headquarters",
    "hq",
    "boutique",
    "magasin",
    "tienda",
    "laden",
    "geschaft",
];

/// How strongly the message is about policies and help topics: 3 per strong cue, 1 per weak.
/// In a long message that tells a story before asking, only the request counts ("my old pack
/// broke, do you have one around 40 liters?" asks for a pack, not about damage).
fn knowledge_score(said: &Said) -> usize {
    let words = match calls::request_start(&said.words) {
        Some(start) => &said.words[start..],
        None => &said.words[..],
    };
    let weak = count(words, KNOWLEDGE_WEAK);
    let phone = !crate::help::phone_is_a_thing(&said.text, &said.words);
    let all = count(words, KNOWLEDGE) + if phone { count(words, PHONE_DEVICE) } else { 0 };
    let strong = all.saturating_sub(weak);
    // French, Spanish, German: the help topics' words in those languages count as strong cues.
    let topic =
        said.lang.is_some_and(|l| l != Lang::En) && crate::help::asks_help(&words.join(" "), words);
    strong * 3 + weak + if topic { 3 } else { 0 }
}

/// A product the shopper named: its stock, its details, or a search that starts from it.
fn about_named(said: &Said, named: &Named) -> Route {
    // "Is the Squall available in XS?": the variant can follow other words.
    let mut named = named.clone();
    if named.variant.is_none()
        && let Some(at) = said.text.find(&named.product)
    {
        // After stock words any variant; otherwise one that starts with a size ("Gibts den
        // Lighthouse Quarter-Zip noch in XL Moss oder …"), not "en cuir véritable".
        let variant = extract::variant_only(&said.text[at + named.product.len()..]);
        named.variant =
            variant.filter(|v| said.any(STOCK) || said.any(HAVE) || extract::opens_with_size(v));
    }
    let named = &named;
    if said.any(SIMILAR) {
        let prices = extract::prices(&said.words);
        let phrase = search_phrase(said, &prices);
        return search_products_with(said, &prices, phrase);
    }
    if said.any(STOCK) {
        return inventory(named.product.clone(), named.variant.clone());
    }
    // "Do you sell North Face jackets?": a brand or a line, to browse.
    if said.any(BROWSE) {
        let prices = extract::prices(&said.words);
        let phrase = search_phrase(said, &prices);
        return search_products_with(said, &prices, phrase);
    }
    let asks_detail = said.any(PRODUCT_QUESTION);
    if said.any(HAVE) || (named.variant.is_some() && !asks_detail) {
        return inventory(named.product.clone(), named.variant.clone());
    }
    // "Quanto pesa la giacca Ridgeline?": one word names a line, the kind picks the product.
    let product = if named.len == 1 {
        in_english(named.product.clone(), said)
    } else {
        named.product.clone()
    };
    Route::call(tools::GET_PRODUCT, GetProductArgs { product })
}

/// A message about the product in question without naming it: "How much does it weigh?",
/// "What about in blue?", "Is the Blue Plaid one available in a medium?".
fn about_context(said: &Said, ctx: &Context) -> Option<Route> {
    let product = ctx.product.clone()?;
    let follow_up = said.opens_with(FOLLOW_UP);
    let new_variant = match &said.descriptor {
        Some(descriptor) => {
            let rest = extract::variant_only(&said.text);
            Some(match rest {
                Some(rest) => format!("{} {rest}", descriptor.product),
                None => descriptor.product.clone(),
            })
        }
        None if follow_up || extract::points_back(&said.words) => {
            extract::variant_only(&said.text).or_else(|| extract::described_one(&said.words))
        }
        None => None,
    };
    let points_back = extract::points_back(&said.words) || said.descriptor.is_some();
    if let Some(variant) = new_variant {
        if ctx.previous == Some(Intent::Search) && said.descriptor.is_none() {
            return None;
        }
        let variant = merge_variant(ctx.variant.as_deref(), &variant);
        return Some(inventory(product, Some(variant)));
    }
    if points_back && said.any(STOCK) {
        return Some(inventory(product, None));
    }
    // "Is it dishwasher safe?": any question about "it" is one for its description.
    if points_back && (said.any(PRODUCT_QUESTION) || is_question(said)) {
        return Some(Route::call(tools::GET_PRODUCT, GetProductArgs { product }));
    }
    None
}

/// A question on a product page that names no product and no store-wide topic: it is about
/// the page's product ("is it any good?", "does it have a warranty?", "how long does it keep
/// cold?"), whose description answers it, in any language. Stock and variants ("is this in
/// XL?"), searches, prices and store-wide topics (shipping, returns, orders) keep their routes.
fn about_the_page(said: &Said, ctx: &Context, guess: Guess) -> Option<Route> {
    use crate::intent::Kind;
    let page = ctx.page_product.clone()?;
    let prices = extract::prices(&said.words);
    if ctx.product.as_ref() != Some(&page)
        || said.named.is_some()
        || said.descriptor.is_some()
        || extract::quantity(&said.words).is_some()
        || prices.min.is_some()
        || prices.max.is_some()
    {
        return None;
    }
    let terms = crate::help::english_terms(&said.text, &said.words);
    // "tem no tamanho 12?", "Mサイズの在庫は？": stock of a size, however the variant is written.
    // "¿tiene garantía?" reads like stock to the exemplars too, so a size must be in it.
    let sized = terms.iter().any(|t| t == "size")
        || said
            .words
            .iter()
            .any(|w| SIZE_WORDS.contains(&w.as_str()) || extract::parse_number(w).is_some());
    let variant = extract::variant_only(&said.text);
    // "c'è ancora in blu navy?", "¿queda en talla L?", "クリーム色はまだありますか？": the page's
    // product in a size or colour, in any language, when the exemplars read stock.
    let named_variant = sized || variant.is_some();
    if guess.kind == Kind::Inventory
        && (named_variant || guess.fair() && (said.any(STOCK) || guess.score >= PAGE_STOCK_SCORE))
    {
        return Some(inventory(page, variant));
    }
    if said.any(STOCK) || variant.is_some() {
        return None;
    }
    // Other products, people and goodbyes are for the other routes.
    let elsewhere = matches!(
        guess.kind,
        Kind::Search
            | Kind::Similar
            | Kind::Compare
            | Kind::Order
            | Kind::RecentOrders
            | Kind::Cart
            | Kind::Human
            | Kind::Greeting
            | Kind::Thanks
    ) && guess.fair();
    let store_wide = terms.iter().any(|t| STORE_WIDE.contains(&t.as_str()));
    let stock =
        guess.kind == Kind::Inventory && (sized || guess.score >= STOCK_SURE_SCORE) && guess.fair();
    let asks = is_question(said)
        || extract::points_back(&said.words)
        || ['?', '？', '؟'].iter().any(|q| said.text.contains(*q));
    (asks && !elsewhere && !store_wide && !stock)
        .then(|| Route::call(tools::GET_PRODUCT, GetProductArgs { product: page }))
}

/// Letter sizes, as words of their own.
pub(super) const SIZE_WORDS: &[&str] = &["xxs", "xs", "s", "m", "l", "xl", "xxl", "xxxl"];
/// A stock guess this sure is about stock even with no size in the message.
const STOCK_SURE_SCORE: f32 = 0.45;
/// On a product page, a stock guess this sure asks about the page's product's stock (with a
/// size or a variant named, being the top guess is enough).
const PAGE_STOCK_SCORE: f32 = 0.3;

/// Help-centre topics that are the store's, not one product's (the English words of
/// `help::english_terms`): a question with one goes to the help centre even on a product page.
#[rustfmt::skip]
const STORE_WIDE: &[&str] = &[
    "return", "refund", "exchange", "shipping", "delivery", "duties", "customs", "cancel",
    "po", "overnight", "reduce", "phone", "open", "sunday", "saturday", "gift", "expire", "delivered",
    "missing", "worn", "payment", "pay", "pickup", "tracking", "christmas", "holiday", "store",
    "portland", "international", "canada", "japan", "germany", "spain", "italy", "france",
    "netherlands", "united", "kingdom", "kept", "conversations", "damaged", "defect",
    "expedited", "express", "contiguous", "states",
];

/// Words that open a lowercase product phrase ("is the nomad duffel in stock?").
#[rustfmt::skip]
const ARTICLES: &[&str] = &[
    "the", "le", "la", "les", "el", "los", "las", "der", "die", "das", "den", "dem", "du", "del",
];
/// Articles of a kind rather than of one thing.
#[rustfmt::skip]
const INDEFINITE: &[&str] = &[
    "a", "an", "some", "any", "une", "un", "des", "una", "unos", "unas", "ein", "eine", "einen",
    "einem",
];
/// Prepositions that make the phrase after them a purpose ("for the rain").
#[rustfmt::skip]
const PURPOSE: &[&str] = &[
    "for", "with", "to", "on", "at", "pour", "avec", "a", "para", "con", "fur", "mit", "zum",
    "zur", "in",
];
/// Words that cannot start a product phrase: they name no product.
#[rustfmt::skip]
const NOT_A_PRODUCT: &[&str] = &[
    "best", "price", "prices", "cost", "shipping", "delivery", "return", "returns", "policy",
    "store", "shop", "website", "site", "size", "sizes", "color", "colour", "same", "other", "one",
    "last", "first", "next", "weight", "order", "difference", "warranty", "total", "sale", "brand",
    "quality", "material", "stock", "prix", "taille", "couleur", "precio", "talla", "preis",
    "grosse", "farbe", "tienda", "magasin", "laden", "most", "cheapest",
];

/// A product named in lower case after an article, when the message asks about one product:
/// "is the nomad duffel in stock?", "how much is the ember roast?".
fn about_definite(said: &Said) -> Option<Route> {
    let stock = said.any(STOCK) || said.any(HAVE);
    if !(stock || said.any(PRODUCT_QUESTION)) || said.any(SHOPPING_ONLY) {
        return None;
    }
    // "a jacket for the rain", "une veste pour la randonnée": a kind of product, for a purpose.
    let at = said
        .words
        .iter()
        .position(|w| ARTICLES.contains(&w.as_str()))?;
    let before = &said.words[..at];
    if before.iter().any(|w| INDEFINITE.contains(&w.as_str()))
        || before.last().is_some_and(|w| PURPOSE.contains(&w.as_str()))
    {
        return None;
    }
    let phrase: Vec<&String> = said.words[at + 1..]
        .iter()
        .take_while(|w| {
            !lang::is_stopword(w)
                && !PHRASE_END.contains(&w.as_str())
                && !matches!(w.as_str(), "$" | "€" | "£" | "#" | "%" | "@")
        })
        .take(5)
        .collect();
    let first = phrase.first()?;
    if NOT_A_PRODUCT.contains(&first.as_str()) || first.ends_with("est") {
        return None;
    }
    let product = in_english(
        phrase
            .iter()
            .map(|w| w.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        said,
    );
    if stock {
        let variant = extract::variant_only(&said.text);
        return Some(inventory(product, variant));
    }
    Some(Route::call(tools::GET_PRODUCT, GetProductArgs { product }))
}

/// A product as the shopper typed it outside English ("olla", "gusseiserne Pfanne", a lone
/// "Ridgeline"), followed by the English words the glossaries give for the kind of product the
/// message names ("cast iron dutch oven", "skillet", "jacket"): the catalog's titles are
/// English, and the tool resolves the phrase against them by search.
fn in_english(product: String, said: &Said) -> String {
    // `lang` knows four languages (Italian reads as English to it); `cue_lang` says which.
    if said.cue_lang && said.lang.is_none_or(|l| l == Lang::En) {
        return product;
    }
    let mut english = crate::glossary::english_terms(&said.text, &said.words);
    english.extend(lang::english_terms(&said.words));
    english.retain(|w| !QUESTION_WORDS.contains(&w.as_str()));
    // "La mochila de 28 litros": titles write a capacity as "28L".
    let capacity = said.words.windows(2).find_map(|pair| {
        let liters = LITER_WORDS.contains(&pair[1].as_str()) || pair[1].starts_with("リットル");
        (liters && pair[0].chars().all(|c| c.is_ascii_digit())).then(|| format!("{}l", pair[0]))
    });
    let kind = learned::product_words(&english).into_iter().chain(capacity);
    let kind: Vec<String> = kind.collect();
    if kind.is_empty() {
        return product;
    }
    let kind = kind.join(" ");
    let have = words(&product);
    let extra: Vec<&str> = kind
        .split(' ')
        .filter(|w| !have.iter().any(|h| h == w))
        .collect();
    if extra.is_empty() {
        product
    } else {
        format!("{product} {}", extra.join(" "))
    }
}

/// Liters, in the ten languages, after a number.
#[rustfmt::skip]
const LITER_WORDS: &[&str] = &[
    "l", "liter", "liters", "litre", "litres", "litro", "litros", "litri", "lt", "لتر", "ליטר",
];

/// English words the glossaries give for asking, not for a kind of product.
#[rustfmt::skip]
const QUESTION_WORDS: &[&str] = &[
    "how", "much", "many", "long", "weighs", "what", "which", "where", "when", "price", "cost",
    "fee", "is", "does", "available", "stock", "have", "sell",
];

/// Words that end a lowercase product phrase.
#[rustfmt::skip]
const PHRASE_END: &[&str] = &[
    "weigh", "weighs", "cost", "costs", "come", "comes", "made", "ship", "ships", "fit", "fits",
    "available", "stock", "sold", "cuesta", "coute", "kostet", "wiegt", "pese", "pesa",
    "disponible", "verfugbar", "lager", "still", "left", "last", "burn", "hold", "holds", "work",
    "works", "run", "runs", "look", "looks", "feel", "feels", "good",
];

/// Greetings, thanks, and a bare "yes".
fn small_talk(said: &Said, ctx: &Context) -> Option<Route> {
    let only = |vocabulary: &[&str]| said.words.iter().all(|w| vocabulary.contains(&w.as_str()));
    if said.words.len() <= 6 && YES.iter().any(|y| words(y) == said.words) {
        if ctx.offered_human {
            let reason = "The shopper accepted the offer of a person.".to_owned();
            return Some(Route::call(
                tools::HANDOFF_TO_HUMAN,
                HandoffArgs {
                    reason,
                    email: ctx.email.clone(),
                },
            ));
        }
        return Some(Route::Reply(Reply::Help));
    }
    // "How much is it?" is made of small-talk words too: a greeting or thanks must be there.
    if said.words.len() <= 12 && only(SMALL_TALK) && said.any(GREETINGS) {
        let thanks = said.any(THANKS);
        return Some(Route::Reply(if thanks {
            Reply::Thanks
        } else {
            Reply::Greeting
        }));
    }
    None
}

/// Whether the message is a question rather than a list of things wanted.
fn is_question(said: &Said) -> bool {
    said.text.contains('?')
        || said.opens_with(&[
            "how", "why", "when", "can i", "can you", "do you", "is", "are", "what", "where",
            "comment", "pourquoi", "quand", "est ce", "como", "por que", "cuando", "puedo", "wie",
            "warum", "wann", "kann ich",
        ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user(text: &str) -> Vec<Message> {
        vec![Message::user(text)]
    }

    fn routed(messages: &[Message]) -> (Option<&'static str>, Value) {
        match route(messages) {
            Route::Call { name, arguments } => (Some(name), arguments),
            Route::Reply(_) => (None, Value::Null),
        }
    }

    #[test]
    fn arguments_carry_the_entities() {
        let (tool, args) = routed(&user(
            "Do you have a fleece jacket under $150 that's in stock?",
        ));
        assert_eq!(tool, Some(tools::SEARCH_PRODUCTS));
        assert_eq!(args["max_price"], json!(150.0));
        assert_eq!(args["in_stock"], json!(true));
        assert_eq!(args["query"], json!("fleece jacket"));

        let (tool, args) = routed(&user(
            "Pedido #1030, correo lucia.fernandez@example.net. ¿Ya me lo entregaron?",
        ));
        assert_eq!(tool, Some(tools::GET_ORDER_STATUS));
        assert_eq!(
            args,
            json!({"order_number": "#1030", "email": "lucia.fernandez@example.net"})
        );

        let (tool, args) = routed(&user("Please add 2 Titanium Sporks to my cart."));
        assert_eq!(tool, Some(tools::ADD_TO_CART));
        assert_eq!(args, json!({"product": "Titanium Sporks", "quantity": 2}));

        let (tool, args) = routed(&user(
            "Ist die Ridgeline 650 Down Vest in XL in Spruce auf Lager?",
        ));
        assert_eq!(tool, Some(tools::CHECK_INVENTORY));
        assert_eq!(
            args,
            json!({"product": "Ridgeline 650 Down Vest", "variant": "XL Spruce"})
        );
    }

    #[test]
    fn this_on_a_product_page_is_the_pages_product() {
        let page = llm::PageNote {
            template: Some("product".into()),
            product: Some("Squall 2.5L Rain Shell".into()),
            ..llm::PageNote::default()
        };
        let (tool, args) = routed(&[
            Message::page_note(&page),
            Message::user("Is this available in XL?"),
        ]);
        assert!(tool.is_some_and(|t| [tools::CHECK_INVENTORY, tools::GET_PRODUCT].contains(&t)));
        assert_eq!(args["product"], json!("Squall 2.5L Rain Shell"));
        assert_eq!(args["variant"], json!("XL"));

        // A product the shopper names wins over the page's.
        let (_, args) = routed(&[
            Message::page_note(&page),
            Message::user("Is the Ridgeline 650 Down Vest available in XL?"),
        ]);
        assert_eq!(args["product"], json!("Ridgeline 650 Down Vest"));

        // "this" after talking about another product: the page's product.
        let (_, args) = routed(&[
            Message::user("Is the Ridgeline 650 Down Vest warm?"),
            Message::assistant("Yes, it is filled with 650-fill down.", vec![]),
            Message::page_note(&page),
            Message::user("And is this one available in XL?"),
        ]);
        assert_eq!(args["product"], json!("Squall 2.5L Rain Shell"));
    }

    #[test]
    fn a_question_on_a_product_page_is_about_its_product() {
        let page = llm::PageNote {
            template: Some("product".into()),
            product: Some("Insulated Bottle".into()),
            ..llm::PageNote::default()
        };
        let on_page = |text: &str| routed(&[Message::page_note(&page), Message::user(text)]);
        for text in [
            "does it have a warranty",
            "is it any good?",
            "¿tiene garantía?",
            "zit er garantie op?",
            "هل عليه ضمان؟",
        ] {
            let (tool, args) = on_page(text);
            assert_eq!(tool, Some(tools::GET_PRODUCT), "{text}");
            assert_eq!(args["product"], json!("Insulated Bottle"), "{text}");
        }
        // The store's topics, stock and searches keep their routes on a product page.
        assert_eq!(
            on_page("how much is shipping to Canada?").0,
            Some(tools::SEARCH_KNOWLEDGE)
        );
        assert_eq!(
            on_page("tem no tamanho 12?").0,
            Some(tools::CHECK_INVENTORY)
        );
        assert_eq!(
            on_page("do you have a cheaper bottle under $30?").0,
            Some(tools::SEARCH_PRODUCTS)
        );
    }

    #[test]
    fn follow_ups_use_the_conversation() {
        let history = vec![
            Message::user("Is the Kids' Puddle Rain Jacket in size 12 Yellow in stock?"),
            Message::assistant(
                "Yes, the Kids' Puddle Rain Jacket in size 12, Yellow is in stock.",
                vec![],
            ),
            Message::user("What about in blue?"),
        ];
        let (tool, args) = routed(&history);
        assert_eq!(tool, Some(tools::CHECK_INVENTORY));
        assert_eq!(
            args,
            json!({"product": "Kids' Puddle Rain Jacket", "variant": "12 blue"})
        );

        let history = vec![
            Message::user("Where is order #1045?"),
            Message::assistant(
                "To protect your privacy, what email did you use for #1045?",
                vec![],
            ),
            Message::user("it's liam@example.com"),
        ];
        let (tool, args) = routed(&history);
        assert_eq!(tool, Some(tools::GET_ORDER_STATUS));
        assert_eq!(
            args,
            json!({"order_number": "#1045", "email": "liam@example.com"})
        );
    }

    #[test]
    fn a_question_about_the_assistant_is_not_a_request_for_a_person() {
        assert_eq!(
            route(&user("Are you a human?")),
            Route::Reply(Reply::Identity)
        );
        assert_eq!(
            route(&user("Am I talking to a bot?")),
            Route::Reply(Reply::Identity)
        );
        let (tool, _) = routed(&user("Are you a bot? I want to talk to a real person."));
        assert_eq!(tool, Some(tools::HANDOFF_TO_HUMAN));
        let history = vec![
            Message::user("Are you a bot?"),
            Message::assistant(
                "I'm the store's virtual assistant, an AI. Would you like me to connect you \
                 with someone from our team instead?",
                vec![],
            ),
            Message::user("yes please"),
        ];
        let (tool, _) = routed(&history);
        assert_eq!(tool, Some(tools::HANDOFF_TO_HUMAN));
    }

    #[test]
    fn other_peoples_data_is_refused_the_stores_is_not() {
        for text in [
            "What's Priya Natarajan's address?",
            "What's the home address of John Smith?",
            "Which customers live in Seattle?",
            "Dame el correo de los clientes de Madrid",
        ] {
            assert_eq!(route(&user(text)), Route::Reply(Reply::Private), "{text}");
        }
        for text in [
            "What is the email of Harbor & Pine support?",
            "What's the address of your Portland store?",
            "What's your customer service phone number?",
        ] {
            let (tool, _) = routed(&user(text));
            assert_eq!(tool, Some(tools::SEARCH_KNOWLEDGE), "{text}");
        }
    }
}
