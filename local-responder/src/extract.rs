//! Entities in a shopper's message: order numbers, emails, price bounds, quantities, and the
//! product (and variant) the shopper names.
//!
//! The router does not know the catalog, so a product is found by its shape: store product
//! names are written in title case ("the Harbor 28L Daypack in Olive"), and the words after
//! it ("in size M, Olive") name the variant. The tool resolves the phrase by search.

use super::lang::{self, fold, has_any, strip_invisible, words};

/// Order numbers in `text`, written as "#1043": "#1043", "order 1043", "order no. 1043",
/// "commande n° 1043", "pedido 1043", "Bestellung 1043".
pub fn order_numbers(text: &str) -> Vec<String> {
    let words = words(text);
    let mut out: Vec<String> = Vec::new();
    for (i, word) in words.iter().enumerate() {
        if !(3..=10).contains(&word.len()) || !word.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let previous = |back: usize| i.checked_sub(back).and_then(|j| words.get(j));
        let after_hash = previous(1).is_some_and(|w| w == "#");
        let after_word = (1..=3)
            .filter_map(previous)
            .any(|w| ORDER_WORDS.contains(&w.as_str()))
            && previous(1).is_some_and(|w| w != "$" && w != "€");
        if after_hash || after_word {
            let number = format!("#{word}");
            if !out.contains(&number) {
                out.push(number);
            }
        }
    }
    out
}

#[rustfmt::skip]
const ORDER_WORDS: &[&str] = &[
    "order", "orders", "commande", "commandes", "pedido", "pedidos", "orden", "bestellung",
    "bestellnummer", "auftrag", "number", "no", "nr", "n", "numero", "nummer", "num",
];

/// Email addresses in `text`, as written.
pub fn emails(text: &str) -> Vec<String> {
    let chars: Vec<char> = strip_invisible(text).chars().collect();
    let local = |c: char| c.is_ascii_alphanumeric() || "._%+-'".contains(c);
    let domain = |c: char| c.is_ascii_alphanumeric() || ".-".contains(c);
    let mut out: Vec<String> = Vec::new();
    for (at, _) in chars.iter().enumerate().filter(|(_, c)| **c == '@') {
        let mut start = at;
        while start > 0 && local(chars[start - 1]) {
            start -= 1;
        }
        let mut end = at + 1;
        while end < chars.len() && domain(chars[end]) {
            end += 1;
        }
        let name: String = chars[start..at].iter().collect();
        let host: String = chars[at + 1..end].iter().collect();
        let name = name.trim_start_matches(['.', '\'']);
        let host = host.trim_end_matches(['.', '-']);
        if name.is_empty() || !host.contains('.') || host.starts_with('.') {
            continue;
        }
        let email = format!("{name}@{host}");
        if !out.contains(&email) {
            out.push(email);
        }
    }
    out
}

/// Price bounds the shopper stated, and which of `words` stated them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prices {
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Word indices (into the words the bounds were read from) that belong to the bounds.
    pub spans: Vec<(usize, usize)>,
}

#[rustfmt::skip]
const MAX_CUES: &[&str] = &[
    "under", "below", "less than", "no more than", "not more than", "up to", "at most",
    "cheaper than", "max", "maximum", "within", "budget of", "budget is", "beneath", "moins de",
    "en dessous de", "au dessous de", "jusqu a", "pas plus de", "maximum de", "menos de",
    "por debajo de", "debajo de", "hasta", "maximo", "no mas de", "unter", "bis", "hochstens",
    "weniger als", "maximal", "bis zu", "budget",
    // it, pt, nl, ar, he
    "sotto i", "sotto", "meno di", "al massimo", "fino a", "ate", "abaixo de", "no maximo",
    "onder de", "onder", "minder dan", "hooguit", "tot", "أقل من", "اقل من", "حتى", "לא יותר מ",
    "פחות מ", "עד",
    // More ways each language writes a ceiling: "massimo 150", "maximaal 120", "بحد أقصى 40".
    "massimo", "entro i", "entro", "non oltre", "como maximo", "maximaal", "hoogstens",
    "bisschen unter", "بأقل من", "باقل من", "بحد أقصى", "بحد اقصى", "كحد أقصى", "حد أقصى",
    "لا يزيد عن", "لا يتجاوز", "מקסימום", "לכל היותר",
];
/// A ceiling written after the amount: "150 tops", "80 max", "100 o menos", "50 of minder".
#[rustfmt::skip]
const MAX_AFTER: &[&str] = &[
    "tops", "max", "maximum", "at most", "or less", "or under", "or cheaper", "ou moins",
    "maximum", "au maximum", "o menos", "como maximo", "maximo", "oder weniger", "hochstens",
    "maximal", "o meno", "al massimo", "massimo", "ou menos", "no maximo", "of minder",
    "maximaal", "hooguit", "او اقل", "أو أقل", "كحد أقصى", "بحد أقصى", "לכל היותר", "מקסימום",
];
/// Round amounts written as words: "under a hundred", "unter hundert", "menos de cien".
#[rustfmt::skip]
const AMOUNT_WORDS: &[(&str, f64)] = &[
    ("two hundred", 200.0), ("one hundred", 100.0), ("hundred", 100.0), ("fifty", 50.0),
    ("deux cents", 200.0), ("cent", 100.0), ("cinquante", 50.0), ("doscientos", 200.0),
    ("cien", 100.0), ("cincuenta", 50.0), ("zweihundert", 200.0), ("einhundert", 100.0),
    ("hundert", 100.0), ("funfzig", 50.0), ("duecento", 200.0), ("cento", 100.0),
    ("cinquanta", 50.0), ("duzentos", 200.0), ("cem", 100.0), ("cinquenta", 50.0),
    ("tweehonderd", 200.0), ("honderd", 100.0), ("vijftig", 50.0), ("مئتين", 200.0),
    ("مئة", 100.0), ("مائة", 100.0), ("مية", 100.0), ("خمسين", 50.0), ("מאתיים", 200.0),
    ("מאה", 100.0), ("חמישים", 50.0),
];
/// Written glued to the number where words have no spaces (Japanese): "100ドル以下", "50ドルまで".
const GLUED_CURRENCY: &[&str] = &["ドル", "円", "ユーロ", "$"];
const GLUED_MAX: &[&str] = &["以下", "以内", "まで", "未満", "を超えない"];
/// A budget named before the number: "予算は50ドル".
const GLUED_BUDGET: &[&str] = &["予算"];
/// "Not", before "more than": the bound is a ceiling.
#[rustfmt::skip]
const NOT: &[&str] = &[
    "not", "no", "pas", "nicht", "non", "nao", "niet", "doesn", "don", "won", "never", "nunca",
    "jamais", "nie", "mai", "nooit", "لا", "לא",
    // "nothing over 60": nothing that is more than it.
    "nothing", "nada", "rien", "nichts", "niente", "nulla", "niets",
];
#[rustfmt::skip]
const MIN_CUES: &[&str] = &[
    "over", "above", "more than", "at least", "starting at", "plus de", "au moins", "au dessus de",
    "mas de", "por encima de", "al menos", "uber", "mehr als", "mindestens",
    "piu di", "mais de", "meer dan", "أكثر من", "اكثر من", "יותר מ",
    // Verbs of going over: a ceiling once negated ("que no pase de 40", "non superi i 60").
    "exceed", "go over", "pase de", "pasar de", "pasa de", "depasse", "depasser", "superi",
    "superare", "supera", "passe de", "ultrapasse", "ultrapassar", "uberschreitet", "يزيد عن",
    "يتجاوز",
];
const RANGE_CUES: &[(&str, &[&str])] = &[
    ("between", &["and", "to"]),
    ("from", &["to"]),
    ("entre", &["et", "y", "a"]),
    ("de", &["a"]),
    ("zwischen", &["und"]),
    ("von", &["bis"]),
    ("tra", &["e"]),
    ("fra", &["e"]),
    ("tussen", &["en"]),
    ("van", &["tot"]),
];
#[rustfmt::skip]
const CURRENCY_WORDS: &[&str] = &[
    "$", "€", "£", "usd", "eur", "cad", "gbp", "dollar", "dollars", "bucks", "euro", "euros",
    "dolar", "dolares", "pounds", "us", "ca", "dollari", "دولار", "دولارات", "דולר", "ドル",
];
/// Units after a number that make it something other than money.
#[rustfmt::skip]
const UNITS: &[&str] = &[
    "kg", "g", "lb", "lbs", "oz", "l", "liter", "liters", "litres", "ml", "inch", "inches", "in",
    "cm", "mm", "m", "degrees", "f", "c", "hours", "hour", "days", "day", "years", "year", "ans",
    "an", "anos", "jahre", "jahren", "months", "mois", "meses", "monate", "minutes", "min",
    "pulgadas", "pouces", "zoll", "stunden", "heures", "horas", "tage", "jours", "dias", "pairs",
    "pieces", "people", "person", "persons", "weeks", "week", "semaines", "semanas", "wochen",
    "settimane", "weken", "uhr", "h", "am", "pm", "business", "grad", "grados", "degres",
    "percent", "%", "kilos", "kilo", "liters", "litros", "litri", "liter", "pounds",
];

/// A number as people write it: "200", "49.99", "49,99", "1,000".
pub fn parse_number(word: &str) -> Option<f64> {
    if !word.chars().next()?.is_ascii_digit() {
        return None;
    }
    let normal = match word.rfind([',', '.']) {
        // "1,000" and "1.000" group thousands; "49,99" is a decimal comma.
        Some(at) if word.len() - at - 1 == 3 => word.replace([',', '.'], ""),
        Some(_) => {
            let (whole, fraction) = word.split_at(word.rfind([',', '.'])?);
            format!("{}.{}", whole.replace([',', '.'], ""), &fraction[1..])
        }
        None => word.to_owned(),
    };
    normal.parse().ok()
}

/// An amount of money read from the words.
struct Amount {
    value: f64,
    /// The index after it.
    end: usize,
    /// A currency was written with it ("$200", "200 dollars").
    currency: bool,
}

fn is_currency(word: Option<&String>) -> bool {
    word.is_some_and(|w| CURRENCY_WORDS.contains(&w.as_str()))
}

/// Reads the amount that starts at `at` ("$ 200", "200 dollars", "a 200"); `None` for a
/// number with a unit that is not money ("2 kg", "15 inch").
fn amount(words: &[String], at: usize) -> Option<Amount> {
    let mut i = at;
    let mut currency = false;
    // Filler between the cue and the number: "under a $200", "à moins de 200".
    for _ in 0..2 {
        match words.get(i).map(String::as_str) {
            Some(w) if CURRENCY_WORDS.contains(&w) => {
                currency = true;
                i += 1;
            }
            Some("a" | "the" | "about" | "around" | "approx" | "roughly" | "like") => i += 1,
            _ => break,
        }
    }
    let (value, used) = match parse_number(words.get(i)?) {
        Some(value) => (value, 1),
        None => amount_word(words, i)?,
    };
    i += used;
    let next = words.get(i);
    // "50 €", "200 dollars"; but in "$50 $100" the second "$" opens the next amount.
    if !currency && is_currency(next) {
        currency = true;
        i += 1;
    } else if next.is_some_and(|w| UNITS.contains(&w.as_str())) {
        return None;
    }
    Some(Amount {
        value,
        end: i,
        currency,
    })
}

/// A round amount written as words at `at`, and how many words it took.
fn amount_word(words: &[String], at: usize) -> Option<(f64, usize)> {
    AMOUNT_WORDS.iter().find_map(|(phrase, value)| {
        lang::find(&words[at..], phrase)
            .filter(|(start, _)| *start == 0)
            .map(|(_, end)| (*value, end))
    })
}

/// A number a year could be ("hasta 2027"): read as money only with a currency.
fn looks_like_year(value: f64) -> bool {
    value.fract() == 0.0 && (1900.0..=2100.0).contains(&value)
}

/// A ceiling glued to its number, in writing without spaces: "100ドル以下", "予算は50ドルまで".
fn glued_ceiling(word: &str) -> Option<f64> {
    let start = word.find(|c: char| c.is_ascii_digit())?;
    let digits: String = word[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
        .collect();
    let value = parse_number(&digits)?;
    let before = &word[..start];
    let mut after = &word[start + digits.len()..];
    let mut currency = false;
    if let Some(rest) = GLUED_CURRENCY.iter().find_map(|c| after.strip_prefix(c)) {
        after = rest;
        currency = true;
    }
    let capped = GLUED_MAX.iter().any(|m| after.starts_with(m));
    let budget = currency && GLUED_BUDGET.iter().any(|b| before.contains(b));
    (capped && (currency || !looks_like_year(value)) || budget).then_some(value)
}

/// The price bounds stated in `words`.
pub fn prices(words: &[String]) -> Prices {
    let mut prices = Prices::default();
    let mut i = 0;
    'words: while i < words.len() {
        if let Some((low, high, end)) = range_at(words, i) {
            prices.min = Some(low);
            prices.max = Some(high);
            prices.spans.push((i, end));
            i = end;
            continue;
        }
        for (cues, is_max) in [(MAX_CUES, true), (MIN_CUES, false)] {
            for cue in cues {
                let Some((_, cue_end)) = lang::find(&words[i..], cue).filter(|(s, _)| *s == 0)
                else {
                    continue;
                };
                // "bis", "hasta" and "within" also speak of time: only with a currency.
                let strict = matches!(*cue, "bis" | "hasta" | "within" | "max" | "budget");
                // A plain number after "max" or "hasta" is a price unless it is small or a year.
                let plain = |a: &Amount| a.value >= 20.0 && !looks_like_year(a.value);
                let Some(amount) =
                    amount(words, i + cue_end).filter(|a| a.currency || !strict || plain(a))
                else {
                    continue;
                };
                // "not (much) more than 100", "no mucho más de 100": a ceiling.
                let negated = words[i.saturating_sub(2)..i]
                    .iter()
                    .any(|w| NOT.contains(&w.as_str()));
                if is_max || negated {
                    prices.max = Some(amount.value);
                } else {
                    prices.min = Some(amount.value);
                }
                prices.spans.push((i, amount.end));
                i = amount.end;
                continue 'words;
            }
        }
        // "150 tops", "80 max": the ceiling follows the amount.
        if let Some(amount) = amount(words, i)
            && let Some((0, cue_end)) = MAX_AFTER
                .iter()
                .find_map(|cue| lang::find(&words[amount.end..], cue).filter(|(s, _)| *s == 0))
            && (amount.currency || !looks_like_year(amount.value))
        {
            prices.max = Some(amount.value);
            prices.spans.push((i, amount.end + cue_end));
            i = amount.end + cue_end;
            continue;
        }
        i += 1;
    }
    if prices.max.is_none() {
        prices.max = words.iter().find_map(|w| glued_ceiling(w));
    }
    prices
}

const RANGE_ARTICLES: &[&str] = &["the", "de", "les", "los", "las", "i", "os", "as"];

/// "between $150 and $250", "entre 50 y 100", "$50 to $100", "50-100 dollars".
fn range_at(words: &[String], i: usize) -> Option<(f64, f64, usize)> {
    let (low, high) = if let Some((opener, joiners)) =
        RANGE_CUES.iter().find(|(opener, _)| words[i] == *opener)
    {
        // "tussen de 20 en 40", "between the 50 and 100 mark": an article after the opener.
        let first = i
            + 1
            + usize::from(
                words
                    .get(i + 1)
                    .is_some_and(|w| RANGE_ARTICLES.contains(&w.as_str())),
            );
        let low = amount(words, first)?;
        if !words
            .get(low.end)
            .is_some_and(|w| joiners.contains(&w.as_str()))
        {
            return None;
        }
        let high = amount(words, low.end + 1)?;
        // "from 2 to 4" could be anything: only with a currency.
        let loose = matches!(*opener, "from" | "de" | "von");
        if loose && !(low.currency || high.currency) {
            return None;
        }
        (low, high)
    } else {
        // "$50 to $100", "$50-$100" (the hyphen is gone), "50 to 100 dollars".
        if !is_currency(words.get(i)) && parse_number(&words[i]).is_none() {
            return None;
        }
        let low = amount(words, i)?;
        let mut j = low.end;
        if words
            .get(j)
            .is_some_and(|w| ["to", "a", "y", "et", "bis", "and"].contains(&w.as_str()))
        {
            j += 1;
        } else if !is_currency(words.get(j))
            && words.get(j).is_none_or(|w| parse_number(w).is_none())
        {
            return None;
        }
        let high = amount(words, j)?;
        if !(high.currency && (low.currency || !is_currency(words.get(i)))) {
            return None;
        }
        (low, high)
    };
    (high.value > low.value).then_some((low.value, high.value, high.end))
}

#[rustfmt::skip]
const IN_STOCK: &[&str] = &[
    "in stock", "instock", "available now", "available right now", "currently available",
    "en stock", "disponible", "disponibles", "en existencia", "auf lager", "lieferbar", "verfugbar",
    "vorratig", "sofort lieferbar", "disponibile", "disponibili", "in magazzino", "em estoque",
    "disponivel", "disponiveis", "op voorraad", "leverbaar", "beschikbaar",
];
/// The same in Japanese, Arabic and Hebrew, matched inside the text.
pub const IN_STOCK_INSIDE: &[&str] = &["在庫", "متوفر", "متاح", "במלאי", "זמין"];

/// Whether the shopper asks only for what is in stock now.
pub fn in_stock(text: &str, words: &[String]) -> bool {
    (has_any(words, IN_STOCK) || IN_STOCK_INSIDE.iter().any(|cue| text.contains(cue)))
        && !has_any(words, &["out of stock", "not in stock"])
}

/// Number words, 1-10, in the four languages.
const NUMBER_WORDS: &[(&str, u32)] = &[
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("couple", 2),
    ("deux", 2),
    ("trois", 3),
    ("quatre", 4),
    ("cinq", 5),
    ("six", 6),
    ("dix", 10),
    ("dos", 2),
    ("tres", 3),
    ("cuatro", 4),
    ("cinco", 5),
    ("seis", 6),
    ("diez", 10),
    ("zwei", 2),
    ("drei", 3),
    ("vier", 4),
    ("funf", 5),
    ("sechs", 6),
    ("zehn", 10),
];

fn count_word(word: &str) -> Option<u64> {
    if word.chars().all(|c| c.is_ascii_digit()) {
        return word.parse().ok();
    }
    NUMBER_WORDS
        .iter()
        .find(|(w, _)| *w == word)
        .map(|(_, n)| u64::from(*n))
}

/// Verbs after which a number is how many: "I'll take two", "je prends deux", "quiero dos".
#[rustfmt::skip]
const WANT_VERBS: &[&str] = &[
    "take", "want", "need", "buy", "order", "prends", "veux", "voudrais", "quiero", "necesito",
    "compro", "nehme", "mochte", "brauche", "get",
];

/// How many the shopper wants, in a cart request: "add 2 …", "3 pairs of …", "deux …".
pub fn quantity(words: &[String]) -> Option<u64> {
    #[rustfmt::skip]
    const SKIP: &[&str] = &[
        "me", "moi", "bitte", "please", "also", "just", "aussi", "noch", "maar", "even", "eens",
        "mal", "gerne", "gern", "por", "favor", "per", "favore", "svp", "pf",
        // "aggiungi al carrello 2 …", "zet in m'n winkelwagen 3 …": the cart before the count.
        "to", "my", "the", "cart", "basket", "au", "panier", "al", "carrito", "in", "den",
        "warenkorb", "nel", "carrello", "no", "carrinho", "mijn", "m", "n", "winkelwagen",
        "winkelmandje",
    ];
    for (i, word) in words.iter().enumerate() {
        if tools::cart::CART_VERBS.contains(&word.as_str()) || WANT_VERBS.contains(&word.as_str()) {
            let mut j = i + 1;
            while words.get(j).is_some_and(|w| SKIP.contains(&w.as_str())) {
                j += 1;
            }
            if let Some(n) = words.get(j).and_then(|w| count_word(w)) {
                let unit = words.get(j + 1).map(String::as_str);
                if !matches!(unit, Some("oz" | "l" | "ml" | "$" | "%")) {
                    return Some(n);
                }
            }
        }
        if let Some(n) = count_word(word) {
            let next = words.get(i + 1).map(String::as_str);
            if matches!(
                next,
                Some("x" | "pairs" | "pair" | "of" | "units" | "pieces" | "paires" | "pares")
                    | Some("unidades" | "stuck" | "paar" | "exemplaires" | "paia" | "pezzi")
                    | Some("stuks" | "unidade" | "unita")
            ) && n > 0
                && (i == 0 || !matches!(words[i - 1].as_str(), "$" | "#"))
            {
                return Some(n);
            }
        }
        if matches!(
            word.as_str(),
            "quantity" | "qty" | "quantite" | "cantidad" | "menge"
        ) && let Some(n) = words.get(i + 1).and_then(|w| count_word(w))
        {
            return Some(n);
        }
    }
    None
}

/// A word of the message as typed, with what its punctuation says about where it stands.
#[derive(Debug, Clone)]
struct Typed {
    text: String,
    /// A comma, colon or semicolon follows it.
    ends_clause: bool,
    /// A full stop, question or exclamation mark follows it.
    ends_sentence: bool,
}

fn typed_words(text: &str) -> Vec<Typed> {
    strip_invisible(text)
        .split_whitespace()
        .filter_map(|chunk| {
            let start = chunk.trim_start_matches(['¿', '¡', '(', '"', '\'', '[', '{', '«', '*']);
            let mut text = start.trim_end_matches([
                ',', '.', '?', '!', ':', ';', ')', '"', ']', '}', '»', '*', '\'',
            ]);
            let tail = &start[text.len()..];
            // "Kids'" keeps its apostrophe.
            if tail.starts_with('\'') && text.ends_with('s') {
                text = &start[..text.len() + 1];
            }
            let tail = &start[text.len()..];
            if text.is_empty() && tail.is_empty() {
                return None;
            }
            Some(Typed {
                text: text.to_owned(),
                ends_clause: tail.contains([',', ':', ';']),
                ends_sentence: tail.contains(['.', '?', '!']),
            })
        })
        .collect()
}

/// Capitalised words that do not start a product name.
#[rustfmt::skip]
const NAME_STOP: &[&str] = &[
    "i", "i'm", "i've", "i'd", "i'll", "im", "is", "are", "do", "does", "did", "can", "could",
    "will", "would", "what", "what's", "whats", "where", "where's", "when", "which", "who", "how",
    "why", "tell", "show", "add", "put", "please", "hi", "hello", "hey", "yes", "no", "ok", "okay",
    "great", "thanks", "thank", "and", "or", "the", "a", "an", "my", "your", "it", "it's", "this",
    "that", "any", "got", "looking", "need", "want", "recommend", "also", "so", "but", "if", "now",
    "then", "sorry", "order", "ups", "usps", "fedex", "dhl", "find", "give", "get", "our", "we",
    "we're", "you", "you're", "there", "here", "she", "he", "they", "bonjour", "salut", "merci",
    "est-ce", "est", "quelle", "quel", "combien", "avez-vous", "vous", "je", "j'ai", "ajoutez",
    "ajoute", "pourquoi", "où", "comment", "le", "la", "les", "du", "de", "des", "une", "un", "mon",
    "ma", "hola", "tienen", "tienes", "cuánto", "cuál", "dónde", "qué", "busco", "añade", "pon",
    "el", "los", "las", "mi", "ich", "ist", "sind", "habt", "haben", "was", "wo", "wie", "wann",
    "welche", "leg", "zeig", "bitte", "der", "die", "das", "den", "dem", "ein", "eine", "mein",
    "meine", "hallo", "ya", "y", "et", "und", "oder", "si", "p.s", "ps", "sunday", "monday",
    "tuesday", "wednesday", "thursday", "friday", "saturday", "sundays", "january", "february",
    "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "christmas", "thanksgiving", "easter", "halloween", "eve", "system", "admin",
    "note", "yeah", "wait", "well", "btw", "hmm", "also", "just", "perfect", "cool", "awesome",
    "nice", "and", "thx", "gracias", "danke", "vielen", "muchas", "quiero", "necesito",
    "ajoutez-le",
    "können", "konnen", "kann", "sie", "möchte", "mochte", "würde", "hätte", "gibt", "geben",
    "zeigen", "suchen", "brauche", "habe", "bin", "wir", "ihr", "euch", "mir", "mich", "uns",
    "diese", "dieser", "dieses", "noch", "guten", "morgen", "tag", "abend", "lieber", "liebe",
];

/// Sizes, written as shoppers and stores write them; a size ends a product name.
#[rustfmt::skip]
const SIZES: &[&str] = &[
    "xxs", "xs", "s", "m", "l", "xl", "xxl", "xxxl", "2xl", "3xl", "s/m", "m/l", "l/xl", "os",
];

fn is_size(word: &str) -> bool {
    SIZES.contains(&fold(word).as_str())
}

/// Whether a variant opens with a size or a number ("XL Moss", "10.5 black"), not only
/// other words ("cuir véritable").
pub fn opens_with_size(variant: &str) -> bool {
    variant
        .split_whitespace()
        .next()
        .is_some_and(|first| is_size(first) || parse_number(first).is_some())
}

fn is_code(word: &str) -> bool {
    // Tracking numbers, SKUs and the like: long and mostly digits.
    word.len() >= 8 && word.chars().filter(char::is_ascii_digit).count() >= 4
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// A capitalised word ("Harbor"), or letters with digits ("28L").
    Name,
    /// Only digits ("650", "3", "9.5").
    Number,
    /// Joins name words: "&", "of", "oz".
    Joint,
    Other,
}

fn kind(word: &str) -> Kind {
    let Some(first) = word.chars().next() else {
        return Kind::Other;
    };
    if is_code(word) || word.contains('@') || (word.contains('/') && !is_size(word)) {
        return Kind::Other;
    }
    if word
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return Kind::Number;
    }
    if matches!(word, "&" | "of" | "oz" | "+" | "de") {
        return Kind::Joint;
    }
    let lower = word.to_lowercase();
    if NAME_STOP.contains(&lower.as_str()) {
        return Kind::Other;
    }
    let has_digit = word.chars().any(|c| c.is_ascii_digit());
    let has_alpha = word.chars().any(char::is_alphabetic);
    if first.is_uppercase() || (has_digit && has_alpha) {
        return Kind::Name;
    }
    Kind::Other
}

/// A product named in the message, and the variant words that follow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// As typed: "Harbor Waxed Canvas Field Jacket".
    pub product: String,
    /// Normalised variant words: "M Olive", "10 brown".
    pub variant: Option<String>,
    /// The name was followed by "one" ("the Blue Plaid one"): it describes a variant of a
    /// product named earlier.
    pub descriptor: bool,
    /// Words in the name.
    pub len: usize,
}

/// Product names typed in `text`, in order.
pub fn named_products(text: &str, allow_single: bool) -> Vec<Named> {
    let typed = typed_words(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < typed.len() {
        let start = i;
        let mut end = i;
        while end < typed.len() {
            let word = &typed[end].text;
            let k = kind(word);
            // A size ends a name unless it opens it ("XL" alone is no product).
            if k == Kind::Other || (end > start && is_size(word)) {
                break;
            }
            end += 1;
            if typed[end - 1].ends_clause || typed[end - 1].ends_sentence {
                break;
            }
        }
        if end == start {
            i += 1;
            continue;
        }
        let mut next = end;
        if let Some((named, after)) = name_in(&typed, start, end, allow_single) {
            out.push(named);
            next = after;
        }
        i = next.max(start + 1);
    }
    out
}

/// The product name in `typed[start..end]`, after trimming, if it is one, and the index
/// after its variant words.
fn name_in(
    typed: &[Typed],
    mut start: usize,
    mut end: usize,
    allow_single: bool,
) -> Option<(Named, usize)> {
    let k = |i: usize| kind(&typed[i].text);
    // A leading number is a quantity ("2 Titanium Sporks") unless a unit follows ("32 oz"); a
    // leading size is a variant ("in XL Forest or is it sold out", "M/L Ember").
    while start < end
        && (k(start) == Kind::Joint
            || is_size(&typed[start].text)
            || k(start) == Kind::Number && !(start + 1 < end && typed[start + 1].text == "oz"))
    {
        start += 1;
    }
    while end > start && k(end - 1) == Kind::Joint && typed[end - 1].text != "oz" {
        end -= 1;
    }
    if start >= end {
        return None;
    }
    let names = (start..end).filter(|&i| k(i) == Kind::Name).count();
    let numbers = (start..end).filter(|&i| k(i) == Kind::Number).count();
    let lone = names == 1 && numbers == 0;
    if names == 0 || lone && !allow_single {
        return None;
    }
    if lone {
        // One word is a name only after "the" ("the Squall"), and not a size or a code.
        let word = &typed[start].text;
        let after_article = start > 0
            && matches!(
                typed[start - 1].text.to_lowercase().as_str(),
                "the" | "le" | "la" | "el"
            );
        if !after_article || word.len() < 4 || word.chars().all(|c| c.is_uppercase()) {
            return None;
        }
    }
    let product: Vec<&str> = typed[start..end].iter().map(|t| t.text.as_str()).collect();
    let descriptor = typed
        .get(end)
        .is_some_and(|t| matches!(t.text.to_lowercase().as_str(), "one" | "ones"))
        && !typed[end - 1].ends_clause;
    // Variant words follow the name directly: "in size M", "en talla 9.5", "XS".
    let opens_variant = typed.get(end).is_some_and(|t| {
        is_size(&t.text)
            || matches!(
                fold(&t.text).as_str(),
                "in" | "en"
                    | "size"
                    | "talla"
                    | "taille"
                    | "grosse"
                    | "color"
                    | "colour"
                    | "couleur"
                    | "farbe"
                    | "coloris"
            )
    });
    let ended = typed[end - 1].ends_clause || typed[end - 1].ends_sentence;
    let (variant, read) = if opens_variant && !ended {
        variant_words(&typed[end..])
    } else {
        (None, 0)
    };
    // Sizes typed just before the name belong to the variant ("a medium Field Jacket").
    let before = start
        .checked_sub(1)
        .and_then(|i| size_word(&fold(&typed[i].text)));
    let variant = match (before, variant) {
        (Some(size), Some(rest)) => Some(format!("{size} {rest}")),
        (Some(size), None) => Some(size.to_owned()),
        (None, rest) => rest,
    };
    let named = Named {
        product: product.join(" ").trim_end_matches([',', '.']).to_owned(),
        variant,
        descriptor,
        len: end - start,
    };
    Some((named, end + read))
}

/// Words that only connect variant words ("in a size 10 in brown").
#[rustfmt::skip]
const VARIANT_FILLER: &[&str] = &[
    "in", "a", "an", "the", "size", "sizes", "sz", "color", "colour", "colors", "en", "talla",
    "taille", "couleur", "coloris", "farbe", "grosse", "stock", "available", "availability", "auf",
    "lager", "disponible", "disponibles", "est", "ist", "is", "are", "still", "now", "right",
    "please", "bitte", "do", "you", "have", "it", "one", "ones", "also", "y", "et", "und",
    "currently", "verfugbar", "lieferbar", "vorratig", "de", "del", "la", "el", "le", "die", "der",
    "in", "s", "there", "any", "left", "anymore", "again", "back", "or", "and", "with", "by", "con",
    "mit", "avec", "all", "color:", "size:", "stuck", "get", "can", "i", "order", "model",
    "version",
];
/// Words after which the message no longer talks about the variant.
#[rustfmt::skip]
const VARIANT_END: &[&str] = &[
    "to", "for", "my", "me", "pour", "mon", "ma", "mes", "para", "mi", "al", "um", "meinen",
    "meine", "mein", "zum", "zur", "so", "because", "but", "if", "que", "weil", "wenn", "since",
    "then", "today", "heute", "hoy", "tomorrow", "when", "before", "at", "from", "im", "panier",
    "carrito", "warenkorb", "cart", "dans", "ship", "under", "under", "than",
    // "in XL Forest or is it sold out", "no M Navy tem ou acabou": the variant ends at "or".
    "or", "ou", "oder", "o", "of", "available", "left", "still", "noch", "ancora", "ainda",
];

/// "small" → "S", "medium" → "M"…, in the four languages.
fn size_word(word: &str) -> Option<&'static str> {
    Some(match word {
        "xs" | "xsmall" => "XS",
        "small" | "petit" | "petite" | "pequena" | "pequeno" | "chica" | "klein" => "S",
        "s" => "S",
        "medium" | "med" | "moyen" | "moyenne" | "mediana" | "mediano" | "mittel" | "m" => "M",
        "large" | "grand" | "grande" | "gross" | "l" => "L",
        "xl" | "xlarge" => "XL",
        "xxl" | "2xl" => "XXL",
        _ => return None,
    })
}

/// The variant words in `rest` (what follows a product name), normalised: "in size M, Olive
/// in stock?" → "M Olive"; "in a medium in Rust" → "M Rust". Also says how many words it read.
fn variant_words(rest: &[Typed]) -> (Option<String>, usize) {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < rest.len() {
        let typed = &rest[i];
        let raw = typed.text.to_lowercase();
        let folded = fold(&typed.text);
        if raw == "à" || VARIANT_END.contains(&folded.as_str()) || typed.text.contains('@') {
            break;
        }
        // "extra large", "x-large", "extra small".
        let extra = match rest.get(i + 1).map(|t| fold(&t.text)).as_deref() {
            Some("large") => Some("XL"),
            Some("small") => Some("XS"),
            _ => None,
        };
        if matches!(folded.as_str(), "extra" | "x")
            && let Some(size) = extra
        {
            out.push(size.to_owned());
            i += 2;
            if rest[i - 1].ends_sentence {
                break;
            }
            continue;
        }
        let word = folded.as_str();
        if let Some(size) = size_word(word).filter(|_| word.len() > 2 || is_size(&typed.text)) {
            out.push(size.to_owned());
        } else if !VARIANT_FILLER.contains(&word) && !word.is_empty() {
            let clean = typed.text.trim_end_matches([',', '.', '?', '!']);
            out.push(clean.to_owned());
        }
        i += 1;
        if typed.ends_sentence {
            break;
        }
    }
    ((!out.is_empty()).then(|| out.join(" ")), i)
}

/// Variant words in a follow-up that names no product: "What about in blue?" → "blue",
/// "¿Y en azul?" → "azul", "in a medium?" → "M".
pub fn variant_only(text: &str) -> Option<String> {
    let typed = typed_words(text);
    // "no M Navy", "nella taglia 42": in Portuguese and Italian only before a size.
    let sized = |i: usize| {
        typed
            .get(i + 1)
            .is_some_and(|t| size_word(&fold(&t.text)).is_some() || parse_number(&t.text).is_some())
    };
    let at = typed
        .iter()
        .enumerate()
        .position(|(i, t)| match fold(&t.text).as_str() {
            "in" | "en" => true,
            "em" | "no" | "na" | "nel" | "nella" => sized(i),
            _ => false,
        })?;
    variant_words(&typed[at..]).0
}

/// A variant described as "the grey one", "la bleue", "el negro" (no product named): its words.
pub fn described_one(words: &[String]) -> Option<String> {
    let at = words
        .iter()
        .position(|w| matches!(w.as_str(), "one" | "ones"))?;
    let start = words[..at]
        .iter()
        .rposition(|w| matches!(w.as_str(), "the" | "that" | "this" | "a"))?;
    let described = &words[start + 1..at];
    (!described.is_empty() && described.len() <= 3).then(|| described.join(" "))
}

/// The product named in `text` that a follow-up most likely refers to: the longest name the
/// shopper typed, or the first an assistant wrote (it leads with the product it answers about).
pub fn main_product(text: &str, first: bool) -> Option<Named> {
    let found = named_products(text, true)
        .into_iter()
        .filter(|n| !n.descriptor);
    if first {
        return found.into_iter().find(|n| n.len >= 2);
    }
    found.fold(None, |best: Option<Named>, n| match best {
        Some(b) if b.len >= n.len => Some(b),
        _ => Some(n),
    })
}

/// Words that mean the shopper is pointing back at something ("it", "this one", "lo").
pub fn points_back(words: &[String]) -> bool {
    has_any(
        words,
        &[
            "it", "this one", "that one", "this", "them", "these", "those", "the same", "il",
            "elle", "ils", "elles", "lo", "ihn", "es", "dieses", "diese", "diesen",
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_size_opens_a_variant_not_a_name() {
        let products = |text: &str| -> Vec<String> {
            named_products(text, true)
                .into_iter()
                .map(|n| n.product)
                .collect()
        };
        assert_eq!(
            products("is the Tidepool fleece in XL Forest available or is it sold out"),
            ["Tidepool"]
        );
        assert_eq!(products("any Ridge 45L left in M/L Ember"), ["Ridge 45L"]);
        assert!(opens_with_size("XL Moss") && opens_with_size("10.5 black"));
        assert!(!opens_with_size("cuir véritable") && !opens_with_size(""));
    }

    fn price_bounds(text: &str) -> (Option<f64>, Option<f64>) {
        let p = prices(&words(text));
        (p.min, p.max)
    }

    #[test]
    fn order_numbers_in_every_language() {
        assert_eq!(order_numbers("Where is my order #1043?"), ["#1043"]);
        assert_eq!(order_numbers("status of order 1043 please"), ["#1043"]);
        assert_eq!(order_numbers("order no. 1043"), ["#1043"]);
        assert_eq!(order_numbers("ma commande n° 1043"), ["#1043"]);
        assert_eq!(order_numbers("mi pedido 1051"), ["#1051"]);
        assert_eq!(order_numbers("Bestellung 1050"), ["#1050"]);
        assert_eq!(order_numbers("Bestellnummer: 1050"), ["#1050"]);
        assert_eq!(order_numbers("#1022 and #1046"), ["#1022", "#1046"]);
        assert!(order_numbers("I placed an order 20 minutes ago").is_empty());
        assert!(order_numbers("the Ridgeline 650 Down Jacket under $200").is_empty());
        assert!(order_numbers("order for $150").is_empty());
    }

    #[test]
    fn emails_as_typed() {
        assert_eq!(
            emails("Hi, can you check order #1047? My email is liam.oconnor@example.com."),
            ["liam.oconnor@example.com"]
        );
        assert_eq!(
            emails("correo: a+b@mail.test, b@x.org"),
            ["a+b@mail.test", "b@x.org"]
        );
        assert!(emails("write to @harbor or me@localhost").is_empty());
    }

    #[test]
    fn price_bounds_in_every_language() {
        assert_eq!(
            price_bounds("a waterproof jacket under $200?"),
            (None, Some(200.0))
        );
        assert_eq!(
            price_bounds("gift under $50 for my dad"),
            (None, Some(50.0))
        );
        assert_eq!(
            price_bounds("between $150 and $250?"),
            (Some(150.0), Some(250.0))
        );
        assert_eq!(price_bounds("à moins de 200 dollars"), (None, Some(200.0)));
        assert_eq!(price_bounds("moins de 50 €"), (None, Some(50.0)));
        assert_eq!(price_bounds("por menos de 40 dólares"), (None, Some(40.0)));
        assert_eq!(price_bounds("entre 50 y 100"), (Some(50.0), Some(100.0)));
        assert_eq!(price_bounds("unter 250 Dollar"), (None, Some(250.0)));
        assert_eq!(price_bounds("unter 100 Euro"), (None, Some(100.0)));
        assert_eq!(
            price_bounds("zwischen 50 und 100 Euro"),
            (Some(50.0), Some(100.0))
        );
        assert_eq!(
            price_bounds("tussen de 20 en 40 dollar"),
            (Some(20.0), Some(40.0))
        );
        assert_eq!(price_bounds("tra 30 e 60 euro"), (Some(30.0), Some(60.0)));
        assert_eq!(price_bounds("over $100"), (Some(100.0), None));
        assert_eq!(price_bounds("$50-$100"), (Some(50.0), Some(100.0)));
        // A ceiling written after the amount.
        assert_eq!(
            price_bounds("something for 49,99 € max"),
            (None, Some(49.99))
        );
        assert_eq!(price_bounds("budget like 150 tops"), (None, Some(150.0)));
        // Amounts in words, plain numbers after "max" / "hasta", and negated "more than".
        assert_eq!(price_bounds("under a hundred"), (None, Some(100.0)));
        assert_eq!(price_bounds("unter hundert bitte"), (None, Some(100.0)));
        assert_eq!(price_bounds("hasta 100"), (None, Some(100.0)));
        assert_eq!(price_bounds("max 200€"), (None, Some(200.0)));
        assert_eq!(price_bounds("non più di 60 dollari"), (None, Some(60.0)));
        assert_eq!(
            price_bounds("que no pase de 40 dólares"),
            (None, Some(40.0))
        );
        assert_eq!(price_bounds("niet meer dan 40 dollar"), (None, Some(40.0)));
        assert_eq!(
            price_bounds("a gift for my dad, nothing over 60 dollars"),
            (None, Some(60.0))
        );
        assert_eq!(price_bounds("nada de más de 50 euros"), (None, Some(50.0)));
        assert_eq!(price_bounds("massimo 150 euro"), (None, Some(150.0)));
        assert_eq!(price_bounds("بحد أقصى 40 دولار"), (None, Some(40.0)));
        assert_eq!(price_bounds("נעלי הליכה, מקסימום 250"), (None, Some(250.0)));
        assert_eq!(
            price_bounds("100ドル以下で暖かいフリース"),
            (None, Some(100.0))
        );
        assert_eq!(price_bounds("予算は50ドルで"), (None, Some(50.0)));
        // Not prices: a year, a small count, a time.
        assert_eq!(price_bounds("hasta 2027"), (None, None));
        assert_eq!(price_bounds("max 4 people"), (None, None));
        assert_eq!(price_bounds("bis 10 Uhr"), (None, None));
        assert_eq!(price_bounds("2026年12月まで"), (None, None));
        assert_eq!(price_bounds("a pack under 2 kg"), (None, None));
        assert_eq!(price_bounds("ships within 2 days"), (None, None));
        assert_eq!(price_bounds("from 2 to 4 days"), (None, None));
    }

    #[test]
    fn quantities() {
        assert_eq!(
            quantity(&words("Please add 2 Titanium Sporks to my cart.")),
            Some(2)
        );
        assert_eq!(
            quantity(&words("Add 3 pairs of the Merino Hiking Sock")),
            Some(3)
        );
        assert_eq!(
            quantity(&words("Añade 2 Enamel Camp Mug 12 oz en color Pine")),
            Some(2)
        );
        assert_eq!(quantity(&words("Ajoutez deux Titanium Spork")), Some(2));
        assert_eq!(quantity(&words("Add 1000 Titanium Sporks")), Some(1000));
        assert_eq!(
            quantity(&words("Put the Leather Dopp Kit in my cart")),
            None
        );
        assert_eq!(quantity(&words("add the Enamel Camp Mug 12 oz")), None);
    }

    fn named(text: &str) -> Vec<(String, Option<String>)> {
        named_products(text, true)
            .into_iter()
            .map(|n| (n.product, n.variant))
            .collect()
    }

    fn one(product: &str, variant: Option<&str>) -> Vec<(String, Option<String>)> {
        vec![(product.to_owned(), variant.map(str::to_owned))]
    }

    #[test]
    fn product_names_and_variants() {
        assert_eq!(
            named("Is the Harbor Waxed Canvas Field Jacket in size M, Olive in stock?"),
            one("Harbor Waxed Canvas Field Jacket", Some("M Olive"))
        );
        assert_eq!(
            named("Do you have the Ridgeline 650 Down Jacket in a medium in Rust?"),
            one("Ridgeline 650 Down Jacket", Some("M Rust"))
        );
        assert_eq!(
            named("Is the 32 oz Insulated Bottle in Sand in stock?"),
            one("32 oz Insulated Bottle", Some("Sand"))
        );
        assert_eq!(
            named("Is the Stoneware Mug Set of 2 in Tide Blue available?"),
            one("Stoneware Mug Set of 2", Some("Tide Blue"))
        );
        assert_eq!(
            named("Est-ce que la Harbor Flannel Shirt en L, Red Plaid, est disponible ?"),
            one("Harbor Flannel Shirt", Some("L Red Plaid"))
        );
        assert_eq!(
            named("¿Tienen la Portside Moc Toe Boot en talla 9.5 color Amber?"),
            one("Portside Moc Toe Boot", Some("9.5 Amber"))
        );
        assert_eq!(
            named("Add 3 pairs of the Merino Hiking Sock in L Olive to my cart."),
            one("Merino Hiking Sock", Some("L Olive"))
        );
        assert_eq!(
            named("Leg bitte die Watch Cap Beanie in Navy in meinen Warenkorb."),
            one("Watch Cap Beanie", Some("Navy"))
        );
        assert_eq!(
            named("What comes in the Stainless Camp Cookset (2-Person)?"),
            one("Stainless Camp Cookset 2-Person", None)
        );
        assert_eq!(
            named("Is the Kids' Puddle Rain Jacket in size 12 Yellow in stock?"),
            one("Kids' Puddle Rain Jacket", Some("12 Yellow"))
        );
        assert_eq!(
            named("Is the Deckhand Heavyweight Tee in M White in stock?"),
            one("Deckhand Heavyweight Tee", Some("M White"))
        );
        assert!(named("Do you have a waterproof jacket under $200?").is_empty());
        assert!(named("Habt ihr eine Daunenjacke unter 250 Dollar?").is_empty());
        assert!(named("UPS left a note on my door for #1045.").is_empty());
        let blue = named_products("Is the Blue Plaid one available in a medium?", true);
        assert!(blue[0].descriptor);
        assert_eq!(variant_only("What about in blue?").as_deref(), Some("blue"));
    }

    #[test]
    fn the_product_an_answer_is_about() {
        let answer = "Yes: the Squall 2.5L Rain Shell, $189. It's fully waterproof (20,000 mm) \
                      with taped seams and comes in Slate and Signal Yellow, sizes XS-XXL.";
        assert_eq!(
            main_product(answer, true).map(|n| n.product).as_deref(),
            Some("Squall 2.5L Rain Shell")
        );
        let question = "Does the Portland store have the Harbor 28L Daypack in Olive?";
        assert_eq!(
            main_product(question, false).map(|n| n.product).as_deref(),
            Some("Harbor 28L Daypack")
        );
    }
}
