//! The routes the nearest-exemplar classifier (`crate::intent`) decides, when it is sure:
//! what the exact rules leave open, in any of the widget's ten languages. The arguments still
//! come from the message and the conversation (named products, the page's product, prices).

use serde_json::json;
use tools::io::{GetProductArgs, HandoffArgs};

use super::calls::{inventory, search_knowledge, search_phrase, search_products};
use super::context::Context;
use super::{Reply, Route, Said};
use crate::extract;
use crate::intent::{Guess, Kind};
use crate::lang::{self, Lang};

/// The few intents that no product name or help-topic word should override: asked for in so
/// many words, they mean the same whatever else the message holds.
pub(super) fn early(said: &Said, ctx: &Context, guess: Guess) -> Option<Route> {
    // Outside the cue lists' four languages the classifier is all there is: a fair guess
    // is acted on. Inside them, only a sure one overrides the rules.
    let acted_on = if said.cue_lang {
        guess.sure()
    } else {
        guess.fair()
    };
    if guess.kind == Kind::Compare && guess.score >= COMPARE_SCORE {
        // Two products named side by side make a weaker guess enough.
        if let Some(route) = compare(said) {
            return Some(route);
        }
    }
    if !acted_on {
        return None;
    }
    // "ok cool, that's all I needed, have a good one": a longer goodbye when very sure.
    let very_sure = guess.score >= VERY_SURE_SCORE && guess.margin >= VERY_SURE_MARGIN;
    let short = said.words.len() <= 8 || (very_sure && said.words.len() <= 14);
    let recent = mentions_recent(said);
    let mine = !said.cue_lang || said.any(MY);
    let about_orders = matches!(guess.kind, Kind::RecentOrders | Kind::Order);
    // "The last day I can order for Christmas" is a policy question, not the newest order.
    let policy = super::knowledge_score(said) >= 3;
    if about_orders && said.orders.is_empty() && recent && mine && !said.any(YOUR) && !policy {
        return Some(Route::call(tools::LIST_RECENT_ORDERS, json!({})));
    }
    match guess.kind {
        // "How are you?" is small talk too; "hi, do you sell tents?" is not.
        Kind::Greeting | Kind::Thanks
            if guess.sure()
                && short
                && said.named.is_none()
                && (!said.text.contains('?') || said.words.len() <= 4) =>
        {
            return Some(Route::Reply(if guess.kind == Kind::Thanks {
                Reply::Thanks
            } else {
                Reply::Greeting
            }));
        }
        // Homework, poems, the weather: no cue list names them all.
        Kind::OffTopic
            if said.named.is_none()
                && !asks_help(said)
                && guess.score >= VERY_SURE_SCORE
                && guess.margin >= VERY_SURE_MARGIN =>
        {
            return Some(Route::Reply(Reply::OffTopic));
        }
        // "No me ha llegado nada y ya pasaron 10 días": an order that has not come, however
        // it is told; the cue lists name only some of the ways.
        Kind::Order
            if said.cue_lang
                && guess.score >= ORDER_SCORE
                && guess.margin >= VERY_SURE_MARGIN
                && said.named.is_none()
                && !bounded(said)
                && !policy =>
        {
            return Some(super::calls::order_in_question(said, ctx));
        }
        // In English, French, Spanish and German the cue lists decide the rest.
        _ if said.cue_lang => return None,
        _ => {}
    }
    Some(match guess.kind {
        // A refusal or a person for a fair guess would cost more than a wrong search.
        Kind::OffTopic if guess.sure() && said.named.is_none() && !asks_help(said) => {
            Route::Reply(Reply::OffTopic)
        }
        // "Until when is customer service reachable?" asks the help pages, not for a person.
        Kind::Human if asks_contact(said) => search_knowledge(said, ctx, false),
        Kind::Human if guess.sure() => {
            let excerpt: String = said.text.chars().take(240).collect();
            Route::call(
                tools::HANDOFF_TO_HUMAN,
                HandoffArgs {
                    reason: format!("The shopper asked for a person: \"{excerpt}\""),
                    email: said.emails.first().or(ctx.email.as_ref()).cloned(),
                },
            )
        }
        // "se eu pedir hoje chega antes do Natal?", "a mug arrived broken, what do I do?": the
        // order is the setting, the question is a policy's.
        Kind::Order | Kind::RecentOrders if about_a_policy(said) => {
            search_knowledge(said, ctx, false)
        }
        // A budget is no order question ("מתנה לאבא שלי, לא יותר מ-60").
        Kind::Order | Kind::RecentOrders if said.named.is_none() && !bounded(said) => {
            super::calls::order_in_question(said, ctx)
        }
        Kind::Cart => super::calls::add_to_cart(said, ctx, extract::quantity(&said.words)),
        _ => return None,
    })
}

/// "La doudoune Ridgeline, elle se lave en machine ?", "le sac à dos 28L il fait quelle taille
/// exactement ?": a question about a product the shopper names, when the classifier reads one.
/// The help topics' words (washing, size, where it is made) would send it to the help pages;
/// only the store's own policies (returns, shipping, warranty …) keep it there.
pub(super) fn asks_about_named(said: &Said, guess: Guess) -> Option<Route> {
    if guess.kind != Kind::Product
        || !guess.fair()
        || guess.margin < PRODUCT_MARGIN
        || asks_policy(said)
    {
        return None;
    }
    if let Some(named) = &said.named {
        return Some(super::about_named(said, named));
    }
    // German capitalises every noun ("brauch nen Schlafsack, gibts sowas bei euch?").
    if said.lang == Some(Lang::De) || crate::cues::asks_for_goods(&said.text, &said.words) {
        return None;
    }
    let (name, _) = lone_name(&said.text)?;
    let product = super::in_english(name, said);
    Some(Route::call(tools::GET_PRODUCT, GetProductArgs { product }))
}

/// Whether the message names one of the store's policies (help topics a product page cannot
/// answer), in any of the ten languages.
fn asks_policy(said: &Said) -> bool {
    let mut terms = crate::help::english_terms(&said.text, &said.words);
    terms.extend(crate::glossary::english_terms(&said.text, &said.words));
    terms.extend(lang::english_terms(&said.words));
    let policy = |t: &str| t.split(' ').any(|w| POLICY_TERMS.contains(&w));
    terms.iter().any(|t| policy(t)) || said.words.iter().any(|w| policy(w))
}

/// Whether an order question asks what a policy says (Christmas delivery, a broken item,
/// returns), not where an order is.
pub(super) fn about_a_policy(said: &Said) -> bool {
    let terms = crate::help::english_terms(&said.text, &said.words);
    terms
        .iter()
        .flat_map(|t| t.split(' '))
        .any(|w| ORDER_POLICY_TERMS.contains(&w))
}

/// Help topics an order question can ask about that its status does not answer.
#[rustfmt::skip]
const ORDER_POLICY_TERMS: &[&str] = &[
    "christmas", "return", "refund", "exchange", "warranty", "damaged", "payment", "expire",
];

/// English words of the help topics that ask about the store, not about a product.
#[rustfmt::skip]
const POLICY_TERMS: &[&str] = &[
    "return", "returns", "refund", "exchange", "shipping", "ship", "delivery", "deliver",
    "duties", "customs", "cancel", "warranty", "guarantee", "repair", "resole", "rewax", "po",
    "overnight", "phone", "contact", "email", "hours", "expire", "damaged", "delivered",
    "payment", "pay", "pickup", "tracking", "christmas", "expedited", "international", "store",
];

/// What a product guess needs over the next intent to take a named product's question from
/// the help pages.
const PRODUCT_MARGIN: f32 = 0.05;

/// "My last order", "ma dernière commande", "最新の注文".
pub(super) fn mentions_recent(said: &Said) -> bool {
    said.any(RECENT) || RECENT.iter().any(|cue| said.text.contains(cue))
}

/// Whether the shopper states a price bound.
fn bounded(said: &Said) -> bool {
    let prices = extract::prices(&said.words);
    prices.min.is_some() || prices.max.is_some()
}

/// Two different products named with "or"/"vs" (or "between … and …") between them: a
/// comparison, whatever the classifier makes of the rest.
pub(super) fn side_by_side(said: &Said) -> Option<Route> {
    let names = extract::named_products(&said.text, said.lang != Some(Lang::De));
    let mut products: Vec<String> = names
        .into_iter()
        .filter(|n| !n.descriptor)
        .map(|n| n.product.to_lowercase())
        .collect();
    products.dedup();
    // "SquallとTidepool、どっちが軽い？", "أيهما أخف، Summit أم Portside؟": Latin names in
    // another script.
    if products.len() < 2 && other_script(&said.text) {
        products = latin_runs(&said.text);
    }
    let joined = said.any(VERSUS)
        || said.any(BETWEEN)
        || WHICH_OF_TWO.iter().any(|cue| said.text.contains(cue));
    // "Summit vs Portside: welcher Stiefel …": an explicit "vs" joins whatever it stands
    // between, names the detector missed included.
    if said.any(&["vs", "versus"]) {
        return compare(said);
    }
    if products.len() < 2 || !joined {
        return None;
    }
    compare(said)
}

/// Whether the message names a help-centre topic (the customer-service phone number is no
/// off-topic question, however the exemplars read it).
fn asks_help(said: &Said) -> bool {
    crate::help::asks_help(&said.text, &said.words)
}

/// Whether the message asks when, where or how to reach the team (hours, phone, email), which
/// the help pages answer.
fn asks_contact(said: &Said) -> bool {
    crate::help::english_terms(&said.text, &said.words)
        .iter()
        .any(|t| matches!(t.as_str(), "hours" | "open" | "phone" | "email"))
}

/// Whether a message outside English says nothing a store could answer: no product, help
/// topic, price, order or email, no word of the glossaries, no way of asking for goods, and
/// no conversation to lean on ("write me a poem about the sea", "what's the weather today").
/// The classifier is seldom sure of these (they share little with any exemplar); the absence
/// of every store word is the surer sign.
pub(super) fn nothing_about_the_store(said: &Said, ctx: &Context, guess: Guess) -> bool {
    if said.lang == Some(Lang::En) && said.cue_lang {
        return false;
    }
    let unsure_or_elsewhere = guess.kind == Kind::OffTopic || guess.score < UNPLACED_SCORE;
    let tool_intent = matches!(
        guess.kind,
        Kind::Human | Kind::Order | Kind::RecentOrders | Kind::Cart | Kind::Greeting | Kind::Thanks
    );
    if !unsure_or_elsewhere
        || tool_intent
        || ctx.product.is_some()
        || ctx.previous.is_some()
        || said.named.is_some()
        || !said.orders.is_empty()
        || !said.emails.is_empty()
        || crate::cues::asks_for_goods(&said.text, &said.words)
    {
        return false;
    }
    let prices = extract::prices(&said.words);
    prices.min.is_none()
        && prices.max.is_none()
        && crate::glossary::english_terms(&said.text, &said.words).is_empty()
        && crate::help::english_terms(&said.text, &said.words).is_empty()
        && lang::english_terms(&said.words).is_empty()
        && lone_name(&said.text).is_none()
}

/// Below this, a guess other than off-topic does not place a message with no store words.
const UNPLACED_SCORE: f32 = 0.35;

/// "And how much does it weigh?", "do you have it in M?" about the product in question (the
/// page's, or the one just discussed), when the classifier is very sure: the cue lists miss
/// many ways of asking these.
pub(super) fn about_this(said: &Said, ctx: &Context, guess: Guess) -> Option<Route> {
    if said.named.is_some() || guess.score < VERY_SURE_SCORE || guess.margin < VERY_SURE_MARGIN {
        return None;
    }
    let product = ctx.product.clone()?;
    match guess.kind {
        Kind::Product => Some(Route::call(tools::GET_PRODUCT, GetProductArgs { product })),
        Kind::Inventory => Some(inventory(product, extract::variant_only(&said.text))),
        _ => None,
    }
}

/// The rest, for languages the cue lists do not cover: search, a product's details, its
/// stock, or the help centre.
pub(super) fn late(said: &Said, ctx: &Context, guess: Guess) -> Option<Route> {
    // Here the cue lists know nothing of the language: the best guess beats them unless it
    // is close to no match at all.
    if guess.score < LATE_SCORE {
        return None;
    }
    let lone = lone_name(&said.text);
    // A name the shopper typed, with the English words of the kind of thing it is ("la giacca
    // Ridgeline": "Ridgeline jacket", not the Ridgeline vest); the page's product is exact.
    let product = said
        .named
        .as_ref()
        .map(|n| n.product.clone())
        .or_else(|| lone.as_ref().map(|(name, _)| name.clone()))
        .map(|name| super::in_english(name, said))
        .or_else(|| ctx.product.clone());
    let prices = extract::prices(&said.words);
    let bounded = prices.min.is_some() || prices.max.is_some();
    // "هل تبيعون خيام؟" ("do you sell tents?"): a way of asking for goods.
    let asks_for_goods = crate::cues::asks_for_goods(&said.text, &said.words);
    let english = crate::glossary::english_terms(&said.text, &said.words);
    let phone_is_a_thing = crate::help::phone_is_a_thing(&said.text, &said.words);
    let inside = |cues: &[&str]| cues.iter().any(|c| said.text.contains(c));
    let stock =
        said.any(STOCK_ELSEWHERE) || inside(extract::IN_STOCK_INSIDE) || inside(SOLD_OUT_INSIDE);
    // "maat 32 … nog leverbaar?": a size asked with stock words is the variant, not the size
    // guide.
    let only_size = stock
        && crate::help::english_terms(&said.text, &said.words)
            .iter()
            .all(|t| t == "size");
    let asks_help = english
        .iter()
        .any(|t| HELP_TERMS.contains(&t.as_str()) && !(t == "phone" && phone_is_a_thing))
        || (crate::help::asks_help(&said.text, &said.words) && !only_size);
    // "a bota Summit 7.5 tem em estoque?", "tem a camiseta Deckhand M branca?": a product's
    // stock, asked in stock words or as "have you got it" with a size.
    let sized = said
        .words
        .iter()
        .any(|w| super::SIZE_WORDS.contains(&w.as_str()) || extract::parse_number(w).is_some());
    // "a mochila Ridge 45L serve pra quem tem 1,60 de altura?": a number and "tem" ("has"),
    // but a question about the product, as the classifier reads it.
    let of_the_product =
        guess.kind == Kind::Product && guess.sure() && guess.margin >= PRODUCT_MARGIN;
    if let Some(product) = &product
        && !bounded
        && !asks_help
        && (stock || sized && asks_for_goods && !of_the_product)
        && matches!(
            guess.kind,
            Kind::Product | Kind::Inventory | Kind::Knowledge | Kind::Search
        )
    {
        let variant = said
            .named
            .as_ref()
            .and_then(|n| n.variant.clone())
            .or_else(|| extract::variant_only(&said.text));
        return Some(inventory(product.clone(), variant));
    }
    Some(match guess.kind {
        // "What's the customer service's phone number?" asks the help pages, however unsure
        // the guess of a person is.
        Kind::Human if asks_contact(said) => search_knowledge(said, ctx, false),
        // "What's the customer-service number?" can read as off-topic; its words say help.
        Kind::OffTopic if asks_help => search_knowledge(said, ctx, false),
        // "Do you ship to Israel?" reads like a search to the exemplars; its words say help.
        Kind::Search | Kind::Similar if asks_help && said.named.is_none() => {
            search_knowledge(said, ctx, false)
        }
        // "Il maglione Fisherman è di lana merino?", "מה הקיבולת של הבקבוק התרמי הגדול?": a
        // question about one product, not a request for goods, is for its description.
        Kind::Search | Kind::Similar
            if !bounded
                && asks_about_one(said)
                && let Some(product) = product
                    .clone()
                    .or_else(|| product_words(&english).map(|p| super::in_english(p, said))) =>
        {
            Route::call(tools::GET_PRODUCT, GetProductArgs { product })
        }
        Kind::Search | Kind::Similar => {
            let phrase = search_phrase(said, &prices);
            search_products(said, ctx, &prices, phrase)
        }
        // "Una giacca calda, massimo 150 euro", "mi serve una borraccia …", "tem lanterna de
        // cabeça aí na loja": a budget or a request for goods asks for a choice, not one
        // product's details (unless the shopper names the product).
        Kind::Product | Kind::Knowledge
            if (bounded || asks_for_goods)
                && said.named.is_none()
                && lone.is_none()
                && !asks_help =>
        {
            let phrase = search_phrase(said, &prices);
            search_products(said, ctx, &prices, phrase)
        }
        // "How long does the lantern's battery last?" names a product and no help topic: a
        // question for the product's description.
        Kind::Knowledge if !asks_help => {
            match product.or_else(|| product_words(&english).map(|p| super::in_english(p, said))) {
                Some(product) => Route::call(tools::GET_PRODUCT, GetProductArgs { product }),
                None => search_knowledge(said, ctx, false),
            }
        }
        Kind::Knowledge => search_knowledge(said, ctx, false),
        Kind::Inventory => {
            let variant = said
                .named
                .as_ref()
                .and_then(|n| n.variant.clone())
                .or_else(|| {
                    lone.as_ref()
                        .and_then(|(_, rest)| extract::variant_only(rest))
                })
                .or_else(|| extract::variant_only(&said.text));
            match product {
                Some(product) => inventory(product, variant),
                // "Do you have merino socks?" with no product in question: a search (or, for
                // "can I exchange the size?", the help centre).
                None => {
                    if asks_help {
                        search_knowledge(said, ctx, false)
                    } else if english.is_empty() && !asks_for_goods {
                        // "Is it still available?" with nothing in question.
                        Route::Reply(Reply::WhichProduct)
                    } else {
                        let phrase = search_phrase(said, &prices);
                        search_products(said, ctx, &prices, phrase)
                    }
                }
            }
        }
        Kind::Product => {
            match product.or_else(|| product_words(&english).map(|p| super::in_english(p, said))) {
                Some(product) => Route::call(tools::GET_PRODUCT, GetProductArgs { product }),
                // "私書箱に送ってもらえますか？": no product, a help topic.
                None if asks_help => search_knowledge(said, ctx, false),
                None => {
                    let phrase = search_phrase(said, &prices);
                    search_products(said, ctx, &prices, phrase)
                }
            }
        }
        _ => return None,
    })
}

/// A question (not a request for goods, no "something like") about the product it names.
fn asks_about_one(said: &Said) -> bool {
    let japanese = said.text.trim_end().ends_with('か');
    (japanese || ['?', '？', '؟'].iter().any(|q| said.text.contains(*q)))
        && !crate::cues::asks_for_goods(&said.text, &said.words)
        && !said.any(crate::cues::SIMILAR)
}

/// The glossary's words that name a kind of product ("lantern" in "how long does the
/// lantern's battery last?"), without those that ask about it.
pub(super) fn product_words(english: &[String]) -> Option<String> {
    let words: Vec<&str> = english
        .iter()
        .map(String::as_str)
        .filter(|w| !ASKED.contains(w) && !HELP_TERMS.contains(w) && !ATTRIBUTE_TERMS.contains(w))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// Glossary words that ask about a product rather than name one.
#[rustfmt::skip]
const ATTRIBUTE_TERMS: &[&str] = &[
    "battery", "hours", "runtime", "cold", "warm", "dishwasher", "wash", "free", "order", "sale",
    "gift", "women", "men", "kids", "lighter", "heavier", "standard", "open", "work",
];

/// Stock words in Italian, Portuguese and Dutch (the cue lists hold the others).
#[rustfmt::skip]
const STOCK_ELSEWHERE: &[&str] = &[
    "estoque", "em estoque", "disponivel", "disponiveis", "disponibile", "disponibili",
    "in magazzino", "esaurit*", "voorraad", "op voorraad", "leverbaar", "beschikbaar", "uitverkocht",
];
/// Sold out in Japanese, Arabic and Hebrew, matched inside the text (in stock: `extract`'s).
const SOLD_OUT_INSIDE: &[&str] = &["売り切れ", "نفد", "אזל"];

/// Help-centre words of the glossary: a question with one is for the help pages.
#[rustfmt::skip]
const HELP_TERMS: &[&str] = &[
    "shipping", "ship", "delivery", "return", "refund", "exchange", "warranty", "repair",
    "cancel", "duties", "customs", "hours", "phone", "resole", "rewax", "hemming", "expire",
];

/// Below this, a message in a language the cue lists do not cover still goes to them.
const LATE_SCORE: f32 = 0.12;
/// A comparison naming two products needs only this much of a guess.
const COMPARE_SCORE: f32 = 0.2;
/// What overrides the cue lists about the product in question.
const VERY_SURE_SCORE: f32 = 0.45;
const VERY_SURE_MARGIN: f32 = 0.15;
/// What an order guess needs to override the cue lists in their languages.
const ORDER_SCORE: f32 = 0.35;

/// "My", in the ten languages: "my last order" is the shopper's own.
#[rustfmt::skip]
const MY: &[&str] = &[
    "my", "mon", "ma", "mes", "mi", "mis", "mein", "meine", "meiner", "meinen", "mio", "mia",
    "miei", "meu", "minha", "meus", "minhas", "mijn", "i", "i ve", "j ai", "ich",
];

/// Words between two products compared ("A vs B", "A or B"), in the ten languages.
#[rustfmt::skip]
const VERSUS: &[&str] = &[
    "vs", "versus", "or", "ou", "o", "oder", "of", "أم", "او", "أو", "או",
];

/// "Which of the two", in the scripts that join names without a word of their own.
const WHICH_OF_TWO: &[&str] = &[
    "どっち",
    "どちら",
    "أيهما",
    "أيّهما",
    "איזה מהם",
    "מי מהם",
    "מה עדיף",
];

/// "Most recent", "latest", "last": what makes "my order" the newest one, in the ten languages.
#[rustfmt::skip]
const RECENT: &[&str] = &[
    "recent*", "latest", "last", "newest", "dernier*", "derniere*", "reciente*", "ultim*",
    "letzte*", "neueste*", "recenti", "recente*", "laatste", "nieuwste", "最近", "最新", "前回",
    "الأخير", "الاخير", "آخر", "اخر", "האחרונה", "האחרון", "האחרונות",
];
/// "Your most recent order" asks about the store's orders, not the shopper's.
#[rustfmt::skip]
const YOUR: &[&str] = &["your", "votre", "vos", "su", "ihre", "ihr", "vostro", "vostra", "seu", "sua", "jullie", "jouw"];

/// Two products side by side, when the message names two.
fn compare(said: &Said) -> Option<Route> {
    let names = extract::named_products(&said.text, said.lang != Some(Lang::De));
    let mut products: Vec<String> = names
        .into_iter()
        .filter(|n| !n.descriptor)
        .map(|n| n.product)
        .collect();
    products.dedup();
    if products.len() < 2 && other_script(&said.text) {
        products = latin_runs(&said.text);
    }
    if products.len() < 2 {
        products = split_on_versus(&said.words);
    }
    if products.len() < 2 {
        return None;
    }
    products.truncate(2);
    Some(Route::call(
        tools::COMPARE_PRODUCTS,
        json!({ "products": products }),
    ))
}

/// What a comparison asks about, not which products: left out of the products' names.
#[rustfmt::skip]
const ASKED: &[&str] = &[
    "weight", "heavier", "lighter", "light", "lightweight", "cost", "warm", "size", "waterproof",
    "rain", "capacity", "liters", "dimensions",
];

/// Words that ask rather than name, around the products of a comparison.
#[rustfmt::skip]
const ASKED_WORDS: &[&str] = &[
    "which", "what", "lighter", "heavier", "cheaper", "better", "warmer", "laquelle", "lequel",
    "cual", "welche", "welcher", "quale", "qual", "welke", "pra", "per", "para", "for", "pour",
    "fur", "voor", "difference", "diferencia", "unterschied", "differenza", "diferenca",
    "verschil", "peso", "weight", "poids", "gewicht",
    // "Qual é mais leve, o Squall ou …": comparatives and their adjectives in it, pt, es, nl.
    "mais", "piu", "mas", "meer", "leve", "leggero", "ligero", "licht", "lichter", "quente",
    "caldo", "barato", "economico", "goedkoper", "melhor", "meglio", "mejor", "beter", "besser",
];

/// One capitalised Latin word inside the message ("avete il gilet Ridgeline XXL?", "יש את
/// Switchback במידה 28"): in these languages a product name, with the text after it.
fn lone_name(text: &str) -> Option<(String, String)> {
    let mut at = 0;
    for (i, token) in text.split_whitespace().enumerate() {
        let start = text[at..].find(token).map_or(at, |p| at + p);
        at = start + token.len();
        let word = token.trim_matches(|c: char| !c.is_alphanumeric());
        let name = word.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && word.chars().count() >= 4
            && word.chars().all(|c| c.is_ascii_alphanumeric())
            && !word
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if name && (i > 0 || other_script(text)) {
            return Some((word.to_owned(), text[at..].to_owned()));
        }
    }
    // "Summitのブーツは…": a Latin name glued to Japanese (or Arabic, Hebrew) text.
    if other_script(text) {
        let run = latin_runs(text).into_iter().find(|run| {
            run.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && run.chars().count() >= 4
        })?;
        let at = text.find(&run)? + run.len();
        return Some((run, text[at..].to_owned()));
    }
    None
}

/// Whether `text` has letters of a script other than Latin (Arabic, Hebrew, Japanese…).
fn other_script(text: &str) -> bool {
    text.chars().any(|c| c.is_alphabetic() && c as u32 > 0x024F)
}

/// In a message in another script, the runs of Latin words: product names ("ما الفرق بين حذاء
/// Summit وحذاء Portside").
fn latin_runs(text: &str) -> Vec<String> {
    let mut runs: Vec<String> = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for token in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '\'' || c == '.')) {
        let latin = !token.is_empty() && token.chars().any(|c| c.is_ascii_alphabetic());
        let number = !token.is_empty() && token.chars().all(|c| c.is_ascii_digit());
        if number
            && current.len() >= 2
            && current
                .last()
                .is_some_and(|l| l.chars().all(|c| c.is_ascii_digit()))
        {
            // "Trailrunner 2と3": the second number names the same line's other model.
            runs.push(current.join(" "));
            current.pop();
            current.push(token);
        } else if latin || (!current.is_empty() && number) {
            current.push(token);
        } else if !token.is_empty() || !current.is_empty() {
            if !current.is_empty() {
                runs.push(current.join(" "));
            }
            current.clear();
        }
    }
    if !current.is_empty() {
        runs.push(current.join(" "));
    }
    runs.dedup();
    runs
}

/// "Between A and B", in the ten languages.
#[rustfmt::skip]
const BETWEEN: &[&str] = &["between", "entre", "zwischen", "tra", "fra", "tussen", "بين", "בין"];
#[rustfmt::skip]
const AND: &[&str] = &["and", "et", "y", "und", "e", "en", "و", "ו"];

/// "summit or portside, which is cheaper", "the difference between A and B": the content
/// words on each side of the first "or"/"vs", or of the "and" after "between".
fn split_on_versus(words: &[String]) -> Vec<String> {
    let between = words
        .iter()
        .position(|w| BETWEEN.contains(&w.as_str()))
        .and_then(|b| {
            let and = b
                + 1
                + words[b + 1..]
                    .iter()
                    .position(|w| AND.contains(&w.as_str()))?;
            Some((b + 1, and))
        });
    // Each "or" in turn: in "Qual é mais leve, o Squall ou o fleece Tidepool?" the first "o"
    // is an article, and only the "ou" has a product on each side.
    let splits: Vec<(usize, usize)> = match between {
        Some(split) => vec![split],
        None => words
            .iter()
            .enumerate()
            .filter(|(_, w)| VERSUS.contains(&w.as_str()))
            .map(|(at, _)| (at.saturating_sub(3), at))
            .collect(),
    };
    splits
        .into_iter()
        .map(|(first_from, at)| sides(words, first_from, at))
        .find(|sides| !sides.is_empty())
        .unwrap_or_default()
}

/// The two products on either side of the word at `at` (the first may start at `first_from`),
/// or nothing when a side names none.
fn sides(words: &[String], first_from: usize, at: usize) -> Vec<String> {
    // Each side in the catalog's English where a glossary knows its words.
    let content = |side: &[String]| -> String {
        let text = side.join(" ");
        let mut english = lang::english_terms(side);
        english.extend(crate::glossary::english_terms(&text, side));
        english.retain(|w| !ASKED.contains(&w.as_str()));
        // In another script, the Latin words are names ("قدر Dutch Oven").
        if !text.is_ascii() {
            english.extend(side.iter().filter(|w| w.is_ascii() && w.len() > 1).cloned());
        }
        // The words no glossary translates stay: names ("la polaire Tidepool" is the
        // Tidepool fleece, not any fleece).
        let untranslated = side.iter().filter(|w| {
            let one = std::slice::from_ref(*w);
            !lang::is_stopword(w)
                && w.chars().count() > 1
                && !ASKED.contains(&w.as_str())
                && lang::english_terms(one).is_empty()
                && crate::glossary::english_terms(w, one).is_empty()
        });
        for word in untranslated {
            if !english.contains(word) {
                english.push(word.clone());
            }
        }
        english.join(" ")
    };
    // Each side: up to four words from the separator, cut at a word that asks rather than
    // names ("which", "lighter"), articles trimmed ("la poêle en fonte" keeps its "en").
    let asks = |w: &String| ASKED_WORDS.contains(&w.as_str());
    let trim = |side: &[String]| -> Vec<String> {
        let start = side
            .iter()
            .position(|w| !lang::is_stopword(w))
            .unwrap_or(side.len());
        let end = side
            .iter()
            .rposition(|w| !lang::is_stopword(w))
            .map_or(start, |e| e + 1);
        side[start..end.max(start)].to_vec()
    };
    let window = &words[first_from.max(at.saturating_sub(4))..at];
    let from = window.iter().rposition(asks).map_or(0, |i| i + 1);
    let before = trim(&window[from..]);
    let rest = &words[at + 1..(at + 5).min(words.len())];
    let to = rest.iter().position(asks).unwrap_or(rest.len());
    let after = trim(&rest[..to]);
    let (before, after) = (content(&before), content(&after));
    if before.is_empty() || after.is_empty() {
        return Vec::new();
    }
    vec![before, after]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compared(text: &str) -> Option<Vec<String>> {
        let said = Said::new(text);
        match compare(&said)? {
            Route::Call { arguments, .. } => {
                serde_json::from_value(arguments["products"].clone()).ok()
            }
            Route::Reply(_) => None,
        }
    }

    #[test]
    fn a_comparison_names_both_products_in_any_script() {
        assert_eq!(
            compared("Squall vs the Ridgeline down jacket, which one's lighter?"),
            Some(vec![
                "squall".to_owned(),
                "ridgeline down jacket".to_owned()
            ])
        );
        assert_eq!(
            compared("ما الفرق بين حذاء Summit وحذاء Portside؟"),
            Some(vec!["Summit".to_owned(), "Portside".to_owned()])
        );
        assert_eq!(compared("do you have a rain jacket?"), None);
    }
}
