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

use std::collections::HashSet;

use serde::de::DeserializeOwned;
use serde_json::Value;
use tools::io::{
    CartAction, Handoff, Inventory, KnowledgeFound, Order, OrderLine, OrderStatus, ProductCard,
    ProductDetail, ProductsFound, Shipment,
};

use super::lang::{self, Lang, words};

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
        tools::SEARCH_KNOWLEDGE => parse(content).map(|found| knowledge(&found, question)),
        tools::ADD_TO_CART => parse(content).map(|cart| cart_action(&cart, question)),
        tools::HANDOFF_TO_HUMAN => parse(content).map(|handoff| handoff_text(&handoff, question)),
        _ => None,
    };
    text.unwrap_or_else(|| format!("{} {}", p.no_answer, p.offer_human))
}

// ---- products --------------------------------------------------------------------------

fn products_found(found: &ProductsFound, query: &str, question: &Question) -> String {
    let p = phrases(question.lang);
    if found.products.is_empty() {
        return format!("{} {}", p.no_products, p.offer_human);
    }
    // The search always finds something; say so when it is not what was asked for.
    let exact = found
        .products
        .first()
        .is_some_and(|card| answers_query(card, query));
    let (intro, shown) = if exact {
        (p.products_intro, 5)
    } else {
        (p.products_closest, 3)
    };
    let mut out = String::from(intro);
    for card in found.products.iter().take(shown) {
        out.push('\n');
        out.push_str(&format!(
            "- {}: {} ({}). {}",
            card.title,
            price_range(card, question.lang),
            if card.available {
                p.in_stock
            } else {
                p.sold_out
            },
            card.url
        ));
        if let Some(lead) = first_sentence(&card.summary) {
            out.push_str(&format!("\n  {lead}"));
        }
    }
    out
}

/// Words of a product query that say nothing about which product ("gift for my dad").
#[rustfmt::skip]
const BROAD_QUERY: &[&str] = &[
    "gift", "gifts", "present", "new", "sale", "best", "good", "great", "nice", "cheap",
    "cheaper", "lighter", "warm", "warmer", "something", "anything", "stuff", "season", "year",
    "years", "old", "dad", "mom", "mother", "father", "wife", "husband", "friend", "sister",
    "brother", "son", "daughter", "kid", "loves", "love", "likes", "making", "right", "now",
    "today", "men", "women", "man", "woman",
];

/// Whether `card` is what `query` asks for: it has more than half of the query's telling words,
/// in its title or summary. A query of broad words only ("gift", "sale") is answered by
/// anything the search found.
fn answers_query(card: &ProductCard, query: &str) -> bool {
    let text = words(&format!("{} {}", card.title, card.summary));
    let telling: Vec<String> = words(query)
        .into_iter()
        .filter(|w| {
            is_term(w)
                && !BROAD_QUERY.contains(&w.as_str())
                && !w.chars().all(|c| c.is_ascii_digit())
        })
        .collect();
    if telling.is_empty() {
        return true;
    }
    let matched = telling
        .iter()
        .filter(|t| text.iter().any(|w| term_matches(t, w)))
        .count();
    matched * 2 > telling.len()
}

fn price_range(card: &ProductCard, lang: Lang) -> String {
    if (card.price_max - card.price_min).abs() < 0.005 {
        money(card.price_min, &card.currency, lang)
    } else {
        format!(
            "{}–{}",
            money(card.price_min, &card.currency, lang),
            money(card.price_max, &card.currency, lang)
        )
    }
}

/// The first sentence of `text`, if it is short enough to quote.
fn first_sentence(text: &str) -> Option<String> {
    let sentence = segments(text).into_iter().next()?;
    let sentence = sentence.trim_end_matches('…').trim();
    (sentence.chars().count() <= 200 && !sentence.is_empty()).then(|| sentence.to_owned())
}

/// Questions about an option: the colours or sizes a product comes in.
#[rustfmt::skip]
const COLOUR_WORDS: &[&str] = &[
    "color", "colors", "colour", "colours", "couleur*", "color*", "colores", "farbe*",
];
const SIZE_WORDS: &[&str] = &["sizes", "what size*", "tailles", "tallas", "grossen"];
#[rustfmt::skip]
const PRICE_WORDS: &[&str] = &[
    "how much", "price", "cost*", "combien", "coute", "prix", "cuanto", "cuesta", "precio",
    "kostet", "preis", "kosten",
];
#[rustfmt::skip]
const TIME_WORDS: &[&str] = &[
    "how long", "when", "what time", "hours", "days", "quand", "combien de temps", "delai",
    "cuando", "cuanto tarda", "tarda", "wie lange", "wann", "dauert",
];
/// Question words about a product that ask nothing specific.
#[rustfmt::skip]
const GENERIC: &[&str] = &[
    "tell", "about", "details", "detail", "info", "information", "describe", "what", "much",
    "price", "cost", "costs", "product", "item", "parle", "cuentame", "erzahl", "mehr", "more",
    "moi", "plus", "sobre", "uber", "coute", "combien", "prix", "cuesta", "cuanto", "precio",
    "kostet", "preis", "please", "ok",
];

/// What a question about a product attribute is answered by, in a description's words.
#[rustfmt::skip]
const ATTRIBUTES: &[(&[&str], &str)] = &[
    (&["come in", "comes in", "comes with", "include*", "contents", "what s in", "in the box",
       "contient", "incluye", "viene con", "enthalt", "lieferumfang", "dabei"],
     "includes included contents pieces set kit"),
    (&["weigh*", "weight", "heavy", "poids", "pese", "peso", "pesa", "gewicht", "wiegt",
       "schwer"],
     "weight weighs kg lb"),
    (&["made", "where * from", "fabrique", "hecho", "fabricado", "hergestellt"],
     "made manufactured sewn crafted origin"),
    (&["made of", "material*", "fabric", "matiere", "tissu", "tela", "stoff"],
     "fabric material shell lining cotton wool nylon leather canvas polyester"),
    (&["capacity", "how big", "volume", "liters", "litres", "contenance", "capacidad",
       "volumen", "fassungsvermogen"],
     "capacity liters liter volume"),
    (&["waterproof", "water resistant", "rain", "impermeable", "wasserdicht"],
     "waterproof water resistant rain"),
    (&["warm*", "cold", "temperature", "chaud", "abrigado", "caliente"],
     "warm warmth temperature comfort insulation rated"),
    (&["fit", "fits", "sizing", "true to size", "taille", "talla", "passform"],
     "fit fits sizing size"),
    (&["dimension*", "how big", "measure*", "dimensions", "medidas", "masse"],
     "dimensions measures cm packed"),
    (&["burn", "battery", "last", "lasts", "runtime", "charge", "autonomie", "bateria",
       "akku"],
     "hours burn battery runtime charge"),
    (&["ship", "ships", "shipping", "preorder", "expedie", "envia", "versand"],
     "ships ship preorder preorders date"),
    (&["wash*", "care", "clean*", "laver", "lavar", "waschen"],
     "care wash clean"),
    (&["dishwasher", "microwave", "oven", "lave vaisselle", "lavavajillas", "spulmaschine"],
     "dishwasher microwave oven safe"),
    (&["warranty", "guarantee", "garantie", "garantia"],
     "warranty guarantee"),
];

fn product_detail(detail: &ProductDetail, question: &Question) -> String {
    let p = phrases(question.lang);
    let card = &detail.card;
    let mut out = fill(
        p.product_headline,
        &[
            ("title", card.title.as_str()),
            ("price", &price_range(card, question.lang)),
            (
                "availability",
                if card.available {
                    p.in_stock
                } else {
                    p.sold_out
                },
            ),
        ],
    );
    let name_words: HashSet<String> = words(&card.title).into_iter().collect();
    let mut terms: Vec<String> = question
        .terms
        .iter()
        .filter(|t| !name_words.contains(*t) && !GENERIC.contains(&t.as_str()))
        .cloned()
        .collect();
    for (cues, words) in ATTRIBUTES {
        if question.asks(cues) {
            terms.extend(words.split(' ').map(str::to_owned));
        }
    }
    let mut told = false;
    for (option_words, names) in [
        (COLOUR_WORDS, &["color", "colour", "couleur", "farbe"][..]),
        (SIZE_WORDS, &["size", "taille", "talla", "grosse"][..]),
    ] {
        if !question.asks(option_words) {
            continue;
        }
        let option = detail
            .options
            .iter()
            .find(|o| names.iter().any(|n| lang::fold(&o.name).starts_with(n)));
        if let Some(option) = option {
            let values: Vec<String> = option
                .values
                .iter()
                .map(|value| {
                    let on_sale = detail
                        .variants
                        .iter()
                        .any(|v| v.available && v.title.split(" / ").any(|part| part == value));
                    if on_sale {
                        value.clone()
                    } else {
                        format!("{value} ({})", p.sold_out)
                    }
                })
                .collect();
            out.push_str(&format!(" {}: {}.", option.name, values.join(", ")));
            told = true;
        }
    }
    let asked_price = question.asks(PRICE_WORDS);
    if !told && !terms.is_empty() {
        let picked = best_sentences(&[(&detail.description, 1.0)], &terms, question, 2, 0.5);
        if picked.is_empty() {
            if !asked_price {
                out.push(' ');
                out.push_str(p.not_in_description);
                out.push(' ');
                out.push_str(p.offer_human);
            }
        } else {
            out.push_str(&format!(" {}", p.description_says));
            for (_, sentence) in picked {
                out.push_str(&format!("\n- {sentence}"));
            }
        }
    } else if !told && !asked_price {
        // "Tell me about …": the description's opening.
        let opening: Vec<String> = segments(&detail.description).into_iter().take(2).collect();
        if !opening.is_empty() {
            out.push(' ');
            out.push_str(&opening.join(" "));
        }
    }
    out.push('\n');
    out.push_str(&card.url);
    out
}

fn inventory(stock: &Inventory, arguments: &Value, question: &Question) -> String {
    let p = phrases(question.lang);
    let card = &stock.product;
    let asked = arguments
        .get("variant")
        .and_then(Value::as_str)
        .filter(|v| !v.trim().is_empty());
    let mut out = String::new();
    if let (Some(asked), false) = (asked, stock.variant_matched) {
        out.push_str(&fill(
            p.no_such_variant,
            &[("variant", asked), ("title", &card.title)],
        ));
        out.push(' ');
    }
    let shown: Vec<_> = if stock.variants.len() > 12 && !stock.variant_matched {
        // Many options: the ones to be had, then how many others are out.
        stock
            .variants
            .iter()
            .filter(|v| v.available)
            .take(12)
            .collect()
    } else {
        stock.variants.iter().collect()
    };
    let lead = match (stock.variant_matched && asked.is_some(), shown.as_slice()) {
        (true, [only]) => fill(
            if only.available {
                p.variant_in_stock
            } else {
                p.variant_sold_out
            },
            &[
                ("title", card.title.as_str()),
                ("variant", only.title.as_str()),
            ],
        ),
        _ => fill(
            if card.available {
                p.product_in_stock
            } else {
                p.product_sold_out
            },
            &[("title", card.title.as_str())],
        ),
    };
    out.push_str(&lead);
    out.push(' ');
    out.push_str(&fill(
        p.price_is,
        &[("price", &price_range(card, question.lang))],
    ));
    for variant in &shown {
        let places: Vec<String> = variant
            .locations
            .iter()
            .map(|l| {
                fill(
                    p.at_location,
                    &[
                        ("count", &l.available.max(0).to_string()),
                        ("location", &l.location),
                    ],
                )
            })
            .collect();
        let state = if variant.available {
            p.in_stock
        } else {
            p.sold_out
        };
        out.push_str(&format!(
            "\n- {}: {state}",
            variant_label(&variant.title, &card.title)
        ));
        if !places.is_empty() {
            out.push_str(&format!(" ({})", places.join(", ")));
        }
    }
    let hidden = stock.variants.len() - shown.len();
    if hidden > 0 {
        out.push_str(&format!(
            "\n{}",
            fill(p.others_sold_out, &[("count", &hidden.to_string())])
        ));
    }
    if !stock.variants.iter().any(|v| v.available) {
        out.push_str(&format!("\n{}", p.check_other));
    }
    out.push('\n');
    out.push_str(&card.url);
    out
}

/// "Default Title" is Shopify's name for a product without options.
fn variant_label<'a>(variant: &'a str, product: &'a str) -> &'a str {
    if variant == "Default Title" || variant.is_empty() {
        product
    } else {
        variant
    }
}

fn cart_action(cart: &CartAction, question: &Question) -> String {
    let p = phrases(question.lang);
    let item = if cart.variant_title.is_empty() {
        cart.product_title.clone()
    } else {
        format!("{} ({})", cart.product_title, cart.variant_title)
    };
    let template = if cart.available {
        p.cart_ready
    } else {
        p.cart_sold_out
    };
    fill(
        template,
        &[
            ("quantity", &cart.quantity.to_string()),
            ("item", &item),
            ("price", &money(cart.price, &cart.currency, question.lang)),
        ],
    )
}

// ---- orders ------------------------------------------------------------------------------

fn order_status(status: &OrderStatus, question: &Question) -> String {
    let p = phrases(question.lang);
    match status {
        OrderStatus::Found { order } => order_found(order, question),
        OrderStatus::NeedsEmail { order_number } => {
            fill(p.order_needs_email, &[("order", order_number)])
        }
        OrderStatus::NotVerified { order_number, .. } => {
            fill(p.order_not_verified, &[("order", order_number)])
        }
        OrderStatus::Locked => format!("{} {}", p.order_locked, p.offer_human),
    }
}

fn order_found(order: &Order, question: &Question) -> String {
    let lang = question.lang;
    let p = phrases(lang);
    let total = match order.total.trim().parse::<f64>() {
        Ok(amount) => money(amount, &order.currency, lang),
        Err(_) => format!("{} {}", order.total, order.currency),
    };
    let mut out = fill(
        p.order_headline,
        &[
            ("order", &order.name),
            ("date", &date(&order.created_at, lang)),
            ("status", &status_words(&order.fulfillment_status, lang)),
        ],
    );
    if let Some(cancelled) = &order.cancelled_at {
        out.push(' ');
        out.push_str(&fill(
            p.order_cancelled,
            &[("date", &date(cancelled, lang))],
        ));
    }
    if let Some(financial) = order.financial_status.as_deref().filter(|f| *f != "PAID") {
        out.push(' ');
        out.push_str(&fill(
            p.order_payment,
            &[
                ("status", &status_words(financial, lang)),
                ("total", &total),
            ],
        ));
    } else {
        out.push(' ');
        out.push_str(&fill(p.order_total, &[("total", &total)]));
    }
    if !order.lines.is_empty() {
        out.push_str(&format!("\n{}: {}", p.items, lines(&order.lines)));
    }
    let several = order.shipments.len() > 1;
    for (i, shipment) in order.shipments.iter().enumerate() {
        out.push('\n');
        out.push_str(&shipment_text(shipment, several.then_some(i + 1), lang));
    }
    let waiting = unshipped(order);
    if !order.shipments.is_empty() && !waiting.is_empty() && order.cancelled_at.is_none() {
        out.push_str(&format!("\n{}: {}", p.not_shipped_yet, lines(&waiting)));
    }
    if let Some(url) = &order.status_url {
        out.push_str(&format!("\n{}: {url}", p.order_page));
    }
    out
}

fn lines(lines: &[OrderLine]) -> String {
    lines
        .iter()
        .map(|line| match &line.variant {
            Some(variant) => format!("{} × {} ({variant})", line.quantity, line.title),
            None => format!("{} × {}", line.quantity, line.title),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn shipment_text(shipment: &Shipment, number: Option<usize>, lang: Lang) -> String {
    let p = phrases(lang);
    let company = shipment
        .tracking
        .iter()
        .find_map(|t| t.company.clone())
        .unwrap_or_default();
    let label = match number {
        Some(n) => format!("{} {n}", p.package),
        None => p.shipment.to_owned(),
    };
    let label = if company.is_empty() {
        label
    } else {
        format!("{label} ({company})")
    };
    let state = shipment
        .delivery_status
        .as_deref()
        .unwrap_or(&shipment.status);
    let mut out = format!("{label}: {}.", status_words(state, lang));
    for tracking in &shipment.tracking {
        match (&tracking.number, &tracking.url) {
            (Some(number), Some(url)) => {
                out.push_str(&format!(" {}: {number} ({url}).", p.tracking))
            }
            (Some(number), None) => out.push_str(&format!(" {}: {number}.", p.tracking)),
            (None, Some(url)) => out.push_str(&format!(" {}: {url}.", p.tracking)),
            (None, None) => {}
        }
    }
    if let Some(delivered) = &shipment.delivered_at {
        out.push_str(&format!(" {}: {}.", p.delivered_on, date(delivered, lang)));
    } else if let Some(estimate) = &shipment.estimated_delivery {
        out.push_str(&format!(
            " {}: {}.",
            p.estimated_delivery,
            date(estimate, lang)
        ));
    }
    if number.is_some() && !shipment.lines.is_empty() {
        out.push_str(&format!(" {}: {}.", p.contains, lines(&shipment.lines)));
    }
    out
}

/// The order's lines (and quantities) that no shipment carries yet.
fn unshipped(order: &Order) -> Vec<OrderLine> {
    order
        .lines
        .iter()
        .filter_map(|line| {
            let shipped: i64 = order
                .shipments
                .iter()
                .flat_map(|s| &s.lines)
                .filter(|l| l.title == line.title && l.variant == line.variant)
                .map(|l| l.quantity)
                .sum();
            let left = line.quantity - shipped;
            (left > 0).then(|| OrderLine {
                quantity: left,
                ..line.clone()
            })
        })
        .collect()
}

/// Shopify's status words (`IN_TRANSIT`, `PARTIALLY_FULFILLED`…) in the shopper's language.
fn status_words(status: &str, lang: Lang) -> String {
    let index = match lang {
        Lang::En => 0,
        Lang::Fr => 1,
        Lang::Es => 2,
        Lang::De => 3,
    };
    STATUS_WORDS
        .iter()
        .find(|(code, _)| code.eq_ignore_ascii_case(status))
        .map(|(_, names)| names[index].to_owned())
        .unwrap_or_else(|| status.to_lowercase().replace('_', " "))
}

/// Shopify's status codes in the four languages (en, fr, es, de).
#[rustfmt::skip]
const STATUS_WORDS: &[(&str, [&str; 4])] = &[
    ("FULFILLED", ["shipped", "expédiée", "enviado", "versandt"]),
    ("UNFULFILLED", ["not shipped yet", "pas encore expédiée", "aún no enviado", "noch nicht versandt"]),
    ("PARTIALLY_FULFILLED", ["partly shipped", "partiellement expédiée", "enviado en parte", "teilweise versandt"]),
    ("ON_HOLD", ["on hold", "en attente", "en espera", "angehalten"]),
    ("SCHEDULED", ["scheduled to ship later", "expédition programmée", "envío programado", "Versand geplant"]),
    ("IN_PROGRESS", ["being prepared", "en préparation", "en preparación", "in Bearbeitung"]),
    ("PENDING_FULFILLMENT", ["waiting to be prepared", "en attente de préparation", "pendiente de preparación", "wartet auf Bearbeitung"]),
    ("OPEN", ["open", "ouverte", "abierto", "offen"]),
    ("RESTOCKED", ["cancelled, items restocked", "annulée, articles remis en stock", "cancelado, artículos repuestos", "storniert, Artikel zurückgelegt"]),
    ("IN_TRANSIT", ["in transit", "en transit", "en tránsito", "unterwegs"]),
    ("OUT_FOR_DELIVERY", ["out for delivery", "en cours de livraison", "en reparto", "in Zustellung"]),
    ("DELIVERED", ["delivered", "livré", "entregado", "zugestellt"]),
    ("ATTEMPTED_DELIVERY", ["a delivery attempt failed", "tentative de livraison échouée", "intento de entrega fallido", "Zustellversuch fehlgeschlagen"]),
    ("READY_FOR_PICKUP", ["ready for pickup", "prêt à être retiré", "listo para recoger", "abholbereit"]),
    ("PICKED_UP", ["picked up", "retiré", "recogido", "abgeholt"]),
    ("LABEL_PRINTED", ["label created, not yet with the carrier", "étiquette créée, pas encore chez le transporteur", "etiqueta creada, aún no entregado al transportista", "Etikett erstellt, noch nicht beim Versanddienst"]),
    ("LABEL_PURCHASED", ["label created, not yet with the carrier", "étiquette créée, pas encore chez le transporteur", "etiqueta creada, aún no entregado al transportista", "Etikett erstellt, noch nicht beim Versanddienst"]),
    ("CONFIRMED", ["confirmed by the carrier", "confirmé par le transporteur", "confirmado por el transportista", "vom Versanddienst bestätigt"]),
    ("DELAYED", ["delayed", "retardé", "retrasado", "verspätet"]),
    ("FAILURE", ["delivery failed", "échec de livraison", "entrega fallida", "Zustellung fehlgeschlagen"]),
    ("NOT_DELIVERED", ["not delivered", "non livré", "no entregado", "nicht zugestellt"]),
    ("SUCCESS", ["shipped", "expédié", "enviado", "versandt"]),
    ("CANCELLED", ["cancelled", "annulé", "cancelado", "storniert"]),
    ("PAID", ["paid", "payée", "pagado", "bezahlt"]),
    ("PENDING", ["pending", "en attente", "pendiente", "ausstehend"]),
    ("AUTHORIZED", ["authorized, not yet charged", "autorisé, pas encore débité", "autorizado, aún no cobrado", "autorisiert, noch nicht abgebucht"]),
    ("PARTIALLY_PAID", ["partly paid", "partiellement payée", "pagado en parte", "teilweise bezahlt"]),
    ("REFUNDED", ["refunded", "remboursée", "reembolsado", "erstattet"]),
    ("PARTIALLY_REFUNDED", ["partly refunded", "partiellement remboursée", "reembolsado en parte", "teilweise erstattet"]),
    ("VOIDED", ["voided", "annulé", "anulado", "storniert"]),
    ("EXPIRED", ["expired", "expiré", "vencido", "abgelaufen"]),
];

/// "2026-11-18T…" as "November 18, 2026" (or the language's form); anything else as given.
fn date(value: &str, lang: Lang) -> String {
    let parts: Vec<&str> = value.get(..10).unwrap_or("").split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return value.to_owned();
    };
    let (Ok(month), Ok(day)) = (month.parse::<usize>(), day.parse::<u32>()) else {
        return value.to_owned();
    };
    let months = match lang {
        Lang::En => &MONTHS[0],
        Lang::Fr => &MONTHS[1],
        Lang::Es => &MONTHS[2],
        Lang::De => &MONTHS[3],
    };
    let Some(name) = month.checked_sub(1).and_then(|m| months.get(m)) else {
        return value.to_owned();
    };
    match lang {
        Lang::En => format!("{name} {day}, {year}"),
        Lang::Fr => format!("{day} {name} {year}"),
        Lang::Es => format!("{day} de {name} de {year}"),
        Lang::De => format!("{day}. {name} {year}"),
    }
}

#[rustfmt::skip]
const MONTHS: [[&str; 12]; 4] = [
    ["January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"],
    ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
     "octobre", "novembre", "décembre"],
    ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
     "octubre", "noviembre", "diciembre"],
    ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
     "Oktober", "November", "Dezember"],
];

// ---- knowledge -----------------------------------------------------------------------------

fn knowledge(found: &KnowledgeFound, question: &Question) -> String {
    let p = phrases(question.lang);
    let passages: Vec<_> = found.passages.iter().take(3).collect();
    // How sure the search was of each passage, relative to the best one, and its rank.
    let top = passages.first().map_or(0.0, |p| p.score);
    let texts: Vec<(&str, f64)> = passages
        .iter()
        .enumerate()
        .map(|(rank, passage)| {
            let relative = if top > 0.0 && passage.score > 0.0 {
                passage.score / top
            } else {
                1.0
            };
            let confidence = relative * (1.0 - 0.05 * rank as f64);
            (passage.text.as_str(), confidence.clamp(0.5, 1.0))
        })
        .collect();
    let picked = best_sentences(&texts, &question.terms, question, 3, 0.6);
    if picked.is_empty() {
        return format!("{} {}", p.knowledge_unknown, p.offer_human);
    }
    let mut used: Vec<usize> = Vec::new();
    let mut out = String::new();
    // Table rows and list items end without a full stop: one per line then.
    let prose = picked
        .iter()
        .all(|(_, sentence)| sentence.ends_with(['.', '!', '?', '…']));
    for (index, sentence) in &picked {
        if !out.is_empty() {
            out.push(if prose { ' ' } else { '\n' });
        }
        out.push_str(sentence);
        if !used.contains(index) {
            used.push(*index);
        }
    }
    let mut cited: Vec<String> = Vec::new();
    for index in used {
        let passage = passages[index];
        let source = match &passage.url {
            Some(url) => format!("{} ({url})", passage.title),
            None => passage.title.clone(),
        };
        if !cited.contains(&source) {
            out.push_str(&format!("\n{}: {source}", p.source));
            cited.push(source);
        }
    }
    out
}

// ---- matching --------------------------------------------------------------------------------

/// `text` cut into sentences, and list items run together ("… finish Care: wash cold …").
fn segments(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let mut current: Vec<&str> = Vec::new();
        for (i, token) in tokens.iter().enumerate() {
            if !current.is_empty() && starts_label(&tokens, i) {
                out.push(current.join(" "));
                current.clear();
            }
            current.push(token);
            if ends_sentence(token, tokens.get(i + 1).copied()) {
                out.push(current.join(" "));
                current.clear();
            }
        }
        if !current.is_empty() {
            out.push(current.join(" "));
        }
    }
    out.into_iter()
        .map(|s| {
            let s = s.trim().trim_matches('|').trim();
            s.trim_start_matches(['-', '•', '*', '–', '·'])
                .trim()
                .to_owned()
        })
        .filter(|s| s.chars().any(char::is_alphanumeric))
        .collect()
}

/// Whether a label ("Care:", "Shell and lining:", "Total weight:") starts at `tokens[i]`.
fn starts_label(tokens: &[&str], i: usize) -> bool {
    let capital = |t: &str| t.chars().next().is_some_and(char::is_uppercase);
    let label_end = |t: &str| t.ends_with(':') && !t.chars().any(|c| c.is_ascii_digit());
    if !capital(tokens[i]) {
        return false;
    }
    if i > 0 && tokens[i - 1].ends_with([',', ';', ':']) {
        return false;
    }
    (i..tokens.len().min(i + 3))
        .find(|&j| tokens[j].ends_with(':') || tokens[j].ends_with([',', '.', ';']))
        .is_some_and(|j| label_end(tokens[j]) && (i..j).all(|k| !tokens[k].ends_with(':')))
}

fn ends_sentence(token: &str, next: Option<&str>) -> bool {
    let Some(next) = next else {
        return false;
    };
    let ends = token.ends_with(['.', '!', '?']) || token.ends_with(".)") || token.ends_with(".\"");
    // "e.g.", "U.S.", "No." and the like do not end a sentence.
    let abbreviation = matches!(
        token.to_lowercase().as_str(),
        "e.g."
            | "i.e."
            | "u.s."
            | "no."
            | "mr."
            | "mrs."
            | "dr."
            | "st."
            | "approx."
            | "vs."
            | "etc."
    );
    let opens = next
        .chars()
        .next()
        .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit() || "\"'(¿¡".contains(c));
    ends && !abbreviation && opens
}

/// A word's stem, enough to match "shipping" with "ships" and "washing" with "wash".
fn stem(word: &str) -> &str {
    for suffix in ["ing", "ies", "ed", "es", "s"] {
        if let Some(stem) = word.strip_suffix(suffix)
            && stem.chars().count() >= 3
        {
            return stem;
        }
    }
    word
}

fn term_matches(term: &str, word: &str) -> bool {
    if term == word {
        return true;
    }
    let (t, w) = (stem(term), stem(word));
    t.len() >= 3
        && w.len() >= 3
        && (t == w || (t.len() >= 4 && w.len() >= 4 && (w.starts_with(t) || t.starts_with(w))))
}

/// Questions whose answer is a procedure, told in the sentences that follow its start.
#[rustfmt::skip]
const HOW_TO: &[&str] = &[
    "how do i", "how to", "how can i", "how should i", "what should i do", "what do i do",
    "comment", "que dois je faire", "como puedo", "como hago", "como se", "como lavo",
    "que debo hacer", "wie * ich", "wie kann ich", "was soll ich",
];

/// Question words that match too much to pick a sentence on their own.
#[rustfmt::skip]
const WEAK_TERMS: &[&str] = &[
    "how", "long", "much", "many", "time", "take", "takes", "get", "need", "can", "make", "know",
    "want", "day", "days", "use", "used", "good", "best", "new", "way", "ways", "thing", "things",
    "like", "well", "really", "still", "store", "shop", "item", "items", "product", "products",
    "order", "orders", "buy", "bought", "put", "cost", "costs", "price", "prices", "fee",
    "fees", "charge", "pay", "paid",
];

/// A candidate sentence: which text, where in it, its words.
struct Candidate {
    index: usize,
    position: usize,
    sentence: String,
    words: Vec<String>,
}

/// Up to `limit` sentences of `texts` (each with the search's confidence in it, 0.5 to 1) that
/// answer `terms`, best first by score but returned in reading order; each with the index of
/// its text. Sentences scoring under `floor` of the
/// best one are left out, and so is everything when nothing matches. A question picked from
/// an FAQ ("Q: … ?") gives way to the answer that follows it.
fn best_sentences(
    texts: &[(&str, f64)],
    terms: &[String],
    question: &Question,
    limit: usize,
    floor: f64,
) -> Vec<(usize, String)> {
    let candidates: Vec<Candidate> = texts
        .iter()
        .enumerate()
        .flat_map(|(index, (text, _))| {
            segments(text)
                .into_iter()
                .enumerate()
                .map(move |(position, sentence)| Candidate {
                    index,
                    position,
                    words: words(&sentence),
                    sentence,
                })
        })
        .collect();
    if candidates.is_empty() {
        return Vec::new();
    }
    let terms: Vec<&String> = {
        let mut seen = HashSet::new();
        terms.iter().filter(|t| seen.insert(t.as_str())).collect()
    };
    // Rare words say more than common ones.
    let weight = |term: &str| {
        let containing = candidates
            .iter()
            .filter(|c| c.words.iter().any(|w| term_matches(term, w)))
            .count();
        if containing == 0 {
            0.0
        } else {
            (1.0 + candidates.len() as f64 / containing as f64).ln()
        }
    };
    let weights: Vec<(&String, f64)> = terms.iter().map(|t| (*t, weight(t))).collect();
    let asks_price = question.asks(PRICE_WORDS);
    let asks_time = question.asks(TIME_WORDS);
    let asks_phone = question.asks(&["phone", "call", "telephone", "telefono", "telefon*"]);
    let asks_email = question.asks(&["email", "e mail", "courriel", "correo", "mail"]);
    let mut scored: Vec<(f64, &Candidate)> = candidates
        .iter()
        .filter(|c| !is_table_header(&c.sentence))
        .map(|c| {
            let matched: Vec<&(&String, f64)> = weights
                .iter()
                .filter(|(term, _)| c.words.iter().any(|w| term_matches(term, w)))
                .collect();
            if !matched
                .iter()
                .any(|(term, _)| !WEAK_TERMS.contains(&term.as_str()))
            {
                return (0.0, c);
            }
            // Weak words count a little: the price is asked by the money bonus below.
            let mut score: f64 = matched
                .iter()
                .map(|(term, weight)| {
                    if WEAK_TERMS.contains(&term.as_str()) {
                        weight * 0.3
                    } else {
                        *weight
                    }
                })
                .sum();
            let has_money = c.sentence.contains(['$', '€', '£']);
            let has_number = c.sentence.chars().any(|ch| ch.is_ascii_digit());
            if asks_price && has_money {
                score += 1.0;
            }
            if asks_time && has_number {
                score += 0.5;
            }
            // A sentence cut short may have lost its point.
            if c.sentence.ends_with('…') {
                score *= 0.7;
            }
            // "What's your phone number?" is answered by a number, not by a privacy notice
            // that mentions phone numbers.
            let digits = c.sentence.chars().filter(char::is_ascii_digit).count();
            if (asks_phone && digits >= 7) || (asks_email && c.sentence.contains('@')) {
                score += 1.0;
            }
            // The search's confidence in the passage.
            score *= texts[c.index].1;
            (score, c)
        })
        .filter(|(score, _)| *score > 0.0)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let Some(best) = scored.first().map(|s| s.0) else {
        return Vec::new();
    };
    let mut picked: Vec<&Candidate> = Vec::new();
    for (score, candidate) in scored {
        if score < best * floor || picked.len() >= limit {
            break;
        }
        // "Q: What payment methods do you accept?" is answered by the next sentence.
        let candidate = if is_question_line(&candidate.sentence) {
            match candidates
                .iter()
                .find(|c| c.index == candidate.index && c.position == candidate.position + 1)
            {
                Some(answer) => answer,
                None => continue,
            }
        } else {
            candidate
        };
        let same = |c: &&Candidate| normal(&c.sentence) == normal(&candidate.sentence);
        if !picked.iter().any(same) {
            picked.push(candidate);
        }
    }
    // "How do I …?": the steps go on after the best sentence.
    // Not in a list of questions and answers, where the next sentence answers another one.
    let faq = |index: usize| {
        candidates
            .iter()
            .any(|c| c.index == index && is_question_line(&c.sentence))
    };
    if question.asks(HOW_TO)
        && let Some(first) = picked.first().copied()
        && !faq(first.index)
    {
        let next = candidates
            .iter()
            .filter(|c| c.index == first.index && c.position > first.position)
            .filter(|c| !is_table_header(&c.sentence) && !is_question_line(&c.sentence))
            .take(2);
        for candidate in next {
            if picked.len() < limit + 2
                && !picked
                    .iter()
                    .any(|p| p.position == candidate.position && p.index == candidate.index)
            {
                picked.push(candidate);
            }
        }
    }
    picked.sort_by_key(|c| (c.index, c.position));
    picked
        .into_iter()
        .map(|c| (c.index, quote(strip_answer_mark(&c.sentence))))
        .collect()
}

/// A question of an FAQ ("Q: Do you ship to Canada?"), not an answer.
fn is_question_line(sentence: &str) -> bool {
    let sentence = sentence.trim();
    sentence.ends_with('?') || sentence.starts_with("Q:") || sentence.starts_with("Question:")
}

/// A table's header row ("Destination | Method | Price"): no figures, nothing to quote.
fn is_table_header(sentence: &str) -> bool {
    sentence.contains('|') && !sentence.chars().any(|c| c.is_ascii_digit())
}

/// "A: Visa, Mastercard…" → "Visa, Mastercard…".
fn strip_answer_mark(sentence: &str) -> &str {
    sentence
        .strip_prefix("A:")
        .or_else(|| sentence.strip_prefix("R:"))
        .or_else(|| sentence.strip_prefix("Answer:"))
        .map_or(sentence, str::trim_start)
}

/// A sentence compared without case, spacing or punctuation.
fn normal(sentence: &str) -> String {
    words(sentence).join(" ")
}

/// A sentence as quoted: at most about 300 characters.
fn quote(sentence: &str) -> String {
    const MAX: usize = 300;
    if sentence.chars().count() <= MAX {
        return sentence.to_owned();
    }
    let cut: String = sentence.chars().take(MAX).collect();
    let cut = cut.rfind(' ').map_or(cut.as_str(), |space| &cut[..space]);
    format!("{cut}…")
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

// ---- words ----------------------------------------------------------------------------------

/// `amount` as the shopper's language writes money: "$189.00", "189,00 $".
pub fn money(amount: f64, currency: &str, lang: Lang) -> String {
    let symbol = match currency {
        "USD" | "CAD" | "AUD" | "NZD" | "MXN" => "$",
        "EUR" => "€",
        "GBP" => "£",
        other => other,
    };
    let number = format!("{amount:.2}");
    match lang {
        Lang::En if symbol.len() <= 3 && !symbol.chars().all(|c| c.is_ascii_uppercase()) => {
            format!("{symbol}{number}")
        }
        Lang::En => format!("{number} {symbol}"),
        _ => format!("{} {symbol}", number.replace('.', ",")),
    }
}

/// `template` with each `{key}` replaced.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (key, value) in values {
        out = out.replace(&format!("{{{key}}}"), value);
    }
    out
}

/// The frame of the answers, per language.
struct Phrases {
    in_stock: &'static str,
    sold_out: &'static str,
    offer_human: &'static str,
    offer_search: &'static str,
    no_answer: &'static str,
    lookup_failed: &'static str,
    no_products: &'static str,
    products_intro: &'static str,
    products_closest: &'static str,
    price_is: &'static str,
    product_headline: &'static str,
    description_says: &'static str,
    not_in_description: &'static str,
    no_such_product: &'static str,
    no_such_variant: &'static str,
    variant_in_stock: &'static str,
    variant_sold_out: &'static str,
    product_in_stock: &'static str,
    product_sold_out: &'static str,
    at_location: &'static str,
    others_sold_out: &'static str,
    check_other: &'static str,
    cart_ready: &'static str,
    cart_sold_out: &'static str,
    cart_choose: &'static str,
    cart_item_sold_out: &'static str,
    cart_refused: &'static str,
    cart_unavailable: &'static str,
    order_headline: &'static str,
    order_cancelled: &'static str,
    order_payment: &'static str,
    order_total: &'static str,
    items: &'static str,
    not_shipped_yet: &'static str,
    order_page: &'static str,
    package: &'static str,
    shipment: &'static str,
    tracking: &'static str,
    delivered_on: &'static str,
    estimated_delivery: &'static str,
    contains: &'static str,
    order_needs_email: &'static str,
    order_not_verified: &'static str,
    order_locked: &'static str,
    order_number_format: &'static str,
    knowledge_unknown: &'static str,
    source: &'static str,
    handoff_now: &'static str,
    handoff_later: &'static str,
    handoff_later_email: &'static str,
    handoff_need_email: &'static str,
    handoff_bad_email: &'static str,
    handoff_failed: &'static str,
}

fn phrases(lang: Lang) -> &'static Phrases {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
        Lang::Es => &ES,
        Lang::De => &DE,
    }
}

const EN: Phrases = Phrases {
    in_stock: "in stock",
    sold_out: "sold out",
    offer_human: "Would you like me to connect you with someone from our team?",
    offer_search: "Tell me a little more about what you're looking for and I'll search the catalog.",
    no_answer: "I'm sorry, I don't know the answer to that, and I'd rather not guess.",
    lookup_failed: "Sorry, I couldn't look that up just now. Please try again in a moment.",
    no_products: "I couldn't find anything matching that in our catalog; we may not carry it.",
    products_intro: "Here's what I found:",
    products_closest: "I couldn't find an exact match, so we may not carry that. The closest items in our catalog:",
    price_is: "Price: {price}.",
    product_headline: "The {title} is {price} and {availability}.",
    description_says: "From the product description:",
    not_in_description: "The product description doesn't say, and I'd rather not guess.",
    no_such_product: "I couldn't find a product called \"{product}\" in our catalog.",
    no_such_variant: "I couldn't find a \"{variant}\" option for the {title}.",
    variant_in_stock: "Yes, the {title} in {variant} is in stock.",
    variant_sold_out: "Sorry, the {title} in {variant} is sold out right now.",
    product_in_stock: "Here's the stock of the {title}:",
    product_sold_out: "Sorry, the {title} is sold out right now:",
    at_location: "{count} at {location}",
    others_sold_out: "{count} other options are sold out.",
    check_other: "Would you like me to check another size or colour, or find something similar?",
    cart_ready: "Ready to add to your cart: {quantity} × {item}, {price} each. Please confirm to add it.",
    cart_sold_out: "Sorry, {item} is sold out, so I can't add it to your cart.",
    cart_choose: "Which one would you like? The options are: {choices}.",
    cart_item_sold_out: "Sorry, {item} is sold out, so I can't add it to your cart. Would you like another size or colour?",
    cart_refused: "I can add items to your cart when you ask me to: just tell me which product, option and quantity.",
    cart_unavailable: "I can't add items to your cart from the chat right now; please use the Add to cart button on the product page.",
    order_headline: "Order {order}, placed {date}: {status}.",
    order_cancelled: "It was cancelled on {date}.",
    order_payment: "Payment: {status} ({total}).",
    order_total: "Total: {total}.",
    items: "Items",
    not_shipped_yet: "Not shipped yet",
    order_page: "Order status page",
    package: "Package",
    shipment: "Shipment",
    tracking: "Tracking",
    delivered_on: "Delivered",
    estimated_delivery: "Estimated delivery",
    contains: "Contains",
    order_needs_email: "To protect your privacy, I need the email address used for order {order} before I can share its details. What email did you place it with?",
    order_not_verified: "I couldn't verify order {order} with the details given. Please check the order number and the email address used for the order.",
    order_locked: "I can't look up orders in this conversation any more after several unsuccessful attempts.",
    order_number_format: "Order numbers look like #1001. Which order do you mean?",
    knowledge_unknown: "I couldn't find an answer to that in our help pages and policies, and I'd rather not guess.",
    source: "Source",
    handoff_now: "I've passed this conversation to our support team. Someone will reply here shortly.",
    handoff_later: "I've passed this conversation to our support team. They're offline right now and will reply here as soon as they're back.",
    handoff_later_email: "I've passed this conversation to our support team. They're offline right now and will reply to {email} as soon as they're back.",
    handoff_need_email: "I've passed this conversation to our support team. They're offline right now: please leave your email address so they can get back to you.",
    handoff_bad_email: "That email address doesn't look right. Could you check it and send it again?",
    handoff_failed: "Sorry, I couldn't reach our team from the chat just now. Please use the Contact page to get in touch with them.",
};

const FR: Phrases = Phrases {
    in_stock: "en stock",
    sold_out: "épuisé",
    offer_human: "Voulez-vous que je vous mette en relation avec quelqu'un de notre équipe ?",
    offer_search: "Dites-m'en un peu plus sur ce que vous cherchez et je fouille le catalogue.",
    no_answer: "Désolé, je ne connais pas la réponse et je préfère ne pas deviner.",
    lookup_failed: "Désolé, je n'ai pas pu vérifier cela pour le moment. Réessayez dans un instant.",
    no_products: "Je n'ai rien trouvé de correspondant dans notre catalogue ; nous ne le proposons peut-être pas.",
    products_intro: "Voici ce que j'ai trouvé :",
    products_closest: "Je n'ai pas trouvé de correspondance exacte ; nous ne proposons peut-être pas cet article. Les articles les plus proches de notre catalogue :",
    price_is: "Prix : {price}.",
    product_headline: "{title} : {price}, {availability}.",
    description_says: "D'après la fiche produit :",
    not_in_description: "La fiche produit ne le précise pas, et je préfère ne pas deviner.",
    no_such_product: "Je n'ai pas trouvé de produit nommé « {product} » dans notre catalogue.",
    no_such_variant: "Je n'ai pas trouvé l'option « {variant} » pour {title}.",
    variant_in_stock: "Oui, {title} en {variant} est en stock.",
    variant_sold_out: "Désolé, {title} en {variant} est épuisé pour le moment.",
    product_in_stock: "Voici le stock de {title} :",
    product_sold_out: "Désolé, {title} est épuisé pour le moment :",
    at_location: "{count} à {location}",
    others_sold_out: "{count} autres options sont épuisées.",
    check_other: "Voulez-vous que je vérifie une autre taille ou couleur, ou que je cherche un article similaire ?",
    cart_ready: "Prêt à ajouter à votre panier : {quantity} × {item}, {price} l'unité. Confirmez pour l'ajouter.",
    cart_sold_out: "Désolé, {item} est épuisé, je ne peux donc pas l'ajouter à votre panier.",
    cart_choose: "Lequel souhaitez-vous ? Les options sont : {choices}.",
    cart_item_sold_out: "Désolé, {item} est épuisé, je ne peux donc pas l'ajouter à votre panier. Voulez-vous une autre taille ou couleur ?",
    cart_refused: "Je peux ajouter des articles à votre panier si vous me le demandez : indiquez le produit, l'option et la quantité.",
    cart_unavailable: "Je ne peux pas ajouter d'articles à votre panier depuis le chat pour le moment ; utilisez le bouton Ajouter au panier sur la page du produit.",
    order_headline: "Commande {order}, passée le {date} : {status}.",
    order_cancelled: "Elle a été annulée le {date}.",
    order_payment: "Paiement : {status} ({total}).",
    order_total: "Total : {total}.",
    items: "Articles",
    not_shipped_yet: "Pas encore expédié",
    order_page: "Page de suivi de la commande",
    package: "Colis",
    shipment: "Envoi",
    tracking: "Suivi",
    delivered_on: "Livré",
    estimated_delivery: "Livraison estimée",
    contains: "Contenu",
    order_needs_email: "Pour protéger vos données, j'ai besoin de l'adresse e-mail utilisée pour la commande {order} avant de vous en donner le détail. Avec quelle adresse l'avez-vous passée ?",
    order_not_verified: "Je n'ai pas pu vérifier la commande {order} avec ces informations. Vérifiez le numéro de commande et l'adresse e-mail utilisée pour la commande.",
    order_locked: "Je ne peux plus consulter de commandes dans cette conversation après plusieurs tentatives infructueuses.",
    order_number_format: "Les numéros de commande ressemblent à #1001. De quelle commande s'agit-il ?",
    knowledge_unknown: "Je n'ai pas trouvé de réponse dans nos pages d'aide et nos conditions, et je préfère ne pas deviner.",
    source: "Source",
    handoff_now: "J'ai transmis cette conversation à notre équipe. Quelqu'un va vous répondre ici sous peu.",
    handoff_later: "J'ai transmis cette conversation à notre équipe. Elle n'est pas disponible pour le moment et vous répondra ici dès son retour.",
    handoff_later_email: "J'ai transmis cette conversation à notre équipe. Elle n'est pas disponible pour le moment et répondra à {email} dès son retour.",
    handoff_need_email: "J'ai transmis cette conversation à notre équipe. Elle n'est pas disponible pour le moment : laissez votre adresse e-mail pour qu'elle puisse vous répondre.",
    handoff_bad_email: "Cette adresse e-mail ne semble pas correcte. Pouvez-vous la vérifier et la renvoyer ?",
    handoff_failed: "Désolé, je n'ai pas pu joindre notre équipe depuis le chat. Utilisez la page Contact pour la joindre.",
};

const ES: Phrases = Phrases {
    in_stock: "disponible",
    sold_out: "agotado",
    offer_human: "¿Quieres que te ponga en contacto con alguien de nuestro equipo?",
    offer_search: "Cuéntame un poco más sobre lo que buscas y lo busco en el catálogo.",
    no_answer: "Lo siento, no sé la respuesta y prefiero no adivinar.",
    lookup_failed: "Lo siento, no he podido consultarlo ahora mismo. Inténtalo de nuevo en un momento.",
    no_products: "No encontré nada parecido en nuestro catálogo; puede que no lo tengamos.",
    products_intro: "Esto es lo que encontré:",
    products_closest: "No encontré una coincidencia exacta; puede que no lo tengamos. Lo más parecido de nuestro catálogo:",
    price_is: "Precio: {price}.",
    product_headline: "{title}: {price}, {availability}.",
    description_says: "Según la descripción del producto:",
    not_in_description: "La descripción del producto no lo indica, y prefiero no adivinar.",
    no_such_product: "No encontré ningún producto llamado «{product}» en nuestro catálogo.",
    no_such_variant: "No encontré la opción «{variant}» para {title}.",
    variant_in_stock: "Sí, {title} en {variant} está disponible.",
    variant_sold_out: "Lo siento, {title} en {variant} está agotado ahora mismo.",
    product_in_stock: "Estas son las existencias de {title}:",
    product_sold_out: "Lo siento, {title} está agotado ahora mismo:",
    at_location: "{count} en {location}",
    others_sold_out: "Otras {count} opciones están agotadas.",
    check_other: "¿Quieres que consulte otra talla o color, o que busque algo parecido?",
    cart_ready: "Listo para añadir a tu carrito: {quantity} × {item}, {price} cada uno. Confirma para añadirlo.",
    cart_sold_out: "Lo siento, {item} está agotado, así que no puedo añadirlo a tu carrito.",
    cart_choose: "¿Cuál prefieres? Las opciones son: {choices}.",
    cart_item_sold_out: "Lo siento, {item} está agotado, así que no puedo añadirlo a tu carrito. ¿Quieres otra talla o color?",
    cart_refused: "Puedo añadir artículos a tu carrito cuando me lo pidas: dime el producto, la opción y la cantidad.",
    cart_unavailable: "Ahora mismo no puedo añadir artículos a tu carrito desde el chat; usa el botón Añadir al carrito en la página del producto.",
    order_headline: "Pedido {order}, realizado el {date}: {status}.",
    order_cancelled: "Se canceló el {date}.",
    order_payment: "Pago: {status} ({total}).",
    order_total: "Total: {total}.",
    items: "Artículos",
    not_shipped_yet: "Aún no enviado",
    order_page: "Página de estado del pedido",
    package: "Paquete",
    shipment: "Envío",
    tracking: "Seguimiento",
    delivered_on: "Entregado",
    estimated_delivery: "Entrega estimada",
    contains: "Contiene",
    order_needs_email: "Para proteger tu privacidad, necesito el correo electrónico con el que se hizo el pedido {order} antes de darte los detalles. ¿Con qué correo lo hiciste?",
    order_not_verified: "No pude verificar el pedido {order} con esos datos. Revisa el número de pedido y el correo electrónico que usaste para el pedido.",
    order_locked: "Ya no puedo consultar pedidos en esta conversación tras varios intentos fallidos.",
    order_number_format: "Los números de pedido son como #1001. ¿A qué pedido te refieres?",
    knowledge_unknown: "No encontré una respuesta en nuestras páginas de ayuda y políticas, y prefiero no adivinar.",
    source: "Fuente",
    handoff_now: "He pasado esta conversación a nuestro equipo. Alguien te responderá aquí en breve.",
    handoff_later: "He pasado esta conversación a nuestro equipo. Ahora no están disponibles y te responderán aquí en cuanto vuelvan.",
    handoff_later_email: "He pasado esta conversación a nuestro equipo. Ahora no están disponibles y responderán a {email} en cuanto vuelvan.",
    handoff_need_email: "He pasado esta conversación a nuestro equipo. Ahora no están disponibles: déjanos tu correo electrónico para que puedan responderte.",
    handoff_bad_email: "Ese correo electrónico no parece correcto. ¿Puedes revisarlo y enviarlo de nuevo?",
    handoff_failed: "Lo siento, no he podido contactar con nuestro equipo desde el chat. Usa la página de Contacto para escribirles.",
};

const DE: Phrases = Phrases {
    in_stock: "auf Lager",
    sold_out: "ausverkauft",
    offer_human: "Soll ich Sie mit jemandem aus unserem Team verbinden?",
    offer_search: "Sagen Sie mir etwas mehr darüber, was Sie suchen, dann durchsuche ich den Katalog.",
    no_answer: "Das weiß ich leider nicht, und ich möchte nicht raten.",
    lookup_failed: "Das konnte ich gerade leider nicht nachsehen. Bitte versuchen Sie es gleich noch einmal.",
    no_products: "Ich habe in unserem Katalog nichts Passendes gefunden; vielleicht führen wir das nicht.",
    products_intro: "Das habe ich gefunden:",
    products_closest: "Ich habe keinen genauen Treffer gefunden; vielleicht führen wir das nicht. Das Ähnlichste aus unserem Katalog:",
    price_is: "Preis: {price}.",
    product_headline: "{title}: {price}, {availability}.",
    description_says: "Laut Produktbeschreibung:",
    not_in_description: "Die Produktbeschreibung sagt dazu nichts, und ich möchte nicht raten.",
    no_such_product: "Ich habe kein Produkt namens „{product}“ in unserem Katalog gefunden.",
    no_such_variant: "Die Option „{variant}“ habe ich für {title} nicht gefunden.",
    variant_in_stock: "Ja, {title} in {variant} ist auf Lager.",
    variant_sold_out: "{title} in {variant} ist leider gerade ausverkauft.",
    product_in_stock: "So sieht der Bestand von {title} aus:",
    product_sold_out: "{title} ist leider gerade ausverkauft:",
    at_location: "{count} in {location}",
    others_sold_out: "{count} weitere Optionen sind ausverkauft.",
    check_other: "Soll ich eine andere Größe oder Farbe prüfen oder etwas Ähnliches suchen?",
    cart_ready: "Bereit für Ihren Warenkorb: {quantity} × {item}, je {price}. Bitte bestätigen Sie, um es hinzuzufügen.",
    cart_sold_out: "{item} ist leider ausverkauft, daher kann ich es nicht in Ihren Warenkorb legen.",
    cart_choose: "Welche Variante möchten Sie? Zur Auswahl: {choices}.",
    cart_item_sold_out: "{item} ist leider ausverkauft, daher kann ich es nicht in Ihren Warenkorb legen. Möchten Sie eine andere Größe oder Farbe?",
    cart_refused: "Ich lege Artikel in Ihren Warenkorb, wenn Sie mich darum bitten: Nennen Sie mir Produkt, Variante und Menge.",
    cart_unavailable: "Im Chat kann ich gerade nichts in Ihren Warenkorb legen; bitte nutzen Sie den Button „In den Warenkorb“ auf der Produktseite.",
    order_headline: "Bestellung {order} vom {date}: {status}.",
    order_cancelled: "Sie wurde am {date} storniert.",
    order_payment: "Zahlung: {status} ({total}).",
    order_total: "Summe: {total}.",
    items: "Artikel",
    not_shipped_yet: "Noch nicht versandt",
    order_page: "Bestellstatusseite",
    package: "Paket",
    shipment: "Sendung",
    tracking: "Sendungsnummer",
    delivered_on: "Zugestellt",
    estimated_delivery: "Voraussichtliche Zustellung",
    contains: "Inhalt",
    order_needs_email: "Zum Schutz Ihrer Daten brauche ich die E-Mail-Adresse, mit der Bestellung {order} aufgegeben wurde, bevor ich Details nennen kann. Mit welcher E-Mail-Adresse haben Sie bestellt?",
    order_not_verified: "Ich konnte Bestellung {order} mit diesen Angaben nicht bestätigen. Bitte prüfen Sie die Bestellnummer und die bei der Bestellung verwendete E-Mail-Adresse.",
    order_locked: "Nach mehreren erfolglosen Versuchen kann ich in diesem Gespräch keine Bestellungen mehr nachsehen.",
    order_number_format: "Bestellnummern sehen aus wie #1001. Welche Bestellung meinen Sie?",
    knowledge_unknown: "Dazu habe ich in unseren Hilfeseiten und Richtlinien keine Antwort gefunden, und ich möchte nicht raten.",
    source: "Quelle",
    handoff_now: "Ich habe dieses Gespräch an unser Team übergeben. Gleich meldet sich jemand hier.",
    handoff_later: "Ich habe dieses Gespräch an unser Team übergeben. Es ist gerade nicht erreichbar und antwortet hier, sobald es zurück ist.",
    handoff_later_email: "Ich habe dieses Gespräch an unser Team übergeben. Es ist gerade nicht erreichbar und antwortet an {email}, sobald es zurück ist.",
    handoff_need_email: "Ich habe dieses Gespräch an unser Team übergeben. Es ist gerade nicht erreichbar: Hinterlassen Sie bitte Ihre E-Mail-Adresse, damit es Ihnen antworten kann.",
    handoff_bad_email: "Diese E-Mail-Adresse sieht nicht richtig aus. Können Sie sie prüfen und noch einmal senden?",
    handoff_failed: "Ich konnte unser Team gerade nicht aus dem Chat erreichen. Bitte nutzen Sie die Kontaktseite.",
};

#[cfg(test)]
mod tests {
    use tools::io::Passage;

    use super::*;

    fn passage(title: &str, score: f64, text: &str) -> Passage {
        Passage {
            kind: "policy".into(),
            title: title.into(),
            heading: String::new(),
            url: Some(format!(
                "https://shop.example/{}",
                title.to_lowercase().replace(' ', "-")
            )),
            text: text.into(),
            score,
        }
    }

    fn shipping() -> KnowledgeFound {
        KnowledgeFound {
            passages: vec![
                passage(
                    "Shipping policy",
                    0.0320,
                    "Orders placed by 12:00 pm Pacific Time, Monday to Friday, usually ship the \
                     same business day; all others ship within 1-2 business days. We don't ship \
                     on weekends or US federal holidays. Preorder items ship on or about the date \
                     on the product page, separately from in-stock items, at no extra shipping \
                     cost.",
                ),
                passage(
                    "Shipping policy",
                    0.0320,
                    "- Standard, USPS Ground Advantage, UPS Ground or FedEx Ground, 3-7 business \
                     days: $7.95, or free on orders of $99 or more.\n\n- Expedited, UPS 2nd Day \
                     Air, 2 business days: $18.00.\n\n- Overnight, UPS Next Day Air, 1 business \
                     day: $35.00.",
                ),
                passage(
                    "Shipping & Delivery",
                    0.0317,
                    "Method | Carrier | Delivery time | Price\n\nExpedited | UPS 2nd Day Air | 2 \
                     business days | $18.00\n\nThe free-shipping threshold applies to the order \
                     subtotal after…",
                ),
            ],
        }
    }

    #[test]
    fn knowledge_quotes_the_sentences_that_answer_with_their_source() {
        let question = Question::new(
            "How fast is expedited shipping and what does it cost?",
            Lang::En,
        );
        let text = knowledge(&shipping(), &question);
        assert!(text.contains("$18.00"), "{text}");
        assert!(
            !text.contains("Method | Carrier"),
            "no table headers: {text}"
        );
        assert!(
            text.contains("Source: Shipping policy (https://shop.example/shipping-policy)"),
            "{text}"
        );
        assert_eq!(text.matches("Source: Shipping policy").count(), 1, "{text}");

        let question = Question::new(
            "How much do I need to spend to get free shipping?",
            Lang::En,
        );
        let text = knowledge(&shipping(), &question);
        assert!(text.contains("$99"), "{text}");

        let question = Question::new("Combien coûte la livraison express ?", Lang::Fr);
        let text = knowledge(&shipping(), &question);
        assert!(
            text.contains("$18.00") && text.contains("Source :") || text.contains("Source:"),
            "{text}"
        );
    }

    #[test]
    fn knowledge_says_so_when_nothing_answers() {
        let question = Question::new("Do you offer student discounts?", Lang::En);
        let text = knowledge(&shipping(), &question);
        assert!(text.starts_with("I couldn't find an answer"), "{text}");
        assert!(text.contains("someone from our team"), "{text}");
        let question = Question::new("¿Hacen descuentos para estudiantes?", Lang::Es);
        let text = knowledge(&KnowledgeFound { passages: vec![] }, &question);
        assert!(text.starts_with("No encontré"), "{text}");
    }
}
