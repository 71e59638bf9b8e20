//! Answers about products: search results, one product's details, stock, the cart.

use std::collections::HashSet;

use serde_json::Value;
use tools::io::{CartAction, Inventory, ProductCard, ProductDetail, ProductsFound};

use super::phrases::{fill, money, phrases};
use super::sentences::{PRICE_WORDS, Text, best_sentences, segments, term_matches};
use super::{Question, asks_any, is_term};
use crate::lang::{self, Lang, words};

pub(super) fn products_found(found: &ProductsFound, query: &str, question: &Question) -> String {
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
        // The widget shows each product as a card with its link: no URL in the text.
        out.push_str(&format!(
            "- {}: {} ({}).",
            card.title,
            price_range(card, question.lang),
            if card.available {
                p.in_stock
            } else {
                p.sold_out
            },
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

pub(super) fn price_range(card: &ProductCard, lang: Lang) -> String {
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
/// Question words about a product that ask nothing specific.
#[rustfmt::skip]
const GENERIC: &[&str] = &[
    "tell", "about", "details", "detail", "info", "information", "describe", "what", "much",
    "price", "cost", "costs", "product", "item", "parle", "cuentame", "erzahl", "mehr", "more",
    "moi", "plus", "sobre", "uber", "coute", "combien", "prix", "cuesta", "cuanto", "precio",
    "kostet", "preis", "please", "ok",
];

/// What a question about a product attribute is answered by, in a description's words: the
/// ways the ten widget languages ask it, then the (English) words of the description that
/// answer it. Cues in Japanese, Arabic and Hebrew are matched inside words (no spaces between
/// Japanese words; Arabic and Hebrew attach articles and prepositions to them).
#[rustfmt::skip]
const ATTRIBUTES: &[(&[&str], &str)] = &[
    (&["come in", "comes in", "comes with", "include*", "contents", "what s in", "in the box",
       "contient", "incluye", "viene con", "enthalt", "lieferumfang", "dabei", "incluso",
       "inclui", "inbegrepen", "付属", "يشمل", "כולל"],
     "includes included contents pieces set kit"),
    (&["weigh*", "weight", "heavy", "heavier", "lighter", "lightest", "heaviest", "poids", "pese",
       "peso", "pesa", "leger", "legere", "lourd", "ligero", "ligera", "gewicht", "wiegt",
       "schwer", "schwerer", "leicht", "leichter", "leichteste*", "leggero", "leggera", "pesante", "leve", "pesado",
       "lichter", "lichtste", "zwaar", "zwaarder", "weegt", "重さ", "重量", "重い", "軽", "وزن",
       "ثقيل", "خفيف", "أخف", "أثقل", "משקל", "שוקל", "כבד", "קלה", "קליל"],
     "weight weighs kg lb lighter heavier lightest heaviest"),
    (&["made", "where * from", "manufactur*", "produced", "origin", "fabrique*", "fabriquee",
       "hecho", "hecha", "fabrica*", "fabrican", "origen", "hergestellt",
       "produziert", "herkunft", "fatto", "fatta", "prodotto", "prodotta", "fabbricat*",
       "origine", "feito", "feita", "fabricad*", "origem", "gemaakt", "geproduceerd",
       "herkomst", "製", "産", "作ら", "صنع", "مصنوع", "المنشأ", "מיוצר", "תוצרת", "ייצור",
       "מייצרים"],
     "made manufactured sewn crafted origin knit woven cast"),
    (&["made of", "material*", "fabric", "matiere", "tissu", "tela", "stoff", "tessuto",
       "materiale", "tecido", "stof", "素材", "生地", "خامة", "قماش", "חומר", "בד"],
     "fabric material shell lining cotton wool nylon leather canvas polyester"),
    (&["capacity", "how big", "volume", "liters", "litres", "contenance", "capacidad",
       "volumen", "fassungsvermogen", "capienza", "capacita", "capacidade", "inhoud", "容量",
       "سعة", "קיבולת", "נפח", "litre*", "litro*", "liter*", "litri", "cabe", "caben", "cabem",
       "caber", "passt", "passen", "contiene", "tient", "リットル", "入る", "لتر", "ليتر",
       "ליטר", "נכנס"],
     "capacity liters liter volume"),
    (&["waterproof", "water resistant", "rain", "impermeable", "wasserdicht", "wassersaule",
       "waterkolom", "waterdicht", "impermeabile", "impermeavel", "colonna d acqua",
       "columna de agua", "coluna d agua", "colonne d eau", "耐水", "防水", "مقاوم للماء",
       "ضد الماء", "עמיד למים"],
     "waterproof water resistant rain hydrostatic"),
    (&["warm*", "temperature", "chaud", "chaude", "abrigado", "abriga", "caliente", "calido",
       "caldo", "calda", "quente", "warmte", "warmer", "warmst*", "waermer", "temperatur*",
       "temperatura", "graus", "grados", "gradi", "graden", "暖か", "温度", "دافئ", "أدفأ",
       "دفء", "حرارة", "חמים", "חם", "טמפרטורה"],
     "warm warmth temperature comfort insulation rated"),
    // "How long does it keep cold / hot?": a bottle's or a cooler's hours.
    (&["cold", "cool", "frais", "froid", "frio", "fria", "fresco", "fresca", "kalt", "kuhl",
       "freddo", "fredda", "gelado", "gelada", "koud", "koel", "冷", "بارد", "برودة", "קר",
       "קור"],
     "cold hours"),
    (&["hot", "keep warm", "garde chaud", "caliente", "heiss", "caldo", "quente", "heet",
       "保温", "温か", "ساخن", "سخون", "חם"],
     "hot hours"),
    (&["fit", "fits", "sizing", "true to size", "runs small", "runs large", "runs big", "taille",
       "taille grand", "taille petit", "talla", "tallaje", "horma", "passform", "fallt",
       "vestibilita", "vestono", "calza", "calzano", "caimento", "pasvorm",
       "valt", "vallen", "uitvallen", "サイズ感", "大きめ", "小さめ", "يناسب", "المقاس", "מידה",
       "עולה בגודל"],
     "fit fits sizing size true runs"),
    // "Does it shrink?": a garment's shrinkage after washing.
    (&["shrink*", "shrunk", "retreci*", "retrecit", "encog*", "encoje*", "schrumpf*",
       "eingelaufen", "einlaufen", "lauft * ein", "restring*", "si restringe", "restringimento",
       "encolh*", "krimp*", "gekrompen", "縮", "ينكمش", "تنكمش", "انكماش", "מתכווץ",
       "מתכווצת", "התכווצות", "מתכווצים"],
     "shrinkage shrink shrunk pre-shrunk"),
    // "How long to break them in?": a boot's break-in.
    (&["break in", "breaking in", "broken in", "break them in", "break it in", "rodage",
       "roder", "domar", "ablandar", "asentar", "einlaufen", "eingelaufen",
       "einzulaufen", "rodaggio", "rodare", "ammorbidir*", "amaciar", "amaciamento", "laciar",
       "inlopen", "ingelopen", "in te lopen", "慣らし", "馴染", "なじ", "تليين", "ليلين",
       "لتليين", "לרכך", "ריכוך", "הרצה"],
     "break-in break miles walking"),
    // "How much down is in it?": a down garment's fill.
    (&["fill", "fill weight", "fill power", "how much down", "garnissage", "duvet", "plumon",
       "relleno", "plumas", "pluma", "daunen*", "fullung*", "fullgewicht",
       "fullmenge", "piuma*", "imbottitura", "enchimento", "penas", "dons",
       "vulling", "vulgewicht", "ダウン量", "ダウン", "羽毛", "充填", "ريش", "حشو", "פוך",
       "מילוי"],
     "fill insulation down"),
    // "Can I charge my phone with it?": a lantern's USB ports and its own charging.
    (&["charge*", "charging", "recharge*", "usb", "phone", "cell*", "smartphone", "telephone",
       "recharger", "cargar", "carga", "movil", "celular", "laden", "aufladen",
       "handy", "caricare", "ricaric*", "cellulare", "carregar", "recarregar", "opladen",
       "telefoon", "mobiel", "充電", "スマホ", "携帯", "شحن", "هاتف", "جوال",
       "موبايل", "לטעון", "להטעין", "טעינה", "טלפון", "פלאפון"],
     "charge charging usb phone"),
    // "Does it pack into its pocket?": how small it packs, and where it stows.
    (&["pack*", "stow*", "stuff*", "compress*", "pocket*", "range", "ranger", "poche",
       "compact*", "bolsillo", "guardar", "comprim*", "verstau*", "packmass", "tasca",
       "compatt*", "ripieg*", "bolso", "opvouw*", "opberg*", "ポケット", "収納",
       "コンパクト", "جيب", "تطوى", "כיס", "מתקפל"],
     "packs packed stows stuffs pocket packable"),
    // "How bright is it?": a lantern's lumens.
    (&["bright*", "lumen*", "how much light", "luminos*", "eclair*", "puissance", "brillo",
       "luz", "hell", "heller", "helligkeit", "leucht*", "luce", "brilho", "luminosidade",
       "helder*", "lichtsterkte", "明る", "ルーメン", "لومن", "لومينز", "سطوع",
       "إضاءة", "اضاءة", "בהירות", "לומן"],
     "lumens output brightness dimming"),
    (&["dimension*", "how big", "measure*", "dimensions", "medidas", "masse", "dimensioni",
       "dimensoes", "afmeting*", "寸法", "大きさ", "أبعاد", "قياس", "מידות", "גודל"],
     "dimensions measures cm packed"),
    (&["burn", "battery", "last", "lasts", "runtime", "charge", "autonomie", "bateria",
       "akku", "batteria", "batterij", "accu", "heures", "horas", "stunden", "ore", "uur",
       "dure", "dura", "duran", "halt", "haelt", "durata", "duracao", "gaat mee", "mah",
       "時間", "バッテリー", "電池", "持つ", "ساعة", "ساعات", "بطارية", "تدوم", "שעות",
       "סוללה", "מחזיק"],
     "hours burn battery runtime charge"),
    (&["ship", "ships", "shipping", "preorder", "expedie", "envia", "versand", "spedisce",
       "verzonden", "発送", "شحن", "משלוח"],
     "ships ship preorder preorders date"),
    (&["wash*", "care", "clean*", "laver", "lavar", "waschen", "lavare", "lavaggio", "wassen",
       "洗", "غسل", "כביסה", "לכבס"],
     "care wash clean"),
    (&["dishwasher", "microwave", "oven", "lave vaisselle", "micro ondes",
       "lavavajilla*", "microondas", "horno", "spulmaschine", "geschirrspuler", "mikrowelle",
       "backofen", "lavastoviglie", "microonde", "forno", "lava loucas", "lava louca",
       "micro ondas", "vaatwasser", "vaatwasmachine", "afwasmachine", "magnetron",
       "食洗機", "食器洗", "電子レンジ", "レンジ", "オーブン", "غسالة الصحون", "غسالة",
       "جلاية", "ميكروويف", "مايكرويف", "الفرن", "מדיח", "מיקרוגל", "תנור"],
     "dishwasher microwave oven safe"),
    (&["warranty", "guarantee", "garantie", "garantia", "garanzia", "保証", "ضمان", "كفالة",
       "אחריות"],
     "warranty guarantee"),
];

/// "Is it any good?", "worth it?": the description's opening answers it when nothing more
/// precise is asked.
#[rustfmt::skip]
const OPINION: &[&str] = &[
    "any good", "good", "worth it", "worth", "recommend*", "vaut le coup", "bien", "bon",
    "bonne", "vale la pena", "bueno", "buena", "taugt", "gut", "lohnt", "buono", "buona",
    "vale", "bom", "boa", "goed", "良い", "いい", "おすすめ", "جيد", "جيدة", "טוב", "טובה",
];

/// One product's details as the answer to `question`; `others` are the products it is compared
/// with, whose names say nothing about this one ("the vest or the fleece jacket?" asks nothing
/// about jackets of the vest).
pub(super) fn product_detail(
    detail: &ProductDetail,
    others: &[ProductDetail],
    question: &Question,
) -> String {
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
    let name_words: HashSet<String> = std::iter::once(detail)
        .chain(others)
        .flat_map(|d| words(&d.card.title))
        .collect();
    let mut terms: Vec<String> = question
        .terms
        .iter()
        .filter(|t| !name_words.contains(*t) && !GENERIC.contains(&t.as_str()))
        .cloned()
        .collect();
    // The question without the product's name: "Rain Shell" asks nothing about rain.
    let asked: Vec<String> = question
        .words
        .iter()
        .filter(|w| !name_words.contains(*w))
        .cloned()
        .collect();
    for (cues, words) in ATTRIBUTES {
        if asks_any(&asked, cues) {
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
        let picked = best_sentences(
            &[Text::whole(&detail.description)],
            &terms,
            question,
            3,
            0.5,
        );
        if picked.is_empty() && asks_any(&asked, OPINION) {
            out.push(' ');
            out.push_str(&opening(&detail.description));
        } else if picked.is_empty() {
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
        let opening = opening(&detail.description);
        if !opening.is_empty() {
            out.push(' ');
            out.push_str(&opening);
        }
    }
    // The product's card (with its link) goes with the answer: no URL in the text.
    out
}

/// A description's first two sentences: what the product is for.
fn opening(description: &str) -> String {
    segments(description)
        .into_iter()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn inventory(stock: &Inventory, arguments: &Value, question: &Question) -> String {
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

pub(super) fn cart_action(cart: &CartAction, question: &Question) -> String {
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
