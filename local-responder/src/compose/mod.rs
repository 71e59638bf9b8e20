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
use tools::Comparison;
use tools::io::{Handoff, ProductsFound};

use super::lang::{self, Lang, words};
use orders::{order_status, recent_orders};
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
    /// Written in English: every word of it could be on the (English) help pages.
    english: bool,
}

impl Question {
    pub fn new(text: &str, lang: Lang) -> Self {
        let words = words(text);
        let mut terms: Vec<String> = words.iter().filter(|w| is_term(w)).cloned().collect();
        terms.extend(lang::english_terms(&words));
        if !lang::cue_language(text) {
            terms.extend(crate::glossary::english_terms(text, &words));
        }
        if lang != Lang::En || !lang::cue_language(text) {
            terms.extend(crate::help::english_terms(text, &words));
        }
        let synonyms = lang::synonyms(&terms);
        terms.extend(synonyms);
        let english = lang == Lang::En && lang::cue_language(text);
        Self {
            words,
            terms,
            lang,
            english,
        }
    }

    /// Whether the question asks one of `cues`, in its own words or their English ones
    /// ("quanto costa" asks a price as "how much" does).
    fn asks(&self, cues: &[&str]) -> bool {
        lang::has_any(&self.words, cues) || lang::has_any(&self.terms, cues)
    }

    /// Whether the question asks one of `cues`, those in Japanese, Arabic and Hebrew found
    /// inside its words (see [`asks_any`]).
    fn asks_in_any_script(&self, cues: &[&str]) -> bool {
        asks_any(&self.words, cues) || lang::has_any(&self.terms, cues)
    }
}

/// Whether `asked` (the question's words) holds one of `cues`: Latin-script cues as words,
/// the others inside words.
pub(super) fn asks_any(asked: &[String], cues: &[&str]) -> bool {
    let (latin, other): (Vec<&str>, Vec<&str>) = cues.iter().partition(|cue| {
        cue.chars()
            .all(|c| c.is_ascii() || c.is_alphabetic() && c < 'ɏ')
    });
    lang::has_any(asked, &latin)
        || asked
            .iter()
            .any(|w| other.iter().any(|cue| w.contains(cue)))
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
        tools::GET_PRODUCT => parse(content).map(|detail| product_detail(&detail, &[], question)),
        tools::CHECK_INVENTORY => {
            parse(content).map(|stock| inventory(&stock, &result.arguments, question))
        }
        tools::GET_ORDER_STATUS => parse(content).map(|status| order_status(&status, question)),
        tools::LIST_RECENT_ORDERS => parse(content).map(|found| recent_orders(&found, question)),
        tools::COMPARE_PRODUCTS => parse::<Comparison>(content).map(|found| {
            found
                .products
                .iter()
                .map(|detail| product_detail(detail, &found.products, question))
                .collect::<Vec<_>>()
                .join("\n\n")
        }),
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

#[cfg(test)]
mod tests {
    use serde_json::json;
    use tools::io::{
        CartAction, Order, OrderLine, OrderStatus, ProductCard, ProductDetail, ProductOption,
        Shipment, Tracking, Variant,
    };

    use super::*;

    fn say(
        tool: &str,
        arguments: Value,
        content: impl serde::Serialize,
        question: &str,
        lang: Lang,
    ) -> String {
        let result = ToolResult {
            tool,
            arguments,
            content: serde_json::to_value(content).unwrap(),
        };
        answer(&[result], &Question::new(question, lang))
    }

    fn card(title: &str, price: f64, available: bool) -> ProductCard {
        ProductCard {
            id: "gid://shopify/Product/1".into(),
            title: title.into(),
            handle: "h".into(),
            url: "https://shop.example/products/h".into(),
            image: None,
            price_min: price,
            price_max: price,
            currency: "USD".into(),
            available,
            summary: "A light rain shell for all-day storms. Taped seams.".into(),
        }
    }

    fn order() -> Order {
        let line = |title: &str, variant: &str| OrderLine {
            title: title.into(),
            variant: Some(variant.into()),
            quantity: 1,
        };
        Order {
            name: "#1041".into(),
            created_at: "2026-11-11T10:00:00Z".into(),
            financial_status: Some("PAID".into()),
            fulfillment_status: "PARTIALLY_FULFILLED".into(),
            cancelled_at: None,
            cancel_reason: None,
            note: Some("Work Gloves (XL) are backordered; expected to ship by December 4.".into()),
            total: "337.59".into(),
            currency: "USD".into(),
            lines: vec![line("Work Pant", "36 / 32"), line("Work Gloves", "XL")],
            shipments: vec![Shipment {
                status: "SUCCESS".into(),
                delivery_status: Some("IN_TRANSIT".into()),
                tracking: vec![Tracking {
                    number: Some("9400098914137874914232".into()),
                    url: Some("https://tools.usps.com/t".into()),
                    company: Some("USPS".into()),
                }],
                estimated_delivery: Some("2026-11-24T23:59:00Z".into()),
                delivered_at: None,
                lines: vec![line("Work Pant", "36 / 32")],
            }],
            status_url: Some("https://shop.example/orders/1".into()),
        }
    }

    #[test]
    fn an_order_in_each_language_with_tracking_and_what_is_still_to_ship() {
        let found = OrderStatus::Found { order: order() };
        let en = say(
            tools::GET_ORDER_STATUS,
            json!({}),
            &found,
            "Where is order #1041?",
            Lang::En,
        );
        for fact in [
            "#1041",
            "partly shipped",
            "in transit",
            "9400098914137874914232",
            "November 24, 2026",
            "Not shipped yet: 1 × Work Gloves (XL)",
            "$337.59",
            "Note from the store: Work Gloves (XL) are backordered",
        ] {
            assert!(en.contains(fact), "{fact}: {en}");
        }
        let es = say(
            tools::GET_ORDER_STATUS,
            json!({}),
            &found,
            "¿Dónde está mi pedido?",
            Lang::Es,
        );
        assert!(
            es.contains("en tránsito") && es.contains("24 de noviembre de 2026"),
            "{es}"
        );
        assert!(
            es.contains("9400098914137874914232") && es.contains("337,59 $"),
            "{es}"
        );
        let de = say(
            tools::GET_ORDER_STATUS,
            json!({}),
            &found,
            "Wo ist meine Bestellung?",
            Lang::De,
        );
        assert!(
            de.contains("unterwegs") && de.contains("24. November 2026"),
            "{de}"
        );
        let fr = say(
            tools::GET_ORDER_STATUS,
            json!({}),
            &found,
            "Où est ma commande ?",
            Lang::Fr,
        );
        assert!(
            fr.contains("en transit") && fr.contains("partiellement expédiée"),
            "{fr}"
        );
    }

    #[test]
    fn an_order_not_shown_says_why_the_same_way_for_a_wrong_email_and_an_unknown_number() {
        let needs = OrderStatus::NeedsEmail {
            order_number: "#1049".into(),
        };
        let text = say(
            tools::GET_ORDER_STATUS,
            json!({}),
            &needs,
            "Where's #1049?",
            Lang::En,
        );
        assert!(
            text.contains("email address used for order #1049"),
            "{text}"
        );
        let wrong = |n: &str| OrderStatus::NotVerified {
            order_number: n.into(),
            attempts_left: 3,
        };
        let a = say(
            tools::GET_ORDER_STATUS,
            json!({}),
            wrong("#1046"),
            "?",
            Lang::En,
        );
        let b = say(
            tools::GET_ORDER_STATUS,
            json!({}),
            wrong("#1099"),
            "?",
            Lang::En,
        );
        assert_eq!(a.replace("#1046", "#"), b.replace("#1099", "#"));
        let locked = say(
            tools::GET_ORDER_STATUS,
            json!({}),
            OrderStatus::Locked,
            "?",
            Lang::Fr,
        );
        assert!(locked.contains("équipe"), "offers a person: {locked}");
    }

    #[test]
    fn a_product_answer_quotes_the_sentences_that_answer_and_says_when_none_does() {
        let detail = ProductDetail {
            card: card("Squall Rain Shell", 189.0, true),
            description: "A fully waterproof shell. Shell: 3-layer nylon, 20,000 mm Weight: 320 g \
                          (11.3 oz) in size M. Made in Vietnam."
                .into(),
            vendor: None,
            product_type: None,
            options: vec![ProductOption {
                name: "Color".into(),
                values: vec!["Slate".into(), "Signal Yellow".into()],
            }],
            variants: vec![Variant {
                id: "v1".into(),
                title: "M / Slate".into(),
                price: 189.0,
                compare_at_price: None,
                available: true,
                sku: None,
            }],
        };
        let fr = say(
            tools::GET_PRODUCT,
            json!({}),
            &detail,
            "Combien pèse la Squall Rain Shell ?",
            Lang::Fr,
        );
        assert!(
            fr.starts_with("Squall Rain Shell : 189,00 $, en stock."),
            "{fr}"
        );
        assert!(
            fr.contains("Weight: 320 g") && !fr.contains("Vietnam"),
            "{fr}"
        );
        let colours = say(
            tools::GET_PRODUCT,
            json!({}),
            &detail,
            "What colors does it come in?",
            Lang::En,
        );
        assert!(
            colours.contains("Color: Slate, Signal Yellow (sold out)."),
            "{colours}"
        );
        let unknown = say(
            tools::GET_PRODUCT,
            json!({}),
            &detail,
            "Does the Squall Rain Shell have pit zips?",
            Lang::En,
        );
        assert!(
            unknown.contains("doesn't say") && unknown.contains("someone from our team"),
            "{unknown}"
        );
    }

    fn described(title: &str, description: &str) -> ProductDetail {
        ProductDetail {
            card: card(title, 50.0, true),
            description: description.into(),
            vendor: None,
            product_type: None,
            options: vec![],
            variants: vec![],
        }
    }

    #[test]
    fn an_attribute_asked_in_any_language_finds_the_description_s_words() {
        let tee = described(
            "Deckhand Tee",
            "A thick T-shirt. Fabric: 7.5 oz organic cotton Pre-shrunk: less than 2% shrinkage \
             after washing Weight: 240 g in size M Care: machine wash cold Knit and sewn in Los \
             Angeles, California",
        );
        let boot = described(
            "Summit Boot",
            "A leather boot. Upper: 2.0 mm leather Break-in: about 20-30 miles of walking Care: \
             brush off dirt",
        );
        let vest = described(
            "Ridgeline Vest",
            "The core warmth of the jacket. Insulation: 650-fill-power duck down, 85 g fill \
             weight in size M Weight: 260 g in size M",
        );
        let lantern = described(
            "Camp Lantern",
            "A dimmable LED lantern. Output: 20-400 lumens, stepless dimming Charging: USB-C in \
             (full charge in about 4 hours); USB-A out to charge a phone Weight: 460 g",
        );
        for (detail, text, lang, fact) in [
            (
                &tee,
                "A camiseta Deckhand encolhe na lavagem?",
                Lang::En,
                "2%",
            ),
            (
                &tee,
                "¿Dónde fabrican la Deckhand Tee?",
                Lang::Es,
                "Los Angeles",
            ),
            (
                &boot,
                "慣らし履きはどのくらい必要ですか？",
                Lang::En,
                "20-30",
            ),
            (
                &boot,
                "Wie lange muss ich ihn einlaufen?",
                Lang::De,
                "20-30",
            ),
            (
                &vest,
                "Wie viel Daunen-Füllgewicht hat die Weste?",
                Lang::De,
                "85 g",
            ),
            (&vest, "Hoeveel dons zit erin?", Lang::En, "85 g"),
            (
                &lantern,
                "dá pra carregar o celular com ela?",
                Lang::En,
                "USB",
            ),
            (&lantern, "Wie hell ist sie?", Lang::De, "400"),
            (&lantern, "كم لومن تعطي؟", Lang::En, "400"),
        ] {
            let answer = say(tools::GET_PRODUCT, json!({}), detail, text, lang);
            assert!(answer.contains(fact), "{text}: {answer}");
        }
        // A size before a label stays with its sentence: "… in size M Care: …".
        let answer = say(
            tools::GET_PRODUCT,
            json!({}),
            &vest,
            "How heavy is it?",
            Lang::En,
        );
        assert!(answer.contains("Weight: 260 g in size M"), "{answer}");
    }

    #[test]
    fn a_comparison_reads_each_product_without_the_other_s_name() {
        let vest = described(
            "Ridgeline Down Vest",
            "The core warmth of the Ridgeline jacket without the sleeves.\nInsulation: duck \
             down, 85 g fill weight in size M\nFit: regular. Armholes are cut to layer over a \
             fleece\nWeight: 260 g (9.2 oz) in size M",
        );
        let fleece = described(
            "Tidepool Fleece Jacket",
            "A high-pile fleece.\nWeight: 520 g (18.3 oz) in size M",
        );
        let both = Comparison {
            products: vec![vest, fleece],
        };
        let answer = say(
            tools::COMPARE_PRODUCTS,
            json!({}),
            &both,
            "أيهما أخف: Ridgeline Down Vest أم Tidepool Fleece Jacket؟ كم وزن كل واحد؟",
            Lang::En,
        );
        assert!(
            answer.contains("Weight: 260 g") && answer.contains("Weight: 520 g"),
            "{answer}"
        );
        assert!(!answer.contains("Armholes"), "{answer}");
    }

    #[test]
    fn a_search_that_finds_other_things_says_so() {
        let found = ProductsFound {
            products: vec![
                card("Packable Camp Hammock", 79.0, true),
                card("Folding Camp Table", 139.0, false),
            ],
        };
        let text = say(
            tools::SEARCH_PRODUCTS,
            json!({"query": "tents"}),
            &found,
            "Do you sell tents?",
            Lang::En,
        );
        assert!(text.starts_with("I couldn't find an exact match"), "{text}");
        let text = say(
            tools::SEARCH_PRODUCTS,
            json!({"query": "camp hammock"}),
            &found,
            "hammock?",
            Lang::En,
        );
        assert!(text.starts_with("Here's what I found:"), "{text}");
        assert!(
            text.contains("- Folding Camp Table: $139.00 (sold out)."),
            "{text}"
        );
        let none = say(
            tools::SEARCH_PRODUCTS,
            json!({"query": "x"}),
            ProductsFound { products: vec![] },
            "¿Tienen tiendas?",
            Lang::Es,
        );
        assert!(none.starts_with("No encontré nada"), "{none}");
    }

    #[test]
    fn the_cart_and_tool_failures() {
        let cart = CartAction {
            variant_id: "1".into(),
            quantity: 2,
            product_title: "Enamel Camp Mug".into(),
            variant_title: "Pine".into(),
            price: 18.0,
            currency: "USD".into(),
            available: true,
        };
        let de = say(
            tools::ADD_TO_CART,
            json!({}),
            &cart,
            "Leg zwei in den Warenkorb",
            Lang::De,
        );
        assert_eq!(
            de,
            "Bereit für Ihren Warenkorb: 2 × Enamel Camp Mug (Pine), je 18,00 $. Bitte bestätigen Sie, um es hinzuzufügen."
        );
        let choose = say(
            tools::ADD_TO_CART,
            json!({"product": "Squall"}),
            json!({"error": "which variant of Squall? ask the shopper to choose: S / Slate, M / Slate"}),
            "add the Squall",
            Lang::En,
        );
        assert_eq!(
            choose,
            "Which one would you like? The options are: S / Slate, M / Slate."
        );
        let missing = say(
            tools::GET_PRODUCT,
            json!({"product": "Nimbus Poncho"}),
            json!({"error": "no product matches \"Nimbus Poncho\"; search_products can find it"}),
            "Tell me about the Nimbus Poncho",
            Lang::En,
        );
        assert!(
            missing.starts_with("I couldn't find a product called \"Nimbus Poncho\""),
            "{missing}"
        );
        let down = say(
            tools::SEARCH_KNOWLEDGE,
            json!({}),
            json!({"error": "the store could not be reached; try again"}),
            "?",
            Lang::Es,
        );
        assert!(
            down.starts_with("Lo siento, no he podido consultarlo"),
            "{down}"
        );
    }
}
