//! The shopper's language: detection, stop words, and a
//! small glossary that carries French, Spanish and German shopping words over to English,
//! the language store content is usually written in. The plain-text machinery (folding, words,
//! phrase matching) is `tools::text`, shared with the cart gate.

use std::collections::HashSet;

/// The languages the responder answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Fr,
    Es,
    De,
}

pub use tools::text::{count, find, fold, has, has_any, strip_invisible, words};

#[rustfmt::skip]
const EN_MARKERS: &[&str] = &[
    "the", "is", "are", "do", "does", "you", "your", "my", "what", "where", "how", "when", "can",
    "i", "it", "have", "for", "and", "to", "of", "with", "this", "that", "please", "thanks",
    "thank", "hi", "hello", "hey", "order", "want", "need", "much", "there", "will", "get", "me",
    "any", "which", "who", "why", "did", "has", "s", "m", "t", "be", "on", "from", "in",
];
#[rustfmt::skip]
const FR_MARKERS: &[&str] = &[
    "le", "les", "des", "du", "est", "vous", "votre", "vos", "je", "j", "ma", "mon", "mes", "pour",
    "une", "avec", "qui", "quoi", "ou", "combien", "quelle", "quel", "quels", "bonjour", "merci",
    "il", "plait", "avez", "pouvez", "commande", "livraison", "et", "pas", "ne", "suis", "moi",
    "au", "aux", "ce", "cette", "c", "d", "l", "qu", "sont", "salut", "toutes", "tous", "elle",
    "dans", "peux", "puis", "existe", "taille", "leur",
];
#[rustfmt::skip]
const ES_MARKERS: &[&str] = &[
    "el", "los", "las", "es", "mi", "mis", "tienen", "tiene", "tienes", "cuanto", "cuanta", "donde",
    "por", "para", "con", "una", "hola", "gracias", "pedido", "correo", "quiero", "puedo", "como",
    "esta", "estan", "y", "ya", "mas", "del", "al", "lo", "se", "su", "sus", "hay", "muy", "cual",
    "muchas", "tu", "favor", "soy", "dame", "envio", "tarda", "busco", "unas", "unos", "hasta",
    "sean", "necesito",
];
#[rustfmt::skip]
const DE_MARKERS: &[&str] = &[
    "der", "die", "das", "den", "dem", "des", "ist", "ich", "mein", "meine", "meinen", "und",
    "nicht", "mit", "fur", "wie", "wo", "was", "habt", "haben", "hast", "bitte", "hallo", "danke",
    "bestellung", "ein", "eine", "einen", "auf", "zu", "ihr", "wir", "noch", "schon", "auch",
    "kann", "gibt", "wann", "welche", "zeig", "mir", "geht", "sie", "ihnen", "lange",
];

/// The language of `text`, if it says enough to tell.
pub fn detect(text: &str) -> Option<Lang> {
    let words = words(text);
    let score = |markers: &[&str]| {
        words
            .iter()
            .filter(|w| markers.contains(&w.as_str()))
            .count()
    };
    let mut scores = [
        (Lang::En, score(EN_MARKERS) * 2),
        (Lang::Fr, score(FR_MARKERS) * 2),
        (Lang::Es, score(ES_MARKERS) * 2),
        (Lang::De, score(DE_MARKERS) * 2),
    ];
    for c in text.chars() {
        let (lang, weight) = match c {
            'ñ' | '¿' | '¡' => (Lang::Es, 3),
            'á' | 'í' | 'ó' | 'ú' => (Lang::Es, 1),
            'ß' | 'ä' | 'ö' | 'Ä' | 'Ö' => (Lang::De, 3),
            'ü' | 'Ü' => (Lang::De, 2),
            'ç' | 'è' | 'ê' | 'à' | 'ù' | 'œ' | 'â' | 'î' | 'ô' | 'û' | '«' | '»' => {
                (Lang::Fr, 2)
            }
            'é' => (Lang::Fr, 1),
            _ => continue,
        };
        if let Some(slot) = scores.iter_mut().find(|(l, _)| *l == lang) {
            slot.1 += weight;
        }
    }
    let best = scores.iter().max_by_key(|(_, s)| *s)?;
    if best.1 == 0 {
        return None;
    }
    // A tie with English goes to English: names of products are usually English words.
    if scores[0].1 == best.1 {
        return Some(Lang::En);
    }
    Some(best.0)
}

#[rustfmt::skip]
const IT_MARKERS: &[&str] = &[
    "il", "lo", "gli", "della", "dello", "degli", "delle", "che", "non", "sono", "avete", "hai",
    "mio", "mia", "miei", "per", "con", "una", "uno", "quanto", "quanti", "dove", "ciao", "grazie",
    "vorrei", "posso", "questo", "questa", "anche", "ancora", "ordine", "taglia", "spedizione",
    "nel", "nella", "sul", "sulla", "cosa", "qual", "perche", "voglio", "sei", "mi", "ci", "e",
    "blu", "nero", "rosso", "grigio", "bianco", "verde",
];
#[rustfmt::skip]
const PT_MARKERS: &[&str] = &[
    "voce", "voces", "vcs", "meu", "minha", "meus", "minhas", "nao", "sim", "tem", "tenho", "uma",
    "um", "pra", "com", "quanto", "quantos", "onde", "obrigado", "obrigada", "oi", "ola",
    "quero", "posso", "esse", "essa", "isso", "ainda", "pedido", "tamanho", "frete", "dos", "das",
    "nos", "nas", "qual", "cade", "valeu", "tudo", "voces", "seu", "sua",
];
#[rustfmt::skip]
const NL_MARKERS: &[&str] = &[
    "het", "een", "ik", "jij", "jullie", "mijn", "niet", "wat", "waar", "hoe", "hoeveel",
    "hebben", "heb", "heeft", "van", "voor", "met", "dit", "deze", "dat", "nog", "ook", "kan",
    "kun", "graag", "bedankt", "dank", "bestelling", "maat", "verzending", "zijn", "naar", "bij",
    "wel", "welke", "mag", "wil", "jullie", "hoi", "kleur", "zwart", "blauw", "rood", "groen",
    "grijs", "wit",
];

/// Whether `text` is in one of the four languages the cue lists are written in (English,
/// French, Spanish, German), rather than in Italian, Portuguese, Dutch or another script:
/// those go to the nearest-exemplar classifier (`crate::intent`) instead of the cue lists.
pub fn cue_language(text: &str) -> bool {
    let other_script = text.chars().any(|c| {
        matches!(c as u32,
            0x0590..=0x05FF   // Hebrew
            | 0x0600..=0x06FF // Arabic
            | 0x3040..=0x30FF // kana
            | 0x4E00..=0x9FFF // CJK
            | 0xFF00..=0xFFEF)
    });
    if other_script {
        return false;
    }
    let words = words(text);
    let score = |markers: &[&str]| {
        words
            .iter()
            .filter(|w| markers.contains(&w.as_str()))
            .count()
    };
    let ours = [
        score(EN_MARKERS),
        score(FR_MARKERS),
        score(ES_MARKERS),
        score(DE_MARKERS),
    ]
    .into_iter()
    .max()
    .unwrap_or(0);
    let theirs = [score(IT_MARKERS), score(PT_MARKERS), score(NL_MARKERS)]
        .into_iter()
        .max()
        .unwrap_or(0);
    // No marker at all ("camisetas algodão orgânico"): the glossaries say whose words these are.
    if ours == 0 && theirs == 0 {
        return !english_terms(&words).is_empty()
            || crate::glossary::english_terms(text, &words).is_empty();
    }
    ours > theirs || theirs == 0
}

/// Words that carry no topic, in the four languages (folded).
pub fn is_stopword(word: &str) -> bool {
    STOPWORDS.contains(&word)
}

const STOPWORDS: &[&str] = &[
    // en
    "a", "an", "the", "and", "or", "but", "if", "of", "to", "in", "on", "at", "by", "for", "with",
    "from", "about", "as", "into", "than", "then", "so", "too", "very", "just", "also", "i", "me",
    "my", "mine", "we", "us", "our", "you", "your", "yours", "he", "she", "him", "her", "his",
    "they", "them", "their", "it", "its", "this", "that", "these", "those", "is", "are", "was",
    "were", "be", "been", "being", "am", "do", "does", "did", "done", "have", "has", "had",
    "having", "can", "could", "will", "would", "should", "shall", "may", "might", "must", "s", "m",
    "t", "d", "ll", "re", "ve", "what", "which", "who", "whom", "whose", "where", "when", "why",
    "how", "any", "some", "there", "here", "please", "thanks", "hi", "hello", "hey", "get", "got",
    "go", "want", "like", "need", "know", "tell", "let", "yes", "no", "not", "ok", "okay", "right",
    "now", "still", "one", "ones", "all", "much", "many", "really", "yet", "again", "up", "out",
    "over", // fr
    "le", "la", "les", "l", "un", "une", "des", "du", "de", "d", "et", "ou", "est", "sont", "je",
    "j", "tu", "il", "elle", "nous", "vous", "ils", "elles", "mon", "ma", "mes", "ton", "ta",
    "tes", "son", "sa", "ses", "notre", "votre", "vos", "leur", "leurs", "ce", "cet", "cette",
    "ces", "c", "qui", "que", "qu", "quoi", "quel", "quelle", "quels", "quelles", "dans", "en",
    "au", "aux", "pour", "par", "sur", "avec", "sans", "pas", "ne", "plus", "se", "s", "y", "a",
    "avez", "avoir", "ai", "etre", "suis", "moi", "toi", "si", "il", "plait", "bonjour", "merci",
    "est-ce", "comment", "combien", // es
    "el", "los", "las", "lo", "una", "unos", "unas", "y", "o", "es", "son", "yo", "mi", "mis",
    "tu", "tus", "su", "sus", "nuestro", "que", "cual", "cuales", "del", "al", "por", "para",
    "con", "sin", "en", "se", "me", "te", "le", "les", "hay", "tienen", "tiene", "tienes", "esta",
    "este", "estos", "estas", "eso", "ese", "hola", "gracias", "favor", "muy", "mas", "ya", "como",
    "donde", "cuando", "cuanto", "cuanta", // de
    "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "einer", "und",
    "oder", "ist", "sind", "ich", "du", "er", "es", "wir", "ihr", "sie", "mein", "meine", "meinen",
    "meiner", "dein", "euer", "mir", "mich", "dir", "uns", "euch", "zu", "zum", "zur", "im", "in",
    "an", "am", "auf", "mit", "fur", "von", "vom", "bei", "nach", "aus", "nicht", "noch", "schon",
    "auch", "was", "wie", "wo", "wann", "welche", "welcher", "habt", "haben", "hast", "hat",
    "bitte", "hallo", "danke", "gibt", "kann", "konnen", "ja", "nein",
];

/// French, Spanish and German shopping and help words, with their English equivalents:
/// store content is usually English, so a query or a question gains these words.
const GLOSSARY: &[(&str, &str)] = &[
    // fr
    ("veste", "jacket"),
    ("vestes", "jackets"),
    ("manteau", "coat"),
    ("doudoune", "down jacket"),
    ("plus grand", "bigger larger"),
    ("plus leger", "lighter lightweight"),
    ("plus chaud", "warmer warm"),
    ("nuits", "overnight backpacking"),
    ("mas grande", "bigger larger"),
    ("mas ligero", "lighter lightweight"),
    ("noches", "overnight backpacking"),
    ("grosser", "bigger larger"),
    ("warmer", "warmer warm"),
    ("nachte", "overnight backpacking"),
    ("telefonnummer", "phone call"),
    ("poele", "skillet"),
    ("polaire", "fleece"),
    ("veste polaire", "fleece jacket"),
    ("forro polar", "fleece"),
    ("fleecejacke", "fleece jacket"),
    ("wanderschuhe", "hiking boots"),
    ("table pliante", "folding table"),
    ("table de camping", "camp table"),
    ("mesa plegable", "folding table"),
    ("klapptisch", "folding table"),
    ("campingtisch", "camp table"),
    ("hamac", "hammock"),
    ("hamaca", "hammock"),
    ("hangematte", "hammock"),
    ("lanterne", "lantern"),
    ("farol", "lantern"),
    ("linterna", "lantern"),
    ("laterne", "lantern"),
    ("gourde", "bottle"),
    ("bouteille", "bottle"),
    ("botella", "bottle"),
    ("flasche", "bottle"),
    ("trinkflasche", "bottle"),
    ("toile ciree", "waxed canvas"),
    ("lona encerada", "waxed canvas"),
    ("gewachste", "waxed canvas"),
    ("gewachstes", "waxed canvas"),
    ("gewachster", "waxed canvas"),
    ("sac de voyage", "duffel bag"),
    ("bolsa de viaje", "duffel bag"),
    ("reisetasche", "duffel bag"),
    ("fonte", "cast iron"),
    ("cocotte", "dutch oven"),
    ("sarten", "skillet"),
    ("hierro fundido", "cast iron"),
    ("olla", "dutch oven"),
    ("pfanne", "skillet"),
    ("gusseisen", "cast iron"),
    ("gusseisenpfanne", "cast iron skillet"),
    ("brater", "dutch oven"),
    ("chaussures", "shoes"),
    ("chaussettes", "socks"),
    ("bottes", "boots"),
    ("sac a dos", "backpack"),
    ("sac", "bag"),
    ("pantalon", "pants"),
    ("chemise", "shirt"),
    ("pull", "sweater"),
    ("bonnet", "beanie"),
    ("gants", "gloves"),
    ("tasse", "mug"),
    ("couverture", "blanket"),
    ("bougie", "candle"),
    ("tente", "tent"),
    ("sac de couchage", "sleeping bag"),
    ("impermeable", "waterproof"),
    ("randonnee", "hiking"),
    ("cafe", "coffee"),
    ("cadeau", "gift"),
    ("enfant", "kids"),
    ("enfants", "kids"),
    ("femme", "women"),
    ("homme", "men"),
    ("merinos", "merino"),
    ("laine", "wool"),
    ("cuir", "leather"),
    ("retour", "return returns"),
    ("retours", "return returns"),
    ("retourner", "return"),
    ("remboursement", "refund"),
    ("rembourse", "refund"),
    ("echange", "exchange"),
    ("livraison", "shipping delivery"),
    ("livrez", "ship deliver"),
    ("expedition", "shipping"),
    ("frais", "cost fee"),
    ("douane", "customs duties"),
    ("taxes", "taxes"),
    ("garantie", "warranty guarantee"),
    ("reparation", "repair"),
    ("entretien", "care"),
    ("laver", "wash"),
    ("taille", "size"),
    ("tailles", "sizes"),
    ("horaires", "hours"),
    ("magasin", "store"),
    ("telephone", "phone"),
    ("telefono", "phone"),
    ("atencion", "service"),
    ("zuruckzugeben", "return"),
    ("zuruckschicken", "return"),
    ("umtauschen", "exchange"),
    ("casse", "damaged broken"),
    ("cassee", "damaged broken"),
    ("abime", "damaged"),
    ("roto", "damaged broken"),
    ("rota", "damaged broken"),
    ("danado", "damaged"),
    ("kaputt", "damaged broken"),
    ("beschadigt", "damaged"),
    ("paiement", "payment"),
    ("carte cadeau", "gift card"),
    ("annuler", "cancel"),
    ("commande", "order"),
    ("colis", "package"),
    ("politique", "policy"),
    ("combien", "how much"),
    ("coute", "cost price"),
    ("prix", "price"),
    ("poids", "weight"),
    ("pese", "weighs weight"),
    ("contenance", "capacity liters"),
    ("fabrique", "made"),
    ("couleurs", "colors"),
    ("delai", "time days"),
    ("jours", "days"),
    ("livraison standard", "standard"),
    ("livraison normale", "standard"),
    ("noel", "christmas holiday"),
    ("appeler", "phone call"),
    ("appelle", "phone call"),
    ("numero de telephone", "phone"),
    ("service client", "customer service contact"),
    ("neige", "snow winter"),
    ("chausson", "slipper moccasin"),
    ("pantoufle", "slipper moccasin"),
    ("sweat", "sweatshirt"),
    ("sweat a capuche", "hoodie"),
    ("capuche", "hoodie"),
    // es
    ("chaqueta", "jacket"),
    ("abrigo", "coat"),
    ("botas", "boots"),
    ("zapatos", "shoes"),
    ("calcetines", "socks"),
    ("mochila", "backpack"),
    ("bolsa", "bag"),
    ("pantalones", "pants"),
    ("camisa", "shirt"),
    ("gorro", "beanie"),
    ("guantes", "gloves"),
    ("taza", "mug"),
    ("manta", "blanket"),
    ("vela", "candle"),
    ("saco de dormir", "sleeping bag"),
    ("sacos de dormir", "sleeping bags"),
    ("senderismo", "hiking"),
    ("regalo", "gift"),
    ("regalos", "gifts"),
    ("nino", "kids"),
    ("ninos", "kids"),
    ("mujer", "women"),
    ("hombre", "men"),
    ("lana", "wool"),
    ("cuero", "leather"),
    ("devolucion", "return returns"),
    ("devoluciones", "return returns"),
    ("devolver", "return"),
    ("reembolso", "refund"),
    ("cambio", "exchange"),
    ("envio", "shipping"),
    ("envios", "shipping"),
    ("entrega", "delivery"),
    ("aduana", "customs duties"),
    ("impuestos", "taxes"),
    ("garantia", "warranty guarantee"),
    ("reparacion", "repair"),
    ("cuidado", "care"),
    ("lavar", "wash"),
    ("talla", "size"),
    ("tallas", "sizes"),
    ("horario", "hours"),
    ("atencion al cliente", "customer service"),
    ("pago", "payment"),
    ("tarjeta de regalo", "gift card"),
    ("cancelar", "cancel"),
    ("pedido", "order"),
    ("paquete", "package"),
    ("politica", "policy"),
    ("cuesta", "cost price"),
    ("precio", "price"),
    ("peso", "weight"),
    ("pesa", "weighs weight"),
    ("capacidad", "capacity liters"),
    ("trabajo", "work commute"),
    ("portatil", "laptop"),
    ("pulgadas", "inch"),
    ("espana", "spain"),
    ("tarda", "how long days"),
    ("dias", "days"),
    ("estandar", "standard"),
    ("envio normal", "standard"),
    ("navidad", "christmas holiday"),
    ("llamar", "phone call"),
    ("servicio al cliente", "customer service contact"),
    ("nieve", "snow winter"),
    ("pantufla", "slipper moccasin"),
    ("zapatillas de casa", "slipper moccasin"),
    ("sudadera", "sweatshirt"),
    ("sudadera con capucha", "hoodie"),
    ("capucha", "hoodie"),
    // de
    ("jacke", "jacket"),
    ("daunenjacke", "down jacket"),
    ("mantel", "coat"),
    ("stiefel", "boots"),
    ("wanderstiefel", "hiking boots"),
    ("schuhe", "shoes"),
    ("socken", "socks"),
    ("rucksack", "backpack"),
    ("tasche", "bag"),
    ("hose", "pants"),
    ("hemd", "shirt"),
    ("pullover", "sweater"),
    ("mutze", "beanie"),
    ("handschuhe", "gloves"),
    ("becher", "mug"),
    ("tasse", "mug"),
    ("decke", "blanket"),
    ("kerze", "candle"),
    ("zelt", "tent"),
    ("schlafsack", "sleeping bag"),
    ("wasserdicht", "waterproof"),
    ("wandern", "hiking"),
    ("kaffee", "coffee"),
    ("geschenk", "gift"),
    ("kinder", "kids"),
    ("damen", "women"),
    ("frauen", "women"),
    ("herren", "men"),
    ("manner", "men"),
    ("wolle", "wool"),
    ("leder", "leather"),
    ("ruckgabe", "return returns"),
    ("zuruckgeben", "return"),
    ("zurucksenden", "return"),
    ("zuruckschicken", "return"),
    ("erstattung", "refund"),
    ("umtausch", "exchange"),
    ("versand", "shipping"),
    ("versandkosten", "shipping cost"),
    ("lieferung", "delivery"),
    ("liefert", "ship deliver"),
    ("zoll", "customs duties"),
    ("steuern", "taxes"),
    ("reparatur", "repair"),
    ("pflege", "care"),
    ("waschen", "wash"),
    ("wasche", "wash"),
    ("grosse", "size"),
    ("offnungszeiten", "opening hours"),
    ("telefon", "phone"),
    ("zahlung", "payment"),
    ("gutschein", "gift card"),
    ("stornieren", "cancel"),
    ("bestellung", "order"),
    ("paket", "package"),
    ("kostet", "cost price"),
    ("kosten", "cost"),
    ("preis", "price"),
    ("gewicht", "weight"),
    ("wiegt", "weighs weight"),
    ("deutschland", "germany"),
    ("lange", "how long"),
    ("tage", "days"),
    ("standardversand", "standard"),
    ("weihnachten", "christmas holiday"),
    ("anrufen", "phone call"),
    ("kundenservice", "customer service contact"),
    ("kundendienst", "customer service contact"),
    ("schnee", "snow winter"),
    ("hausschuh", "slipper moccasin"),
    ("hausschuhe", "slipper moccasin"),
    ("pantoffeln", "slipper moccasin"),
    ("kapuzenpullover", "hoodie"),
    ("hutte", "cabin"),
];

/// What help pages call the things shoppers describe: a broken mug is "damaged", sending
/// something back is a "return". Added to a help-center query and to the words an answer is
/// matched on.
#[rustfmt::skip]
const SYNONYMS: &[(&str, &str)] = &[
    ("broken", "damaged"), ("smashed", "damaged"), ("cracked", "damaged"), ("shattered", "damaged"),
    ("ripped", "damaged defect"), ("torn", "damaged defect"), ("defective", "defect damaged"),
    ("faulty", "defect"), ("damaged", "damage"), ("send back", "return"), ("send it back", "return"),
    ("money back", "refund"), ("swap", "exchange"), ("too small", "exchange size"),
    ("too big", "exchange size"), ("doesn t fit", "exchange size"), ("postage", "shipping"),
    ("deliver", "shipping delivery"), ("delivery", "shipping"), ("arrive", "delivery"),
    ("taxes", "duties"), ("customs", "duties"), ("call", "phone"), ("hours", "open"),
    ("open", "hours"), ("pay", "payment"), ("payment", "pay"), ("cancel", "cancelled"),
    ("stolen", "missing delivered"), ("missing", "delivered"), ("lost", "missing"),
    ("warranty", "guarantee"), ("guarantee", "warranty"), ("fix", "repair"),
    ("measure", "size measurement"), ("fit", "size"),
    // Shipping as shoppers say it, in the pages' words: "regular shipping" is Standard, "xmas"
    // is Christmas, whose order-by dates are the holiday ones.
    ("xmas", "christmas holiday"), ("x mas", "christmas holiday"), ("regular shipping", "standard"),
    ("normal shipping", "standard"), ("cheapest shipping", "standard"), ("ground", "standard"),
    ("christmas", "holiday"),
    // An exchange is sent as a "replacement".
    ("exchange", "replacement"), ("new one", "replacement"),
];

/// English words that help pages use for what `words` describe (see `SYNONYMS`).
pub fn synonyms(words: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (from, to) in SYNONYMS {
        if has(words, from) {
            for word in to.split(' ') {
                if !out.iter().any(|w| w == word) && !words.iter().any(|w| w == word) {
                    out.push(word.to_owned());
                }
            }
        }
    }
    out
}

/// The English words the glossary gives for `words` (empty for English text).
pub fn english_terms(words: &[String]) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    // Longest phrases first, so "sac de couchage" wins over "sac".
    let mut entries: Vec<&(&str, &str)> = GLOSSARY.iter().collect();
    entries.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
    let mut covered = vec![false; words.len()];
    for (from, to) in entries {
        let pattern = tools::text::words(from);
        if pattern.is_empty() || pattern.len() > words.len() {
            continue;
        }
        for start in 0..=words.len() - pattern.len() {
            let end = start + pattern.len();
            if covered[start..end].iter().any(|c| *c)
                || !same_or_plural(&words[start..end], &pattern)
            {
                continue;
            }
            covered[start..end].iter_mut().for_each(|c| *c = true);
            for word in to.split(' ') {
                if seen.insert(word) {
                    out.push(word.to_owned());
                }
            }
        }
    }
    out
}

/// Whether `said` is `pattern`, its last word perhaps in the plural French, Spanish and
/// Portuguese write with "-s" or "-es" ("bougies", "impermeables" for "bougie",
/// "impermeable").
fn same_or_plural(said: &[String], pattern: &[String]) -> bool {
    let Some((last, rest)) = said.split_last() else {
        return false;
    };
    let Some((wanted, wanted_rest)) = pattern.split_last() else {
        return false;
    };
    rest == wanted_rest
        && (last == wanted
            || wanted.chars().count() >= 4
                && last
                    .strip_prefix(wanted.as_str())
                    .is_some_and(|tail| tail == "s" || tail == "es"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_the_four_languages() {
        assert_eq!(detect("Where is my order #1043?"), Some(Lang::En));
        assert_eq!(
            detect("Combien coûte le Waxed Canvas Tote ?"),
            Some(Lang::Fr)
        );
        assert_eq!(
            detect("¿Cuánto cuesta la Ridge 45L Backpacking Pack?"),
            Some(Lang::Es)
        );
        assert_eq!(
            detect("Was kostet der Fisherman Rib Sweater?"),
            Some(Lang::De)
        );
        assert_eq!(detect("Bonjour !"), Some(Lang::Fr));
        assert_eq!(detect("Hallo, wie geht's?"), Some(Lang::De));
        assert_eq!(detect("¡Muchas gracias por tu ayuda!"), Some(Lang::Es));
        assert_eq!(detect("#1043"), None);
    }

    #[test]
    fn glossary_carries_words_to_english() {
        let terms = english_terms(&words("¿Tienen sacos de dormir?"));
        assert_eq!(terms, ["sleeping", "bags"]);
        assert!(english_terms(&words("do you ship to Canada")).is_empty());
    }
}
