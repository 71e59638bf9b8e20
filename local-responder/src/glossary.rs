//! Shopping and help words of Italian, Brazilian Portuguese, Dutch, Japanese, Arabic and
//! Hebrew, with their English equivalents: the catalog and the help pages are in English and
//! the app's embedding model reads English only, so a query gains the English words (the
//! French, Spanish and German ones are in `lang.rs`).
//!
//! Italian, Portuguese and Dutch are matched as folded words, like the others. Japanese has no
//! spaces, and Arabic and Hebrew attach articles and prepositions to the word ("السلة",
//! "לעגלה"), so those are matched inside the text.

/// Word-matched entries (folded, as `tools::text::words` spells them).
#[rustfmt::skip]
pub(crate) const WORDS: &[(&str, &str)] = &[
    // Camp goods and materials of the catalog's kinds, in it, pt, nl.
    ("pile", "fleece"), ("felpa in pile", "fleece"), ("fleece", "fleece"),
    ("caminhada", "hiking"),
    ("tavolo", "table"), ("tavolino", "table"), ("mesa", "table"), ("tafel", "table"),
    ("amaca", "hammock"), ("hangmat", "hammock"), ("koekenpan", "skillet"),
    ("frigideira", "skillet"), ("forno olandese", "dutch oven"), ("panela", "dutch oven pot"),
    ("braadpan", "dutch oven"), ("lanterna", "lantern"), ("lantaarn", "lantern"),
    ("tela cerata", "waxed canvas"), ("lona encerada", "waxed canvas"),
    ("gewaxt canvas", "waxed canvas"), ("borsone", "duffel bag"), ("bolsa de viagem", "duffel bag"),
    ("weekendtas", "duffel bag"), ("reistas", "duffel bag"),
    // it
    ("giacca", "jacket"), ("giacche", "jackets"), ("giubbotto", "jacket"), ("piumino", "down jacket"),
    ("impermeabile", "waterproof rain"), ("pioggia", "rain"), ("scarponi", "boots"),
    ("stivali", "boots"), ("scarpe", "shoes"), ("calze", "socks"), ("calzini", "socks"),
    ("lana", "wool"), ("maglione", "sweater"), ("pantaloni", "pants"), ("camicia", "shirt"),
    ("maglietta", "tee"), ("zaino", "backpack pack"), ("borsa", "bag"), ("tazza", "mug"),
    ("padella", "skillet"), ("ghisa", "cast iron"), ("pentola", "pot cookset"), ("caffe", "coffee"),
    ("borraccia", "bottle"), ("lanterna", "lantern"), ("batteria", "battery"), ("coperta", "blanket"),
    ("candele", "candles"), ("regalo", "gift"), ("bambini", "kids"), ("donna", "women"),
    ("uomo", "men"), ("trekking", "hiking"), ("escursionismo", "hiking"), ("caldo", "warm"),
    ("gilet", "vest"), ("guanti", "gloves"), ("cappello", "hat"), ("spedizione", "shipping"),
    ("spedite", "ship shipping"), ("consegna", "delivery"), ("costa", "cost"), ("reso", "return"),
    ("restituire", "return"), ("rimborso", "refund"), ("cambio", "exchange"), ("taglia", "size"),
    ("garanzia", "warranty"), ("riparazione", "repair"), ("orlo", "hemming"), ("negozio", "store"),
    ("indirizzo", "address"), ("dogana", "duties customs"), ("annullare", "cancel"),
    ("peso", "weight"), ("pesa", "weight"), ("leggero", "lightweight light"), ("capiente", "capacity"),
    ("italia", "italy"), ("telefono", "phone"),
    // pt
    ("jaqueta", "jacket"), ("casaco", "coat jacket"), ("corta vento", "shell rain jacket"),
    ("chuva", "rain"), ("botas", "boots"), ("bota", "boot"), ("tenis", "shoes"), ("meias", "socks"),
    ("calca", "pants"), ("calcas", "pants"), ("camiseta", "tee"),
    ("camisetas", "tee"), ("algodao", "cotton"), ("organico", "organic"), ("mochila", "backpack pack"),
    ("bolsa", "bag"), ("rede", "hammock"), ("redes", "hammock"), ("caneca", "mug"),
    ("esmaltada", "enamel"), ("ceramica", "ceramic stoneware"), ("garrafa", "bottle"),
    ("termica", "insulated"), ("gelado", "cold"), ("lanterna", "lantern"), ("cobertor", "blanket"),
    ("presente", "gift"), ("criancas", "kids"), ("feminina", "women"), ("acampar", "camping"),
    ("trilha", "hiking"), ("gorro", "beanie"), ("gorros", "beanie"), ("chapeu", "hat"),
    ("frete", "shipping"), ("entrega", "delivery"), ("entregam", "ship shipping"),
    ("gratis", "free"), ("devolucao", "return"), ("devolver", "return"), ("trocar", "exchange"),
    ("troca", "exchange"), ("tamanho", "size"), ("garantia", "warranty"), ("defeito", "defective damaged"),
    ("cartao presente", "gift card"), ("validade", "expire"), ("reencerar", "rewax"),
    ("pedido", "order"), ("brasil", "brazil"), ("peso", "weight"), ("leve", "lightweight light"),
    // nl
    ("jas", "jacket"), ("regenjas", "rain jacket"), ("waterdicht", "waterproof"),
    ("wandelschoenen", "hiking boots"), ("schoenen", "shoes"), ("sokken", "socks"),
    ("wol", "wool"), ("trui", "sweater"), ("broek", "pants"), ("overhemd", "shirt"),
    ("rugzak", "backpack"), ("tas", "bag"), ("droog", "dry"), ("kanoen", "paddling"),
    ("mok", "mug"), ("pan", "skillet"), ("gietijzeren", "cast iron"), ("vaatwasser", "dishwasher"),
    ("koffie", "coffee"), ("fles", "bottle"), ("lamp", "lantern"), ("deken", "blanket"),
    ("cadeau", "gift"), ("kinderen", "kids"), ("dames", "women"), ("heren", "men"),
    ("warm", "warm"), ("warmer", "warm"), ("bodywarmer", "vest"), ("handschoenen", "gloves"),
    ("muts", "beanie"), ("verzenden", "shipping ship"), ("verzending", "shipping"),
    ("levering", "delivery"), ("kost", "cost"), ("kosten", "cost"), ("terugsturen", "return"),
    ("retour", "return"), ("ruilen", "exchange"), ("maat", "size"), ("garantie", "warranty"),
    ("reparatie", "repair"), ("rits", "zipper"), ("vervangen", "replacement"), ("annuleren", "cancel"),
    ("wassen", "wash"), ("donsjas", "down jacket"), ("zondag", "sunday"), ("open", "hours open"),
    ("nederland", "netherlands"), ("gewicht", "weight"), ("weegt", "weight"), ("lichter", "lighter weight"),
    ("groot", "dimensions size"),
    // Kinds of the catalog in everyday words and plurals, it, pt, nl.
    ("tazze", "mug"), ("smaltata", "enamel"), ("smaltate", "enamel"), ("smaltato", "enamel"),
    ("amache", "hammock"), ("lanterne", "lantern"), ("borracce", "bottle"), ("thermos", "insulated bottle"),
    ("lavoro", "work"), ("zainetto", "daypack"),
    ("canecas", "mug"), ("garrafas", "bottle"), ("trabalho", "work"), ("lanternas", "lantern"),
    ("hangmatten", "hammock"), ("mokken", "mug"), ("flessen", "bottle"), ("thermosfles", "insulated bottle"),
    ("werkbroek", "work pants"), ("werkbroeken", "work pants"), ("werk", "work"), ("dagrugzak", "daypack"),
    ("wandelbroek", "hiking pants"),
    // Slippers, hoodies and sweatshirts as shoppers name them.
    ("pantofole", "slipper moccasin"), ("pantofola", "slipper moccasin"),
    ("ciabatte", "slipper moccasin"), ("felpa con cappuccio", "hoodie"), ("cappuccio", "hoodie"),
    ("pantufas", "slipper moccasin"), ("pantufa", "slipper moccasin"), ("moletom", "sweatshirt"),
    ("moletons", "sweatshirt"), ("capuz", "hoodie"),
    ("pantoffels", "slipper moccasin"), ("pantoffel", "slipper moccasin"), ("sloffen", "slipper moccasin"),
    ("capuchon", "hoodie"),
];

/// Substring-matched entries, for scripts without spaces or with attached particles.
#[rustfmt::skip]
pub(crate) const INSIDE: &[(&str, &str)] = &[
    // Camp goods and materials of the catalog's kinds, in ja, ar, he.
    ("登山靴", "hiking boots"), ("登山", "hiking"), ("フリース", "fleece"), ("נעלי", "shoes boots"),
    ("הליכה", "hiking"), ("פליז", "fleece"), ("صوف ناعم", "fleece"), ("فليس", "fleece"),
    ("テーブル", "table"), ("ハンモック", "hammock"), ("ダッチオーブン", "dutch oven"),
    ("スキレット", "skillet"), ("フライパン", "skillet"), ("ワックス", "waxed canvas"),
    ("ダッフル", "duffel bag"), ("ボストンバッグ", "duffel bag"), ("レインシェル", "rain shell"),
    ("طاولة", "table"), ("الطاولة", "table"), ("أرجوحة", "hammock"), ("الأرجوحة", "hammock"),
    ("فانوس", "lantern"), ("الفانوس", "lantern"), ("قارورة", "bottle"), ("زجاجة", "bottle"),
    ("مشمع", "waxed canvas"), ("حقيبة سفر", "duffel bag"), ("שולחן", "table"), ("ערסל", "hammock"),
    ("מחבת", "skillet"), ("סיר ברזל", "dutch oven"), ("משעווה", "waxed canvas"),
    ("תיק נסיעה", "duffel bag"), ("תרמיל", "backpack pack"),
    // ja
    ("ジャケット", "jacket"), ("レインコート", "rain jacket"), ("防水", "waterproof"),
    ("ブーツ", "boots"), ("靴下", "socks"), ("メリノ", "merino"), ("ウール", "wool"),
    ("セーター", "sweater"), ("パンツ", "pants"), ("バックパック", "backpack"), ("リュック", "backpack"),
    ("マグ", "mug"), ("ランタン", "lantern"), ("コーヒー", "coffee"), ("ボトル", "bottle"),
    ("毛布", "blanket"), ("プレゼント", "gift"), ("子ども", "kids"), ("子供", "kids"),
    ("キャンプ", "camping"), ("暖かい", "warm"), ("手袋", "gloves"), ("送料", "shipping cost"),
    ("発送", "ship shipping"), ("配送", "delivery shipping"), ("日本", "japan"), ("関税", "duties customs"),
    ("返品", "return"), ("交換", "exchange"), ("サイズ", "size"), ("保証", "warranty"),
    ("ソール", "resole"), ("キャンセル", "cancel"), ("ギフトカード", "gift card"), ("重さ", "weight"),
    ("軽い", "lighter weight"), ("何時間", "hours runtime battery"), ("リットル", "liters capacity"),
    // ar
    ("جاكيت", "jacket"), ("مقاوم للماء", "waterproof rain"), ("المطر", "rain"), ("حذاء", "boots"),
    ("جوارب", "socks"), ("صوف", "wool"), ("سروال", "pants"), ("حقائب ظهر", "backpack"),
    ("حقيبة ظهر", "backpack"), ("حاسوب", "laptop"), ("كوب", "mug"), ("المينا", "enamel"),
    ("مقلاة", "skillet"), ("المقلاة", "skillet"), ("الحديدية", "cast iron"), ("قدر", "dutch oven"),
    ("بطانية", "blanket"), ("هدية", "gift"), ("التخييم", "camping"), ("المشي", "hiking"),
    ("قبعة", "beanie"), ("قفازات", "gloves"), ("الشحن", "shipping"), ("التوصيل", "delivery"),
    ("الإرجاع", "return"), ("إرجاع", "return"), ("استبدال", "exchange"), ("مقاس", "size"),
    ("ضمان", "warranty"), ("إصلاح", "repair"), ("هاتف", "phone"), ("خدمة العملاء", "customer service"),
    ("الشمعة", "candles"), ("أبعاد", "dimensions"), ("وزن", "weight"), ("يزن", "weight"),
    ("أثقل", "weight heavier"), ("أخف", "weight lighter"), ("السريع", "expedited"),
    ("تم التوصيل", "delivered"), ("غير موجود", "missing"),
    // he
    ("מעיל", "jacket"), ("גשם", "rain"), ("נעליים", "shoes boots"), ("מגפיים", "boots"),
    ("גרביים", "socks"), ("צמר", "wool"), ("מכנסי", "pants"), ("מכנסיים", "pants"), ("עבודה", "work"),
    ("תיק", "bag pack"), ("ספל", "mug"), ("אמייל", "enamel"), ("בישול", "cookware cook"),
    ("קמפינג", "camping"), ("בקבוק", "bottle"), ("קור", "cold"), ("פנס", "lantern"),
    ("שמיכה", "blanket"), ("נרות", "candles"), ("מתנה", "gift"), ("טיולים", "hiking"),
    ("כפפות", "gloves"), ("משלוח", "shipping"), ("שולחים", "ship shipping"), ("להחזיר", "return"),
    ("החזרה", "return"), ("החזרות", "return"), ("להחליף", "exchange"), ("מידה", "size"),
    ("אחריות", "warranty"), ("תיקון", "repair"), ("שעות", "hours"), ("שירות הלקוחות", "customer service support"),
    ("הנחה", "sale"), ("ישראל", "israel"), ("שוקל", "weight"), ("משקל", "weight"), ("קל יותר", "lighter weight"),
    ("רגיל", "standard"),
    // Kinds of the catalog in everyday words, ja, ar, he.
    ("ズボン", "pants"), ("作業", "work"), ("デイパック", "daypack"), ("水筒", "bottle"),
    ("魔法瓶", "insulated bottle"),
    ("بنطلون", "pants"), ("بنطال", "pants"), ("شنطة ظهر", "backpack daypack"), ("شنطة", "bag"),
    ("للشغل", "work"), ("لمشي", "hiking"), ("ترمس", "insulated bottle"),
    ("תיק גב", "backpack daypack"), ("תרמוס", "insulated bottle"), ("טיול של יום", "day hike daypack"),
    ("טיולי יום", "day hike daypack"),
    ("ルームシューズ", "slipper moccasin"), ("スリッパ", "slipper moccasin"), ("モカシン", "moccasin"),
    ("パーカー", "hoodie"), ("スウェット", "sweatshirt"), ("トレーナー", "sweatshirt"),
    ("شبشب", "slipper moccasin"), ("خف منزلي", "slipper moccasin"), ("هودي", "hoodie"),
    ("سويت شيرت", "sweatshirt"), ("נעלי בית", "slipper moccasin"), ("קפוצ'ון", "hoodie"),
    ("סווטשירט", "sweatshirt"),
];

/// The English words `text` (and its folded `words`) holds in the six languages above.
pub(crate) fn english_terms(text: &str, words: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |english: &str| {
        for word in english.split(' ') {
            if !out.iter().any(|w| w == word) {
                out.push(word.to_owned());
            }
        }
    };
    for (from, to) in WORDS {
        let pattern = tools::text::words(from);
        if !pattern.is_empty()
            && words.windows(pattern.len()).any(|window| {
                window
                    .iter()
                    .zip(&pattern)
                    .all(|(word, entry)| inflects(entry, word))
            })
        {
            add(to);
        }
    }
    for (from, to) in INSIDE {
        if text.contains(from) {
            add(to);
        }
    }
    out
}

/// Whether `word` is the glossary's `entry` or a plural of it as Italian, Portuguese and Dutch
/// make them: "amache" of "amaca", "giacche" of "giacca", "mochilas" of "mochila",
/// "tafels" of "tafel", "tassen" and "tasje" of "tas" (an entry of five letters or more may end
/// in another vowel; a shorter one only gains an ending).
fn inflects(entry: &str, word: &str) -> bool {
    if word == entry {
        return true;
    }
    let gained = word.strip_prefix(entry).is_some_and(|rest| {
        matches!(
            rest,
            "s" | "es" | "en" | "n" | "sen" | "je" | "jes" | "tje" | "tjes"
        )
    });
    let vowels = |c: char| "aeiou".contains(c);
    let swapped =
        entry.chars().count() >= 5 && entry.ends_with(vowels) && word.ends_with(vowels) && {
            let stem = &entry[..entry.len() - 1];
            word.strip_prefix(stem)
                .is_some_and(|rest| matches!(rest, "e" | "i" | "he" | "hi" | "a" | "o"))
        };
    gained || swapped
}

#[cfg(test)]
mod tests {
    #[test]
    fn plurals_are_the_entry() {
        assert!(super::inflects("amaca", "amache"));
        assert!(super::inflects("giacca", "giacche"));
        assert!(super::inflects("tafel", "tafels"));
        assert!(super::inflects("tas", "tassen"));
        assert!(super::inflects("tas", "tasje"));
        assert!(!super::inflects("tas", "taste"));
        assert!(!super::inflects("costa", "costume"));
    }

    #[test]
    fn each_script_gains_its_english_words() {
        let terms = |text: &str| super::english_terms(text, &tools::text::words(text));
        assert!(terms("cerco una giacca impermeabile").contains(&"waterproof".to_owned()));
        assert!(terms("メリノウールの靴下ありますか").contains(&"socks".to_owned()));
        assert!(terms("أريد جوارب صوف").contains(&"wool".to_owned()));
        assert!(terms("אתם שולחים לישראל?").contains(&"israel".to_owned()));
    }
}
