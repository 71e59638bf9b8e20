//! The arguments of each call, in the types of `tools::io`: what the router found, as the
//! tool reads it.

use tools::io::{
    AddToCartArgs, CheckInventoryArgs, GetOrderStatusArgs, SearchKnowledgeArgs, SearchProductsArgs,
};

use super::context::Context;
use super::{FOLLOW_UP, Intent, Reply, Route, Said, YES};
use crate::extract::{self, Prices};
use crate::lang::{self, Lang, words};

pub(super) fn order_lookup(order: &str, said: &Said, ctx: &Context) -> Route {
    let email = said.emails.first().or(ctx.email.as_ref()).cloned();
    Route::call(
        tools::GET_ORDER_STATUS,
        GetOrderStatusArgs {
            order_number: order.to_owned(),
            email,
            code: None,
        },
    )
}

pub(super) fn add_to_cart(said: &Said, ctx: &Context, quantity: Option<u64>) -> Route {
    let (product, variant) = match (&said.named, &said.descriptor) {
        (Some(named), _) => (Some(named.product.clone()), named.variant.clone()),
        (None, Some(descriptor)) => (ctx.product.clone(), Some(descriptor.product.clone())),
        (None, None) => (ctx.product.clone(), ctx.variant.clone()),
    };
    // "Add 3 merino socks to the cart": the product in lower case, by its words.
    let product = product.or_else(|| {
        let prices = extract::prices(&said.words);
        let words: Vec<String> = search_phrase(said, &prices)
            .into_iter()
            .filter(|w| {
                !tools::cart::CART_VERBS.contains(&w.as_str())
                    && !tools::cart::CART_NOUNS.contains(&w.as_str())
                    && w.parse::<f64>().is_err()
            })
            .collect();
        (words.len() >= 2 || words.iter().any(|w| w.chars().count() > 3)).then(|| words.join(" "))
    });
    let Some(product) = product else {
        return Route::Reply(Reply::WhichProduct);
    };
    let product = match variant {
        Some(variant) => format!("{product} {variant}"),
        None => product,
    };
    let quantity = quantity
        .and_then(|q| u32::try_from(q).ok())
        .filter(|q| *q > 0);
    Route::call(
        tools::ADD_TO_CART,
        AddToCartArgs {
            variant_id: None,
            product: Some(product),
            quantity,
        },
    )
}

/// A new variant over the previous one: what the new words do not say, the old ones still
/// do ("12 Yellow" + "blue" → "12 blue").
pub(super) fn merge_variant(previous: Option<&str>, new: &str) -> String {
    let is_size = |w: &str| {
        w.chars().any(|c| c.is_ascii_digit())
            || matches!(
                w.to_lowercase().as_str(),
                "xxs" | "xs" | "s" | "m" | "l" | "xl" | "xxl" | "xxxl" | "s/m" | "m/l" | "l/xl"
            )
    };
    let new_sizes = new.split_whitespace().any(is_size);
    let new_others = new.split_whitespace().any(|w| !is_size(w));
    let kept: Vec<&str> = previous
        .unwrap_or_default()
        .split_whitespace()
        .filter(|w| if is_size(w) { !new_sizes } else { !new_others })
        .collect();
    let mut out = kept.join(" ");
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(new);
    out
}
/// Words that ask rather than name what is wanted; they are left out of a product query.
#[rustfmt::skip]
const QUERY_FILLER: &[&str] = &[
    "do you have", "do you sell", "do you carry", "do you stock", "do you make", "do you offer",
    "have you got", "got any", "i m looking for", "i am looking for", "looking for", "i need",
    "i want", "i d like", "i would like", "show me", "can you recommend", "could you recommend",
    "recommend", "suggest", "should i get", "should i buy", "what do you have", "find me",
    "is there", "are there", "anything", "something", "any", "some", "right now", "please",
    "in stock", "available", "can i buy", "what can i buy", "i m shopping for", "shopping for",
    "i m after", "need", "want", "sell", "carry", "get", "got", "buy", "have", "yes", "great", "ok",
    "also", "stuff", "avez vous", "vous avez", "je cherche", "cherche", "montrez moi",
    "recommandez", "en stock", "disponible", "est ce que", "auriez vous", "tienen", "tienes",
    "busco", "necesito", "quiero", "muestrame", "recomiendame", "hay", "venden", "en existencia",
    "habt ihr", "haben sie", "ich suche", "suche", "ich brauche", "brauche", "zeig mir", "gibt es",
    "auf lager", "verfugbar", "lieferbar",
    "vous vendez", "vendez vous", "vendez", "verkaufen sie", "verkauft ihr", "venden", "take", "i ll take", "do u have", "do u sell", "u",
];

/// Words that open what a shopper wants ("… so I need a warm shirt"): in a long message the
/// story before them names no product.
#[rustfmt::skip]
const WANTS: &[&str] = &[
    "i need", "i want", "i m looking for", "i am looking for", "looking for", "do you have",
    "do you sell", "i d like", "i would like", "need a", "need an", "need some", "je cherche",
    "il me faudrait", "il me faut", "j ai besoin d", "avez vous", "busco", "necesito", "quiero",
    "tienen", "ich suche", "ich brauche", "brauche", "habt ihr", "cerco", "vorrei", "mi serve",
    "avete", "procuro", "procurando", "preciso", "queria", "voces tem", "ik zoek", "zoek",
    "ik wil", "hebben jullie", "heb nodig",
];

/// Chat words that name no product ("lol", "like 100 bucks").
#[rustfmt::skip]
const SLANG: &[&str] = &[
    "lol", "lmao", "omg", "tbh", "btw", "idk", "pls", "plz", "ya", "yeah", "kinda", "sorta",
    "gonna", "wanna", "ugh", "like", "bucks", "bux", "dollars", "euros", "actually", "basically",
    "honestly", "literally", "guys", "hey", "hi", "hello", "um", "uh", "so", "well", "ok", "okay",
    "new", "good", "nice", "maybe", "thing", "things", "mmm", "hmm",
];

/// Where the request starts in a long message that tells a story first: after the last
/// [`WANTS`] cue, when that comes late enough to follow a story and leaves words to ask with.
pub(super) fn request_start(words: &[String]) -> Option<usize> {
    if words.len() <= 10 {
        return None;
    }
    WANTS
        .iter()
        .filter_map(|cue| {
            let mut from = 0;
            let mut last = None;
            while let Some((start, end)) = lang::find(&words[from..], cue) {
                last = Some((from + start, from + end));
                from += end;
            }
            last
        })
        .max_by_key(|(_, end)| *end)
        .filter(|(start, end)| *start >= 5 && *end < words.len())
        .map(|(_, end)| end)
}

/// The product words of the message: what a catalog search should look for.
pub(super) fn search_phrase(said: &Said, prices: &Prices) -> Vec<String> {
    let mut keep = vec![true; said.words.len()];
    let len = keep.len();
    // A story before the request: the request is what to search for.
    if let Some(start) = request_start(&said.words) {
        keep[..start].iter_mut().for_each(|k| *k = false);
    }
    for (i, word) in said.words.iter().enumerate() {
        if SLANG.contains(&word.as_str()) {
            keep[i] = false;
        }
    }
    for (start, end) in &prices.spans {
        keep[*start..(*end).min(len)]
            .iter_mut()
            .for_each(|k| *k = false);
    }
    for filler in QUERY_FILLER {
        let mut from = 0;
        while let Some((start, end)) = lang::find(&said.words[from..], filler) {
            keep[from + start..from + end]
                .iter_mut()
                .for_each(|k| *k = false);
            from += end;
        }
    }
    let emails: Vec<String> = said.emails.iter().flat_map(|e| words(e)).collect();
    said.words
        .iter()
        .zip(keep)
        .filter(|(w, keep)| {
            *keep
                && !lang::is_stopword(w)
                && !matches!(w.as_str(), "$" | "€" | "£" | "#" | "%" | "@")
                && !emails.contains(w)
        })
        .map(|(w, _)| w.clone())
        .collect()
}

pub(super) fn search_products(
    said: &Said,
    ctx: &Context,
    prices: &Prices,
    phrase: Vec<String>,
) -> Route {
    let mut phrase = phrase;
    // "Yes, something lighter, under $200" continues the previous search.
    let continues = said.opens_with(FOLLOW_UP) || said.opens_with(YES);
    if continues
        && ctx.previous == Some(Intent::Search)
        && let Some(previous) = &ctx.previous_query
    {
        phrase.extend(previous.split_whitespace().map(str::to_owned));
    }
    search_products_with(said, prices, phrase)
}

pub(super) fn search_products_with(said: &Said, prices: &Prices, phrase: Vec<String>) -> Route {
    let mut query = phrase;
    if !said.cue_lang {
        // The catalog is English: its words for what was asked, and any product name typed.
        let english = crate::glossary::english_terms(&said.text, &said.words);
        if !english.is_empty() {
            query = said
                .named
                .iter()
                .flat_map(|n| words(&n.product))
                .chain(english)
                .collect();
        }
    } else if said.lang != Some(Lang::En) {
        // Italian or Portuguese can read as French or Spanish to the detector, and slang as
        // nothing at all ("busco unas botas pa la nieve q sean …"): both glossaries.
        let mut english = lang::english_terms(&said.words);
        english.extend(crate::glossary::english_terms(&said.text, &said.words));
        for term in english {
            if !query.contains(&term) {
                query.push(term);
            }
        }
    }
    let mut query = query.join(" ");
    if query.is_empty() {
        query = said.text.clone();
    }
    Route::call(
        tools::SEARCH_PRODUCTS,
        SearchProductsArgs {
            query,
            min_price: prices.min,
            max_price: prices.max,
            in_stock: extract::in_stock(&said.text, &said.words).then_some(true),
        },
    )
}

pub(super) fn search_knowledge(said: &Said, ctx: &Context, follow_up: bool) -> Route {
    // The question as asked reads best to the search; emails stay out of it.
    let mut query = said.text.clone();
    for email in &said.emails {
        query = query.replace(email.as_str(), " ");
    }
    let mut query = query.split_whitespace().collect::<Vec<_>>().join(" ");
    if follow_up && let Some(previous) = &ctx.previous_query {
        query = format!("{previous} {query}");
    }
    // Other languages gain their English words, and everyone the words help pages use.
    let english = said.lang == Some(Lang::En) && said.cue_lang;
    let mut terms = if english {
        Vec::new()
    } else {
        let mut terms = crate::help::english_terms(&said.text, &said.words);
        let glossary = if said.cue_lang {
            lang::english_terms(&said.words)
        } else {
            crate::glossary::english_terms(&said.text, &said.words)
        };
        for term in glossary {
            if !terms.contains(&term) {
                terms.push(term);
            }
        }
        terms
    };
    let known: Vec<String> = said.words.iter().chain(&terms).cloned().collect();
    terms.extend(lang::synonyms(&known));
    if !english && terms.len() >= 2 {
        // The index and its embedding model read English: the foreign words only add noise
        // to both halves of the search, so the query is the English words, with the names
        // and figures the shopper typed.
        // German capitalises every noun: there, only figures.
        let kept = names_and_figures(&said.text, said.lang != Some(Lang::De));
        query = terms
            .iter()
            .chain(&kept)
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        if follow_up && let Some(previous) = &ctx.previous_query {
            query = format!("{previous} {query}");
        }
    } else if !terms.is_empty() {
        query = format!("{query} ({})", terms.join(" "));
    }
    Route::call(tools::SEARCH_KNOWLEDGE, SearchKnowledgeArgs { query })
}

/// The words a translation keeps: figures, and (with `names`) capitalised Latin names inside
/// the sentence ("Portland", "Summit"; not its first word, which any sentence capitalises).
fn names_and_figures(text: &str, names: bool) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '.'))
        .map(|t| t.trim_matches('.'))
        .filter(|t| !t.is_empty())
        .enumerate()
        .filter(|(i, t)| {
            t.chars().any(|c| c.is_ascii_digit())
                || (names
                    && *i > 0
                    && t.len() >= 3
                    && t.is_ascii()
                    && t.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                    && t.chars().skip(1).any(|c| c.is_ascii_lowercase()))
        })
        .map(|(_, t)| t.to_owned())
        .collect()
}

/// The order in question (the one the conversation looked up), or the question for its
/// number.
pub(super) fn order_in_question(said: &Said, ctx: &Context) -> Route {
    match &ctx.order {
        Some(order) => order_lookup(order, said, ctx),
        None => Route::Reply(Reply::AskOrderNumber),
    }
}

pub(super) fn inventory(product: String, variant: Option<String>) -> Route {
    Route::call(
        tools::CHECK_INVENTORY,
        CheckInventoryArgs { product, variant },
    )
}
