//! Help-centre topics in the widget's ten languages, each with the English words the store's
//! help pages use for it: the pages (and the embedding model that indexes them) are English,
//! so a question in another language reaches them through these words.
//!
//! This is a table of topics, not of sentences: each topic lists the word stems a shopper
//! writes for it in each language ("devol*", "rimbors*", "返金"), so any question about
//! returns, refunds, shipping, duties, repairs … finds the same English words however it is
//! phrased. Latin-script cues are folded words (a trailing `*` matches any ending); cues in
//! Japanese, Arabic and Hebrew are matched inside the text, since those attach particles and
//! articles to the word (or use no spaces at all).

use std::sync::LazyLock;

/// (English words, cues in the ten languages).
#[rustfmt::skip]
const TOPICS: &[(&str, &[&str])] = &[
    ("return", &[
        "return*", "send back", "send it back", "retour*", "retourn*", "renvoy*", "rendre", "devol*", "devuelv*", "zuruckgeb*", "zuruckzu*", "zuruck zu*", "zurucksend*", "zuruckschick*", "ruckgabe*", "ruecksend*", "reso", "resi", "restitu*", "rimand*", "devolv*", "terugstur*", "terug sturen", "terug te sturen", "terug te geven", "terugge*", "terugbreng*", "terugzend*",
        "返品", "返却", "返送", "إرجاع", "ارجاع", "استرجاع", "أرجع", "ارجع", "להחזיר", "החזרה", "החזרות", "להחזרה",
    ]),
    ("refund", &[
        "refund*", "money back", "rembours*", "reembols*", "erstatt*", "geld zuruck", "rimbors*", "estorno", "dinheiro de volta", "terugbetal*", "geld terug",
        "返金", "استرداد", "החזר כספי", "זיכוי",
    ]),
    ("exchange replacement", &[
        "exchange*", "swap", "echang*", "cambi*", "umtausch*", "umzutausch*", "tausch*", "sostitu*", "troc*", "ruil*", "omruil*",
        "交換", "取り替え", "استبدال", "تبديل", "להחליף", "החלפה",
    ]),
    ("shipping delivery", &[
        "ship", "ships", "shipping", "deliver*", "livr*", "expedi*", "envoy*", "envi*", "mandan", "versand*", "versend*", "liefer*", "verschick*", "spedi*", "consegn*", "frete", "entreg*", "verzend*", "verstuur*", "lever", "levert", "leveren", "levering*", "leveringstijd*", "bezorg*",
        "送料", "発送", "配送", "送って", "شحن", "توصيل", "توصل", "ترسلون", "يصل", "משלוח", "שולחים", "לשלוח", "משלוחים",
    ]),
    ("cost price", &[
        "combien", "prix", "cout*", "cuanto", "cuanta", "precio", "cuesta*", "kost*", "preis*", "quanto", "costa", "costo", "prezzo", "custa", "custo", "preco", "prijs", "hoeveel",
        "いくら", "料金", "値段", "価格", "費用", "تكلفة", "سعر", "بكم", "كم يكلف", "עולה", "מחיר", "עלות",
    ]),
    ("duties customs", &[
        "duties", "customs", "import tax*", "douan*", "aduana*", "arancel*", "der zoll", "den zoll", "dem zoll", "zoll zahlen", "zoll bezahlen", "zoll fallig", "zollgebuhr*", "zollkost*", "zollabgab*", "zollamt", "zollfrei", "verzoll*", "zolle", "kein zoll", "keinen zoll", "zoll und", "und zoll", "zoll oder", "oder zoll", "einfuhr*", "dogan*", "dazi", "dazio", "alfandega", "imposto*", "douane*", "invoerrecht*",
        "関税", "税関", "جمارك", "الجمارك", "جمركية", "מכס", "מיסים",
    ]),
    ("cancel", &[
        "cancel*", "annul*", "anul*", "storn*", "annull*", "cancell*", "annuleer*", "annuler*",
        "キャンセル", "取り消", "إلغاء", "الغاء", "لإلغاء", "לבטל", "ביטול",
    ]),
    ("warranty guarantee", &[
        "warrant*", "guarant*", "garanti*", "gewahrleistung", "garanzi*",
        "保証", "ضمان", "الضمان", "אחריות",
    ]),
    ("repair", &[
        "repair*", "repar*", "arregl*", "ripar*", "aggiust*", "consert*", "maken", "vervang*",
        "修理", "直し", "إصلاح", "تصليح", "اصلاح", "תיקון", "לתקן",
    ]),
    ("resole", &[
        "resol*", "ressemel*", "resuel*", "suela*", "sohl*", "besohl*", "risuol*", "suola", "solado", "ressol*", "zool", "zolen", "verzol*",
        "ソール", "靴底", "نعل", "סוליה", "סוליות",
    ]),
    ("zipper", &["zip", "zipper*", "fermeture eclair", "cremallera*", "reissverschluss*", "cerniera*", "zip*", "ziper", "rits*", "ジッパー", "ファスナー", "سحاب", "רוכסן"]),
    ("hemming hemmed", &[
        "hem", "hemm*", "ourl*", "raccourc*", "dobladillo*", "acort*", "kurzen", "gekurzt", "kurzung", "saum", "orlo", "accorci*", "bainha", "encurt*", "inkort*", "zoom",
        "裾上げ", "裾", "تقصير", "קיצור", "לקצר",
    ]),
    ("po boxes", &[
        "po box*", "p o box*", "boite postale", "boites postales", "apartado postal", "apartado de correos", "casilla postal", "postfach", "casella postale", "caixa postal", "postbus",
        "私書箱", "صندوق بريد", "صندوق البريد", "תא דואר",
    ]),
    ("overnight", &[
        "overnight", "next day", "lendemain", "nocturn*", "dia siguiente", "nachsten tag", "uber nacht", "overnight*", "giorno dopo", "giorno successivo", "dia seguinte", "volgende dag",
        "翌日", "翌朝", "اليوم التالي", "ليلة واحدة", "למחרת", "לילה אחד",
    ]),
    ("price reduce", &[
        "price drop*", "reduce*", "baisse*", "bajo de precio", "bajaron", "bajado", "bajo el precio", "rebaj*", "gesenkt", "billiger", "scende", "sceso", "ribass*", "baixou", "baixar", "abaixou", "verlaagd", "goedkoper geworden",
        "値下が", "値下げ", "انخفض", "تخفيض", "ירד", "הוזל",
    ]),
    ("difference", &["differen*", "diferen*", "differenz*", "verschil", "差額", "الفرق", "فرق", "הפרש", "ההפרש"]),
    // A help centre puts its number on the contact page, under "Contact" or "Customer support":
    // "customer service" alone finds the terms of service.
    ("phone contact", &[
        "phone", "call", "telephon*", "telefon*", "telefoon*", "anruf*", "bellen", "ligar",
        "電話", "هاتف", "الهاتف", "اتصال", "טלפון",
    ]),
    ("contact phone email", &[
        "contact", "contacting", "reach you", "get in touch", "contacter", "joindre", "contactar*", "contacto", "kontakt*", "erreichen", "contattar*", "contatto", "contato", "contatar", "bereiken",
        "連絡", "問い合わせ", "お問い合わせ", "تواصل", "التواصل", "الاتصال بكم", "ליצור קשר", "צור קשר",
    ]),
    // The team by name: a question about it ("until when is customer service reachable?") or
    // a request to talk to it, which the routes tell apart.
    ("contact", &[
        "customer service", "customer support", "service client", "service clients", "servicio al cliente", "atencion al cliente", "kundenservice", "kundendienst", "servizio clienti", "assistenza clienti", "atendimento", "klantenservice", "klantendienst",
        "カスタマーサービス", "カスタマーサポート", "お客様窓口", "خدمة العملاء", "שירות לקוחות", "שירות הלקוחות",
    ]),
    ("email contact", &[
        "email", "e mail", "courriel", "correo electronico", "emailadres", "e mailadres",
        "メール", "البريد الإلكتروني", "الإيميل", "الايميل", "מייל", "אימייל", "דוא\"ל",
    ]),
    ("hours open", &[
        "what time", "che ora", "a che ora", "fino a che ora", "que horas", "ate que horas", "a que hora", "hasta que hora", "bis wann", "um wie viel uhr", "wie lange offen", "hoe laat", "tot hoe laat", "a quelle heure", "jusqu a quelle heure", "何時", "באיזו שעה", "עד איזו שעה",
        "hours", "open", "horaire*", "ouvert*", "horario*", "abiert*", "abre", "offnungszeit*", "geoffnet", "offen", "orari*", "apert*", "abert*", "openingstijd*", "geopend",
        "営業時間", "営業", "開いて", "ساعات", "مفتوح", "تفتح", "שעות", "פתוח", "פתוחים",
    ]),
    ("saturday", &["saturday", "samedi", "sabado", "samstag*", "sabato", "zaterdag*", "土曜", "السبت", "שבת"]),
    ("sunday", &["sunday", "dimanche", "domingo", "sonntag*", "domenica", "zondag*", "日曜", "الأحد", "الاحد", "יום ראשון"]),
    ("gift card", &[
        "gift card*", "carte cadeau", "cartes cadeaux", "tarjeta regalo", "tarjeta de regalo", "gutschein*", "geschenkkarte*", "geschenkgutschein*", "carta regalo", "buono regalo", "cartao presente", "vale presente", "cadeaubon*", "cadeaukaart*",
        "ギフトカード", "ギフト券", "بطاقة هدية", "بطاقة الهدية", "כרטיס מתנה", "גיפט קארד",
    ]),
    ("expire", &[
        "expir*", "caduc*", "vence", "vencen", "ablauf*", "lauft", "verfall*", "scad*", "validade", "vencimento", "verloop*", "verlopen",
        "期限", "有効期", "تنتهي", "صلاحية", "תוקף",
    ]),
    ("damaged defect", &[
        "damage*", "broken", "crack*", "fissur*", "rachad*", "trincad*", "agrietad*", "rajad*", "gerissen", "gebarsten", "defect*", "abim*", "endommag*", "casse*", "defectu*", "danad*", "roto", "rota", "defectuos*", "kaputt", "beschadig*", "defekt*", "danneggi*", "rotto", "rotta", "difettos*", "danific*", "quebrad*", "defeito*", "kapot", "defect",
        "壊れ", "破損", "不良", "傷", "ひび", "割れ", "تالف", "مكسور", "مشقوق", "عيب", "معيب", "פגום", "שבור", "סדוק", "פגם",
    ]),
    ("delivered missing", &[
        "livre mais", "introuvable", "entregado", "no llego", "zugestellt", "nicht angekommen", "consegnato", "non arrivato", "entregue", "nao chegou", "bezorgd", "afgeleverd", "niet aangekomen",
        "配達済み", "届いていない", "届かない", "تم التوصيل", "لم يصل", "נמסר", "לא הגיע",
    ]),
    ("days", &["jours", "dias", "tage*", "giorni", "dagen", "日間", "何日", "أيام", "يوما", "يوم", "ימים"]),
    ("how long", &[
        "how long", "combien de temps", "delai*", "cuanto tiempo", "plazo", "wie lange", "frist", "quanto tempo", "entro quanti", "entro quando", "prazo", "hoe lang", "termijn", "binnen hoeveel",
        "いつまで", "どのくらい", "何日", "كم يوم", "كم يستغرق", "متى", "כמה זמן", "תוך כמה", "עד מתי",
        "duree", "duracion", "dauer", "durata", "duracao", "duur", "期間", "期限", "مدة", "משך",
    ]),
    ("worn", &["worn", "porte", "portes", "portee", "usad*", "puest*", "getragen", "usat*", "indossat*", "gedragen", "着用", "履いた", "مستعمل", "ملبوس", "لبست", "משומש", "לבשתי", "נעלתי"]),
    ("payment pay", &["pay*", "paiement", "payer", "pag*", "zahl*", "bezahl*", "pagament*", "pagare", "pagar", "betal*", "支払", "決済", "الدفع", "دفع", "תשלום", "לשלם"]),
    ("pickup", &["pick up", "pickup", "retrait", "recog*", "abhol*", "ritir*", "retir*", "ophal*", "受け取り", "店舗受取", "استلام", "איסוף", "לאסוף"]),
    ("tracking", &["track*", "suivi", "seguimiento", "rastre*", "sendungsverfolgung", "tracciament*", "traccia*", "volgen", "追跡", "تتبع", "מעקב"]),
    ("free", &["free", "gratuit*", "gratis", "kostenlos*", "umsonst", "無料", "مجان*", "חינם", "בחינם"]),
    ("christmas holiday", &["christmas", "xmas", "holiday*", "noel", "navidad*", "weihnacht*", "natale", "natal", "kerst*", "クリスマス", "الكريسماس", "عيد الميلاد", "חג המולד", "כריסמס",
        "december", "decembre", "diciembre", "dezember", "dicembre", "dezembro", "12月", "ديسمبر", "דצמבר"]),
    ("expedited express", &["expedited", "express*", "expres", "rapide", "urgente", "eilversand", "schnellversand", "espress*", "veloce", "expresso", "spoed*", "速達", "お急ぎ", "特急", "سريع", "مستعجل", "אקספרס", "דחוף"]),
    ("contiguous united states", &["usa", "eua", "eeuu", "estados unidos", "etats unis", "vereinigte staaten", "stati uniti", "verenigde staten", "amerika", "america", "アメリカ", "米国", "الولايات المتحدة", "أمريكا", "امريكا", "ארה״ב", "ארה\"ב", "ארצות הברית", "אמריקה"]),
    ("store portland", &["store", "magasin", "boutique", "tienda", "laden", "geschaft", "negozio", "loja", "winkel", "店舗", "お店", "متجر", "المتجر", "חנות"]),
    ("international", &["international*", "etranger", "extranjero", "ausland", "estero", "exterior", "buitenland", "海外", "دولي", "الخارج", "לחו ל", "בינלאומי"]),
    ("canada", &["canada", "kanada", "カナダ", "كندا", "קנדה"]),
    ("japan", &["japan", "japon", "japao", "giappone", "日本", "اليابان", "יפן"]),
    ("germany", &["germany", "allemagne", "alemania", "deutschland", "germania", "alemanha", "duitsland", "ドイツ", "ألمانيا", "גרמניה"]),
    ("spain", &["spain", "espagne", "espana", "spanien", "spagna", "espanha", "spanje", "スペイン", "إسبانيا", "ספרד"]),
    ("italy", &["italy", "italie", "italia", "italien", "italie", "イタリア", "إيطاليا", "איטליה"]),
    ("france", &["france", "francia", "frankreich", "franca", "frankrijk", "フランス", "فرنسا", "צרפת"]),
    ("netherlands", &["netherlands", "pays bas", "paises bajos", "niederlande", "paesi bassi", "holanda", "nederland", "オランダ", "هولندا", "הולנד"]),
    // The rest of the rates tables' places: a question about one finds its row.
    ("alaska", &["alaska", "alasca", "アラスカ", "ألاسكا", "الاسكا", "אלסקה", "אלאסקה"]),
    ("hawaii", &["hawaii", "hawai", "havai", "ハワイ", "هاواي", "هاوای", "הוואי", "הוואיי"]),
    ("puerto rico", &["puerto rico", "porto rico", "portorico", "portoriko", "プエルトリコ", "بورتوريكو", "بورتو ريكو", "פוארטו ריקו", "פורטו ריקו"]),
    ("ireland", &["ireland", "irlande", "irlanda", "irland", "ierland", "アイルランド", "أيرلندا", "ايرلندا", "אירלנד"]),
    ("sweden", &["sweden", "suecia", "schweden", "svezia", "zweden", "スウェーデン", "السويد", "שוודיה"]),
    ("denmark", &["denmark", "danemark", "dinamarca", "danimarca", "denemarken", "デンマーク", "الدنمارك", "דנמרק"]),
    ("australia", &["australia", "australie", "australien", "オーストラリア", "أستراليا", "استراليا", "אוסטרליה"]),
    ("new zealand", &["new zealand", "nouvelle zelande", "nueva zelanda", "neuseeland", "nuova zelanda", "nova zelandia", "nieuw zeeland", "ニュージーランド", "نيوزيلندا", "ניו זילנד"]),
    // The cheapest method, as shoppers name it: the pages call it Standard.
    ("standard", &["standard", "estandar", "standaard", "padrao", "standardversand", "通常配送", "通常便", "普通", "العادي", "الشحن العادي", "רגיל"]),
    ("united kingdom", &["uk", "royaume uni", "reino unido", "vereinigtes konigreich", "regno unito", "verenigd koninkrijk", "イギリス", "بريطانيا", "בריטניה", "אנגליה"]),
    ("size", &["taille", "talla", "grosse", "taglia", "misura", "tamanho", "maat", "サイズ", "مقاس", "מידה"]),
    ("socks", &["chaussettes", "calcetines", "socken", "calze", "calzini", "meias", "sokken", "靴下", "جوارب", "גרביים"]),
    ("pants", &["pantalon*", "hose", "hosen", "pantaloni", "calca*", "broek*", "パンツ", "ズボン", "سروال", "بنطال", "מכנסיים", "מכנסי"]),
    ("boots", &["bottes", "botas", "stiefel", "scarponi", "stivali", "laarzen", "schoenen", "ブーツ", "حذاء", "أحذية", "מגפיים", "נעליים"]),
    ("kept conversations", &["conserv*", "gespeichert", "speicher*", "bewaard", "bewaren", "guardad*", "保存", "保管", "تحتفظ", "מחזיקים", "שומרים",
        "gardez", "garder", "conversation*", "conversacion*", "conversazion*", "conversas", "gesprek*", "gesprach*", "chats", "会話", "チャット", "محادث", "שיחות", "השיחות"]),
];

const PHONE: &str = "phone contact";

/// "Un sac étanche pour mon téléphone": a message asking for goods names a phone as a thing to
/// carry, unless it asks for a number or a call.
pub(crate) fn phone_is_a_thing(text: &str, words: &[String]) -> bool {
    (crate::cues::asks_for_goods(text, words)
        || crate::lang::has_any(words, CHARGING)
        || CHARGING_INSIDE.iter().any(|cue| text.contains(cue)))
        && !crate::lang::has_any(words, CALLING)
        && !CALLING_INSIDE.iter().any(|cue| text.contains(cue))
}

/// Charging a phone ("can I charge my phone with it?"): the phone is the thing charged.
#[rustfmt::skip]
const CHARGING: &[&str] = &[
    "charge*", "charging", "recharg*", "carreg*", "cargar", "carga", "aufladen", "laden", "ladt",
    "caricar*", "ricaric*", "opladen", "oplaad*",
];
const CHARGING_INSIDE: &[&str] = &["充電", "לטעון", "טעינה"];

/// Asking for a number or a call, in the ten languages.
#[rustfmt::skip]
const CALLING: &[&str] = &[
    "number", "call", "ring", "numero", "nummer", "appeler", "appelle", "llamar", "llamo", "anrufen", "anruf*",
    "chiamar*", "chiamo", "ligar", "ligo", "bellen", "bel",
];
const CALLING_INSIDE: &[&str] = &[
    "番号",
    "電話して",
    "電話で",
    "رقم",
    "اتصل",
    "מספר",
    "להתקשר",
];

/// A cue as matched: folded words (a trailing `*` on one matches any ending), or a string
/// found inside the text.
enum Cue {
    Words(Vec<String>),
    Inside(&'static str),
}

impl Cue {
    fn in_message(&self, text: &str, words: &[String]) -> bool {
        match self {
            Self::Inside(cue) => text.contains(cue),
            Self::Words(pattern) => words.windows(pattern.len()).any(|window| {
                window
                    .iter()
                    .zip(pattern)
                    .all(|(word, p)| match p.strip_suffix('*') {
                        Some(prefix) => word.starts_with(prefix),
                        None => word == p,
                    })
            }),
        }
    }
}

/// The topics with their cues read once (a message is matched against all of them several
/// times per turn).
static READ: LazyLock<Vec<(&str, Vec<Cue>)>> = LazyLock::new(|| {
    TOPICS
        .iter()
        .map(|(english, cues)| {
            let cues = cues
                .iter()
                .map(|cue| {
                    if cue.is_ascii() {
                        Cue::Words(cue.split([' ', '-']).map(str::to_owned).collect())
                    } else {
                        Cue::Inside(cue)
                    }
                })
                .collect();
            (*english, cues)
        })
        .collect()
});

/// The English words of the help topics `text` (with its folded `words`) asks about.
pub(crate) fn english_terms(text: &str, words: &[String]) -> Vec<String> {
    let phone_is_a_thing = phone_is_a_thing(text, words);
    let mut out: Vec<String> = Vec::new();
    for (english, cues) in READ.iter() {
        if *english == PHONE && phone_is_a_thing {
            continue;
        }
        if cues.iter().any(|cue| cue.in_message(text, words)) {
            for word in english.split(' ') {
                if !out.iter().any(|w| w == word) {
                    out.push(word.to_owned());
                }
            }
        }
    }
    out
}

/// Whether `text` asks about a help-centre topic (not a product, a country or a number of
/// days, which product questions name too).
pub(crate) fn asks_help(text: &str, words: &[String]) -> bool {
    english_terms(text, words).iter().any(|t| {
        !matches!(
            t.as_str(),
            "days"
                | "how"
                | "long"
                | "cost"
                | "price"
                | "free"
                | "socks"
                | "pants"
                | "boots"
                | "size"
                | "store"
                | "portland"
                | "canada"
                | "japan"
                | "germany"
                | "spain"
                | "italy"
                | "france"
                | "netherlands"
                | "united"
                | "kingdom"
                | "alaska"
                | "hawaii"
                | "puerto"
                | "rico"
                | "ireland"
                | "sweden"
                | "denmark"
                | "australia"
                | "new"
                | "zealand"
                | "standard"
                | "international"
                | "sunday"
                | "saturday"
                | "christmas"
                | "holiday"
                | "difference"
                | "zipper"
                | "worn"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        english_terms(text, &tools::text::words(text))
    }

    #[test]
    fn a_topic_reads_the_same_in_every_script() {
        for text in [
            "Entro quanti giorni posso fare un reso?",
            "Qual é o prazo para devolver um produto?",
            "Hoe lang heb ik om iets terug te sturen?",
            "返品できる期間は何日ですか？",
            "كم يوما لدي لإرجاع المنتج؟",
            "תוך כמה ימים אפשר להחזיר מוצר?",
        ] {
            assert!(terms(text).contains(&"return".to_owned()), "{text}");
        }
        assert!(terms("Livrez-vous aux boîtes postales ?").contains(&"boxes".to_owned()));
        assert!(!asks_help(
            "cerco una giacca calda",
            &tools::text::words("cerco una giacca calda")
        ));
    }
}
