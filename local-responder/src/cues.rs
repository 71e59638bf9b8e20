//! The phrases that tell what a shopper wants, in English, French, Spanish and German.
//!
//! Written as people type them; matched on folded words (see [`lang::has`]), where `word*`
//! matches any word it begins and a lone `*` any one word. Each table serves one decision
//! of the router; the router's order of decisions is what resolves overlaps.
//!
//! [`lang::has`]: super::lang::has

/// Encoded or hidden instructions, and attempts to read the assistant's own instructions.
#[rustfmt::skip]
pub const INSTRUCTION_TRICKS: &[&str] = &[
    "base64", "base 64", "rot13", "rot 13", "decode this", "decode the", "decrypt",
    "follow it exactly", "do what it says", "system prompt", "your prompt", "your instructions",
    "initial instructions", "hidden instructions", "repeat your", "reveal your",
    "print your instructions", "last customer conversation", "other customers conversations",
    "previous conversation with", "conversations with other", "admin mode", "developer mode",
    "god mode", "jailbreak", "dan mode", "prompt systeme", "tes instructions",
    "instrucciones del sistema", "tus instrucciones", "systemprompt", "deine anweisungen",
];

/// Other shoppers' conversations ("what did the last person ask?").
#[rustfmt::skip]
pub const OTHER_CONVERSATIONS: &[&str] = &[
    "last person", "previous person", "other people asked", "other people ask", "other customers ask", "previous customer", "last customer", "other conversations", "someone else asked", "who else asked", "derniere personne", "ultima persona", "letzte person",
];

/// Bulk requests for store records: no shopper may have them.
#[rustfmt::skip]
pub const BULK_RECORDS: &[&str] = &[
    "all orders", "all the orders", "all your orders", "all of your orders", "every order",
    "each order", "orders table", "order table", "all customers", "all the customers",
    "all your customers", "all of your customers", "customer list", "list of customers",
    "customer database", "customers table", "your database", "the database", "dump", "export",
    "toutes les commandes", "tous les clients", "liste des clients", "fichier client*",
    "todos los pedidos", "todos los clientes", "lista de clientes", "base de datos",
    "alle bestellungen", "alle kunden", "kundenliste", "kundendaten", "datenbank",
];

/// Other people's orders in bulk ("the last 10 orders placed"): refused unless the shopper
/// speaks of their own.
#[rustfmt::skip]
pub const BULK_ORDERS: &[&str] = &[
    "last * orders", "recent orders", "latest orders", "orders placed", "orders from today", "orders today", "today s orders", "orders of", "orders by", "other orders", "dernieres commandes", "commandes d aujourd hui", "ultimos pedidos", "pedidos de hoy", "letzten bestellungen", "bestellungen von heute", "bestellungen der",
];

/// Actions on the store that a shopper cannot ask of the assistant.
#[rustfmt::skip]
pub const PRICE_CHANGES: &[&str] = &[
    "change the price", "set the price", "lower the price", "change its price", "price to $",
    "update the price", "changer le prix", "cambiar el precio", "cambia el precio", "preis andern",
    "den preis auf",
];
#[rustfmt::skip]
pub const DISCOUNT_DEMANDS: &[&str] = &[
    "apply the * code", "apply the * discount", "apply * discount code", "apply a * code",
    "apply this code", "apply the code", "apply code", "use the * code", "use the code",
    "staff discount", "employee discount", "staff code", "* % off or", "give me * % off",
    "give me a discount or", "discount or i ll", "applique le code", "aplica el codigo",
    "aplica el descuento", "wende den code", "rabattcode * an",
    "give me a discount", "give me a * discount", "give me a * code", "give me a discount code", "generate a * code", "create a * code", "make me a * code", "free discount code",
    "give me a * % discount", "give me * % discount", "give me a * % off",
];
#[rustfmt::skip]
pub const PASSWORD_WORDS: &[&str] = &[
    "password", "passcode", "mot de passe", "contrasena", "passwort", "kennwort",
];

/// Customers other than the shopper (service words removed first, see [`SERVICE_WORDS`]).
#[rustfmt::skip]
pub const OTHER_CUSTOMERS: &[&str] = &[
    "customers", "clients", "clientes", "kunden", "kundin", "kundinnen", "buyers", "shoppers",
    "the customer", "that customer", "this customer", "another customer", "le client", "la cliente",
    "el cliente", "der kunde", "den kunden",
    "every customer", "each customer", "any customer", "all customer", "customer s", "client s",
];
/// Words that make "customer" a department rather than a person.
#[rustfmt::skip]
pub const SERVICE_WORDS: &[&str] = &[
    "customer service", "customer support", "customer care", "customer services", "service client",
    "service clients", "service a la clientele", "atencion al cliente", "atencion a clientes",
    "servicio al cliente", "servicio de atencion", "kundenservice", "kundendienst", "kundensupport",
];
/// Private data, or questions about which customers did what.
#[rustfmt::skip]
pub const PRIVATE_DATA: &[&str] = &[
    "email*", "e mail*", "mail", "mails", "address*", "phone*", "telephone*", "number*", "name",
    "names", "surname", "list", "liste", "lista", "bought", "purchased", "ordered", "returned",
    "live", "lives", "city", "adresse*", "courriel*", "telefono*", "direccion*", "correo*",
    "nombre*", "telefon*", "anschrift", "wohnt", "achete", "compro", "gekauft", "bestellt", "vip",
    "detail*", "which customers", "who are your customers", "customers who", "customers that",
    "customers in", "customers from", "all customers", "quels clients", "clients qui",
    "que clientes", "clientes que", "welche kunden", "kunden die", "kunden aus",
];
/// Someone's private data without any customer word: "Priya's address", "who bought X".
#[rustfmt::skip]
pub const SOMEONES_DATA: &[&str] = &[
    "who bought", "who ordered", "who purchased", "who returned", "who has bought",
    "who else bought", "qui a achete", "qui a commande", "quien compro", "quien ha comprado",
    "wer hat * gekauft", "wer hat * bestellt", "her address", "his address", "their address",
    "her phone", "his phone", "their phone", "her email", "his email", "their email*", "her home",
    "his home", "where does * live", "son adresse", "su direccion", "seine adresse", "ihre adresse",
    "whoever bought", "whoever ordered", "person who bought", "people who bought", "the buyer", "buyers of", "customer who bought",
];

/// "Are you a bot?": a question about the assistant, not a request for a person.
#[rustfmt::skip]
pub const IDENTITY: &[&str] = &[
    "are you a human", "are you human", "are you a bot", "are you a robot", "are you real", "are you a real person", "are you an ai", "are you ai", "is this a bot", "is this a human", "is this a real person", "am i talking to a bot", "am i talking to a human", "am i talking to a real person", "am i chatting with a bot", "who am i talking to", "what are you", "es tu un robot", "etes vous un robot", "es tu humain", "etes vous humain", "eres un bot", "eres humano", "eres una persona", "bist du ein bot", "bist du ein mensch", "sind sie ein bot", "sind sie ein mensch",
    "sei un robot", "sei un bot", "sei umano", "sei una persona", "voce e um robo", "voce e um bot",
    "e um robo", "e um bot", "voce e humano", "ben je een robot", "ben je een bot", "ben je een mens",
    "هل انت روبوت", "هل انت بوت", "هل انت انسان", "هل أنت روبوت", "هل أنت بوت", "هل أنت إنسان", "אתה בוט", "את בוטית", "אתה רובוט", "אתה בן אדם",
];

/// Words for a bot ("bot", "Chatbot", "robô"): with words for "you" (below) and no request
/// for a person, the shopper asks what the assistant is.
#[rustfmt::skip]
pub const BOT: &[&str] = &[
    "bot", "robot", "chatbot", "chat bot", "robo", "robô", "inteligencia artificial",
    "artificial intelligence", "intelligence artificielle", "kunstliche intelligenz",
    "intelligenza artificiale", "kunstmatige intelligentie", "بوت", "روبوت", "ذكاء اصطناعي",
    "בוט", "רובוט", "בינה מלאכותית",
];
/// The same in Japanese, matched inside the text, and "AI" in capitals (in Japanese text too).
pub const BOT_INSIDE: &[&str] = &["ロボット", "ボット", "AI", "ＡＩ"];
/// "KI", "IA" as words in capitals (Portuguese "ia" is "was going").
pub const BOT_CAPITALS: &[&str] = &["KI", "IA"];
/// "You" in the ten languages: the anchor of [`BOT`].
#[rustfmt::skip]
pub const YOU: &[&str] = &[
    "you", "u", "r u", "is this", "tu", "t es", "vous", "eres", "es usted", "du", "sind sie",
    "sei", "lei e", "voce", "vc", "ben je", "bent u", "أنت", "انت", "אתה", "את",
];
/// Asking who answers ("am I talking to a computer?"): with these, a computer or a program
/// is a machine answering too.
#[rustfmt::skip]
pub const TALKING_TO: &[&str] = &[
    "am i talking", "am i chatting", "talking to", "chatting with", "je parle", "estoy hablando",
    "hablo con", "rede ich", "spreche ich", "mi sta rispondendo", "sto parlando", "estou falando",
    "falo com", "praat ik", "spreek ik", "هل اتحدث", "هل أتحدث", "אני מדבר", "אני מדברת",
];
/// The same in Japanese, matched inside the text.
pub const TALKING_TO_INSIDE: &[&str] = &["あなた", "これって", "話してる", "答えてる"];
/// Machines that answer only with [`TALKING_TO`] ("a bag for my computer" asks no such thing).
#[rustfmt::skip]
pub const MACHINE: &[&str] = &[
    "computer", "machine", "program", "ordinateur", "programme", "ordenador", "computadora",
    "programa", "maschine", "programm", "programma", "computador", "מחשב", "كمبيوتر", "آلة",
];
/// Having ordered, in the ten languages ("I ordered", "j'ai commandé", "comprei"): with
/// [`STILL_WAITING`], an order told as a story.
#[rustfmt::skip]
pub const ORDERED: &[&str] = &[
    "ordered", "bought", "purchased", "placed an order", "commande", "achete", "pedi", "compre",
    "bestellt", "gekauft", "ordinato", "comprato", "encomendei", "comprei", "besteld", "gekocht",
    "طلبت", "اشتريت", "הזמנתי", "קניתי",
];
/// The same in Japanese, matched inside the text.
pub const ORDERED_INSIDE: &[&str] = &[
    "注文した",
    "注文しました",
    "買った",
    "購入した",
    "購入しました",
];
/// Still waiting for it ("still nothing", "toujours rien", "nada de chegar").
#[rustfmt::skip]
pub const STILL_WAITING: &[&str] = &[
    "still nothing", "still not", "still waiting", "still hasn t", "still haven t", "not arrived",
    "never arrived", "never came", "not received", "haven t received", "havent received",
    "hasn t arrived", "hasnt arrived", "hasn t come", "no sign", "toujours rien", "toujours pas",
    "pas recu", "rien recu", "pas arrive", "jamais recu", "sigo esperando", "no ha llegado",
    "no me ha llegado", "no llego", "todavia no", "aun no", "noch nicht", "kein paket",
    "nicht angekommen", "immer noch nicht", "nie angekommen", "noch nichts", "non e arrivato",
    "non e ancora arrivato", "ancora niente", "ancora nulla", "mai arrivato", "nao chegou",
    "nada de chegar", "ainda nao", "nunca chegou", "niet aangekomen", "nog niet", "nog steeds niets",
    "nog niks", "nooit aangekomen", "ما وصل", "ما وصلني", "لم يصل", "لم تصل", "ما جاني", "לא הגיע",
    "לא הגיעה", "עדיין לא", "עוד לא",
];
/// The same in Japanese, matched inside the text.
pub const STILL_WAITING_INSIDE: &[&str] = &[
    "届いていない",
    "届かない",
    "まだ届",
    "届いてない",
    "来ない",
    "ما وصل",
    "لم يصل",
    "לא הגיע",
];

/// Asking to be put through to a person (not asking whether one is there).
#[rustfmt::skip]
pub const PERSON_REQUEST: &[&str] = &[
    "talk to", "speak to", "speak with", "talk with", "connect me", "transfer me", "put me through",
    "get me a", "i want a", "i need a", "parler a", "parler avec", "passez moi", "hablar con",
    "pasame", "paseme", "sprechen mit", "verbinden sie", "parlare con", "passami", "falar com",
    "spreken met", "praten met", "doorverbinden", "اريد التحدث", "أريد التحدث", "לדבר עם",
];
/// The same in Japanese, matched inside the text.
pub const PERSON_REQUEST_INSIDE: &[&str] = &["話したい", "つないで", "繋いで", "代わって"];

/// A person asked for in Japanese, Arabic and Hebrew, matched inside the text.
pub const HUMAN_INSIDE: &[&str] = &[
    "担当者",
    "オペレーター",
    "人間",
    "スタッフと話",
    "موظف",
    "شخص حقيقي",
    "إنسان",
    "انسان",
    "נציג",
    "בן אדם",
    "אדם אמיתי",
];

/// Someone asks for a person.
#[rustfmt::skip]
pub const HUMAN: &[&str] = &[
    "real person", "human", "humans", "live agent", "agent", "representative", "operator",
    "manager", "supervisor", "someone who can", "somebody who can", "someone else",
    "talk to someone", "speak to someone", "speak with someone", "talk to somebody",
    "talk to a person", "speak to a person", "speak with a person", "actual person", "not a bot",
    // "Un conseiller" is a person; "me conseiller un film" asks for advice.
    "not a robot", "call me", "humain", "un conseiller", "une conseillere", "le conseiller",
    "la conseillere", "au conseiller", "votre conseiller", "conseiller clientele",
    "conseillere clientele", "le responsable",
    "un responsable", "une vraie personne", "parler a une personne", "quelqu un qui peut",
    "parler a quelqu un", "pas un robot", "pas un bot", "persona real", "con una persona", "humano",
    "asesor", "agente", "gerente", "encargado", "alguien que pueda", "hablar con alguien",
    "no con un bot", "mensch", "menschen", "mitarbeiter", "mitarbeiterin", "jemand der",
    "jemanden der", "vorgesetzt*", "kundenberater", "kein bot", "keinen bot",
    // it, pt, nl
    "operatore", "operatrice", "persona reale", "persona vera", "essere umano", "parlare con qualcuno",
    "atendente", "pessoa real", "pessoa de verdade", "ser humano", "falar com alguem",
    "medewerker", "medewerkster", "een mens", "echt persoon", "echte persoon", "iemand spreken",
    "speak to customer service", "talk to customer service", "speak with customer service", "talk with customer service", "speak to support", "talk to support", "speak to your team", "talk to your team", "speak to staff", "talk to staff", "speak to somebody", "speak to an agent",
];
/// Legal threats and chargebacks.
#[rustfmt::skip]
pub const THREATS: &[&str] = &[
    "lawyer", "attorney", "sue", "suing", "lawsuit", "legal action", "chargeback", "charge back",
    "dispute the charge", "better business bureau", "bbb", "small claims", "avocat", "poursuite*",
    "porter plainte", "abogado", "demanda judicial", "demandar", "denuncia*", "anwalt", "klage",
    "verklagen", "ruckbuchung", "verbraucherzentrale",
];
/// Complaints and demands beyond what a policy gives.
#[rustfmt::skip]
pub const COMPLAINTS: &[&str] = &[
    "complaint", "complain", "ridiculous", "unacceptable", "outrageous", "furious", "worst service",
    "terrible service", "nobody is helping", "no one is helping", "nobody helps", "third time",
    "fed up", "i want a refund", "i want a full refund", "want my money back",
    "give me my money back", "refund me", "give me a full refund", "demand a full refund",
    "compensation", "compensate", "i demand", "reclamation", "inacceptable", "scandaleux",
    "honteux", "je veux etre rembourse", "remboursez moi", "dedommagement", "indemnisation",
    "queja", "reclamacion", "reclamo", "inaceptable", "quiero un reembolso", "quiero mi dinero",
    "compensacion", "indemnizacion", "frechheit", "unverschamt", "beschwerde", "skandal",
    "ich will mein geld", "entschadigung",
    "plainte", "deposer une plainte", "faire une reclamation", "poner una queja", "presentar una queja", "mich beschweren",
];
/// Changes to an order only a person can make (with an order number).
#[rustfmt::skip]
pub const ORDER_CHANGES: &[&str] = &[
    "cancel order", "cancel my", "cancel the", "cancel it", "cancel this", "refund it", "refund my",
    "refund the", "refund order", "refund this", "issue a refund", "issue a full refund",
    "process a refund", "change the shipping address", "change the address", "change my address",
    "change my shipping address", "update the address", "update my address",
    "change the delivery address", "mark order", "mark it as", "as delivered", "annulez",
    "annuler ma", "annuler la", "annuler mon", "annule ma", "annule la", "annule mon", "remboursez",
    "modifier l adresse", "changer l adresse", "cancela", "cancelar mi", "cancelen", "reembolsa",
    "reembolsame", "cambiar la direccion", "cambia la direccion", "storniere", "stornieren sie",
    "erstatte", "erstatten sie", "adresse andern", "adresse aendern",
];

/// Greetings, thanks and small talk: a message made only of these needs no tool.
#[rustfmt::skip]
pub const SMALL_TALK: &[&str] = &[
    "hi", "hello", "hey", "there", "good", "morning", "afternoon", "evening", "day", "thanks",
    "thank", "you", "so", "much", "that", "that s", "s", "all", "i", "needed", "need", "great",
    "perfect", "awesome", "ok", "okay", "cool", "bye", "goodbye", "have", "a", "nice", "is", "it",
    "for", "your", "help", "how", "are", "doing", "very", "helpful", "cheers", "thx", "ty", "yo",
    "bonjour", "salut", "merci", "beaucoup", "bonsoir", "au", "revoir", "ca", "va", "comment",
    "allez", "vous", "bien", "pour", "votre", "aide", "hola", "buenos", "dias", "buenas", "tardes",
    "noches", "gracias", "muchas", "por", "tu", "su", "ayuda", "adios", "que", "tal", "como",
    "estas", "esta", "hallo", "guten", "tag", "morgen", "abend", "danke", "vielen", "dank", "schon",
    "tschuss", "wie", "geht", "es", "dir", "ihnen", "gut", "servus", "moin", "the", "again", "lot",
    "a lot", "my", "friend", "everyone",
    "bonne", "journee", "soiree", "excellente", "buen", "dia", "tengas", "un", "schonen", "einen", "noch", "wonderful", "lovely", "appreciate", "appreciated", "super", "genial", "parfait", "perfecto", "prima", "toll", "top",
];
/// What makes small talk small talk: a greeting, thanks, goodbye or "how are you".
#[rustfmt::skip]
pub const GREETINGS: &[&str] = &[
    "hi", "hello", "hey", "good morning", "good afternoon", "good evening", "thanks", "thank", "thx", "ty", "cheers", "bye", "goodbye", "yo", "ok", "okay", "cool", "great", "perfect", "awesome", "how are you", "how are you doing", "bonjour", "salut", "bonsoir", "merci", "au revoir", "ca va", "hola", "buenos", "buenas", "gracias", "adios", "que tal", "hallo", "guten", "danke", "dank", "servus", "moin", "tschuss", "wie geht", "super", "genial", "parfait", "perfecto", "prima", "toll", "top", "wonderful", "lovely", "appreciate", "appreciated",
];

#[rustfmt::skip]
pub const THANKS: &[&str] = &[
    "thanks", "thank", "thx", "ty", "cheers", "merci", "gracias", "danke", "dank",
];
/// A bare yes: it answers the assistant's last question.
#[rustfmt::skip]
pub const YES: &[&str] = &[
    "yes", "yes please", "yeah", "yep", "sure", "ok", "okay", "please", "please do", "oui",
    "oui merci", "si", "si por favor", "claro", "ja", "ja bitte", "gerne", "go ahead",
];

/// Off-topic requests: the assistant helps with this store only.
#[rustfmt::skip]
pub const OFF_TOPIC: &[&str] = &[
    "capital of", "poem", "poetry", "haiku", "joke", "song", "lyrics", "essay", "homework",
    "write me", "write a", "story about", "translate", "president", "prime minister", "who won",
    "world cup", "super bowl", "stock market", "bitcoin", "crypto", "meaning of life",
    "weather today", "weather like", "weather forecast", "forecast", "what is 2", "math", "solve",
    "recipe for", "movie", "movies", "capitale", "poeme", "blague", "chanson", "meteo",
    "capital de", "poema", "chiste", "cancion", "hauptstadt", "gedicht", "witz", "lied", "wetter",
    "code in python", "javascript", "python", "horoscope",
    "what s the weather", "weather tomorrow",
];

/// Policies and help-center topics.
#[rustfmt::skip]
pub const KNOWLEDGE: &[&str] = &[
    // en
    "return", "returns", "returned", "returning", "refund", "refunds", "refunded", "exchange*",
    "shipping", "shipped", "ship to", "ship outside", "ship internationally", "ships to",
    "ship abroad", "deliver to", "delivery time*", "delivery cost*", "free delivery",
    "how long does delivery", "postage", "swap for", "swap it", "swap the", "send them back", "send it back", "send back", "sending back",
    "ship it back", "ship them back", "customs", "duty", "duties", "import tax*", "vat", "warrant*",
    "guarantee*", "repair*", "resol*", "rewax*", "care for", "care instructions", "take care",
    "wash", "washing", "washed", "clean", "cleaning", "dry clean*", "machine wash*", "tumble dry",
    "size guide", "size chart", "sizing", "what size", "which size", "measure", "measuring", "hem",
    "hemming", "hemmed", "alteration*", "store hours", "opening hours", "hours", "open on",
    "open today", "what time", "close", "closing", "located", "your address", "your store",
    "phone number", "call you", "contact", "email you", "reach you", "customer service",
    "customer support", "payment*", "pay with", "pay by", "pay in", "paypal", "afterpay", "klarna",
    "apple pay", "installment*", "gift card*", "gift wrap*", "price match*", "price adjust*", "price drop*", "price dropped", "price went down",
    "went on sale after", "price * dropped", "price * went down", "cheaper now",
    "cancel", "cancellation", "privacy", "personal data", "my data", "cookies", "conversations",
    "chat history", "keep my", "delivered but", "not here", "never arrived", "missing", "stolen",
    "lost package", "damaged", "broken", "defective", "wrong item", "what should i do", "christmas",
    "holiday*", "order by", "deadline", "expedited", "overnight", "standard shipping",
    "free shipping", "international*", "policy", "policies", "terms", "loyalty", "rewards",
    "student discount", "military discount", "promo code*", "discount code*", "coupon*", "pickup",
    "pick up", "in store", "about you", "your story", "who are you", "where are you based",
    "sustainab*", "ethical", "recycl*", "tax", "taxes", "subscription", "newsletter", "account",
    "sign up", "unsubscribe",
    // fr
    "retour*", "retourner", "rembours*", "echang*", "livraison", "livrez", "livre", "expedi*",
    "frais de port", "frais d envoi", "douane*", "droits de douane", "taxe*", "garantie", "repar*",
    "entretien", "laver", "lavage", "nettoy*", "guide des tailles", "quelle taille", "mesur*",
    "ourlet", "horaire*", "ouvert*", "contact*", "service client", "paiement*",
    "payer", "carte cadeau", "cartes cadeaux", "annul*", "confidentialite", "donnees", "politique",
    "conditions", "endommag*", "casse*", "abime*", "perdu", "vole", "noel", "retrait en magasin",
    // es
    "devol*", "reembols*", "cambio*", "envio*", "enviar", "envian", "entrega*", "aduana*",
    "impuesto*", "arancel*", "garantia", "repar*", "cuidado*", "lavar", "lavado", "limpi*",
    "guia de tallas", "que talla", "medir", "dobladillo", "horario*", "abiert*",
    "contacto", "atencion al cliente", "pago*", "pagar", "tarjeta de regalo", "cancel*",
    "privacidad", "datos", "politica*", "danad*", "roto*", "perdido", "navidad",
    // de
    "ruckgab*", "zuruckgeb*", "zuruckschick*", "zurucksend*", "rucksend*", "umtausch*", "erstatt*",
    "versand*", "versend*", "lieferung", "liefert", "liefern", "lieferzeit*", "steuer*",
    // "Zoll" after a number is inches ("16-Zoll-Laptop"): customs only as these say it.
    "der zoll", "den zoll", "dem zoll", "zoll zahlen", "zoll bezahlen", "zoll fallig", "zollgebuhr*", "zollkost*", "zollabgab*", "zollamt", "zollfrei", "verzoll*", "zolle", "kein zoll", "keinen zoll", "zoll und", "und zoll", "zoll oder", "oder zoll",
    "garantie", "reparatur*", "pflege*", "wasch*", "reinig*", "grossentabelle", "welche grosse",
    "messen", "offnungszeit*", "geoffnet", "offnen", "kontakt*", "kundenservice",
    "kundendienst", "zahlung*", "bezahl*", "gutschein*", "geschenkkarte*", "storn*", "datenschutz",
    "richtlinie*", "beschadigt*", "kaputt*", "verloren", "weihnacht*", "zuruckzugeben", "zeit",
    "change my order", "modify my order", "edit my order", "update my order", "change an order", "add to my order", "physical shop", "physical store", "retail store", "brick and mortar", "showroom", "visit", "in person", "secure", "security", "safe to pay",
    "pick up in store", "pick up my order", "pickup in store", "in store pickup", "store pickup", "collect my order", "collect in store", "click and collect", "can i * my order", "retrait en magasin", "recoger en tienda", "abholen im laden", "abholung",
    "your company", "about your", "your brand", "about the company", "about us", "ceo", "founder", "founded", "who owns", "who started", "history of", "true to size", "run small", "runs small", "run large", "runs large", "run big", "runs big", "size up", "size down",
    "email of", "email for", "your email", "support email", "email support", "contact support", "support team", "support phone", "help desk", "helpdesk",
];
/// The phone in French, Spanish and German: a knowledge cue unless it is a thing to carry
/// (`help::phone_is_a_thing`).
pub const PHONE_DEVICE: &[&str] = &["telephone", "telefono", "telefon*"];
/// Knowledge words too common to decide alone (they add to a question, not to a search).
#[rustfmt::skip]
pub const KNOWLEDGE_WEAK: &[&str] = &[
    "christmas", "holiday*", "noel", "navidad", "weihnacht*", "hours", "close", "pickup", "pick up",
    "in store", "zeit", "tax", "account", "international*", "livre", "missing",
];

/// Shopping: looking for, comparing and choosing products.
#[rustfmt::skip]
pub const SHOPPING: &[&str] = &[
    "do you have", "do you sell", "do you carry", "do you stock", "do you make", "do you offer",
    "have you got", "got any", "any", "i need", "i m looking for", "looking for", "i want",
    "i d like", "show me", "recommend*", "suggest*", "should i get", "should i buy",
    "what do you have", "what * do you have", "something", "anything", "gift", "gifts", "present",
    "buy", "shop for", "shopping for", "on sale", "sale", "new", "deal*", "cheap*", "best",
    "options", "find me", "is there a", "are there any", "search", "stocking stuffer", "avez vous",
    "vous avez", "je cherche", "cherche", "montrez", "recommand*", "conseill*", "cadeau*", "tienen",
    "tienes", "venden", "busco", "buscando", "necesito", "recomienda*", "regalo*", "muestrame",
    "habt ihr", "haben sie", "ich suche", "suche", "verkauft ihr", "empfehl*", "geschenk*",
    "zeig mir", "brauche", "gibt es",
    "vous vendez", "vendez vous", "vendez", "verkaufen sie", "venden",
    "do u have", "do u sell", "you guys have", "u guys have", "you guys sell", "y all have", "have any", "do you guys",
];
/// Browsing by brand or line: a name that is not one product ("do you sell North Face
/// jackets?").
#[rustfmt::skip]
pub const BROWSE: &[&str] = &[
    "do you sell", "do you carry", "do you stock", "anything from", "anything by", "products from", "products by", "from the brand", "vous vendez", "vendez vous", "venden", "verkauft ihr", "verkaufen sie", "articles de", "productos de",
];

/// Shopping words that mean many products, never one: they keep a lowercase phrase out of
/// the single-product tools.
#[rustfmt::skip]
pub const SHOPPING_ONLY: &[&str] = &[
    "recommend*", "suggest*", "looking for", "i need", "gift", "gifts", "best", "cheapest", "any", "something", "anything", "options", "which one", "recomienda*", "busco", "cherche", "suche", "empfehl*",
];

/// Comparisons that make a named product the start of a search ("like the Squall, but…").
#[rustfmt::skip]
pub const SIMILAR: &[&str] = &[
    "similar", "something like", "anything like", "alternative*", "instead of", "cheaper",
    "lighter than", "warmer than", "other than", "compared to", "versus", "vs", "or the",
    "comme le", "comme la", "similaire", "parecido", "similar a", "ahnlich", "statt",
    "difference between", "compare", "comparison", "which is better", "which one is better", "better than",
    "so was wie", "so etwas wie", "sowas wie", "wie das * aber", "wie der * aber", "wie die * aber",
    "qualcosa come", "simile a", "simile al", "come il * ma", "come la * ma", "algo como",
    "parecido com", "parecida com", "tipo o", "tipo a", "iets zoals", "zoiets als",
    "vergelijkbaar met", "zoals de * maar", "zoals het * maar",
];

/// Questions about a product's details.
#[rustfmt::skip]
pub const PRODUCT_QUESTION: &[&str] = &[
    "weigh*", "weight", "heavy", "made", "material*", "fabric", "fill", "warm*", "waterproof",
    "water resistant", "fit", "fits", "dimension*", "how big", "how long", "capacity", "colors",
    "colours", "price", "cost*", "how much", "inseam", "length", "comes with",
    "come in", "include*", "tell me about", "details", "describe", "ship", "ships", "burn",
    "battery", "wool", "sizes", "good for", "pese", "poids", "fabrique", "matiere",
    "prix", "combien", "coute", "contenance", "peso", "pesa", "hecho",
    "colores", "precio", "cuanto", "cuesta", "wiegt", "gewicht", "hergestellt",
    "preis", "kostet", "what is it", "what s it",
    "what color*", "what colour*", "which color*", "which colour*", "compatible", "safe", "last", "lasts", "couleurs", "quelle taille", "tailles", "material", "tallas", "wie schwer", "farben", "grossen",
];

/// Stock and availability.
#[rustfmt::skip]
pub const STOCK: &[&str] = &[
    "in stock", "instock", "available", "availability", "still get", "still have", "sold out",
    "out of stock", "back in stock", "restock*", "have it in", "have this in", "have them in",
    "have that in", "any left", "left in", "en stock", "disponible*", "dispo", "rupture",
    "en existencia", "agotad*", "quedan", "auf lager", "lieferbar", "verfugbar", "vorratig",
    "ausverkauft", "noch da", "pick it up", "pick up",
    "queda", "wieder da", "wieder verfugbar", "de nouveau", "otra vez",
];
/// Asking whether the store has a given product: with a named product, a stock question.
#[rustfmt::skip]
pub const HAVE: &[&str] = &[
    "do you have", "have you got", "do you still have", "can i get", "can i still get", "avez vous",
    "vous avez", "tienen", "tienes", "hay", "habt ihr", "haben sie", "gibt es",
];

/// Where is my order, without a number.
#[rustfmt::skip]
pub const ORDER_STATUS: &[&str] = &[
    "my order", "my orders", "my package", "my parcel", "my delivery", "my shipment",
    "order status", "track", "tracking", "where is my", "where s my", "hasn t arrived",
    "has not arrived", "not arrived", "when will it arrive", "when will my", "recent order",
    "latest order", "last order", "your most recent", "ma commande", "mon colis", "ma livraison",
    "suivi", "mi pedido", "mi paquete", "seguimiento", "meine bestellung", "mein paket",
    "sendungsverfolgung", "sendungsnummer", "arrive", "arrived", "shipped yet", "delivered",
];

/// A follow-up: it leans on what was said before.
#[rustfmt::skip]
pub const FOLLOW_UP: &[&str] = &[
    "and", "what about", "how about", "also", "same for", "does that", "does this", "is that",
    "is this", "does it also", "too", "as well", "et", "et pour", "et en", "y", "y para", "y en",
    "und", "und fur", "gilt das", "auch",
];

/// Words pointing at "this" product: on a product page, the page's product.
#[rustfmt::skip]
pub const THIS: &[&str] = &[
    "this", "this one", "ce", "cet", "cette", "celui ci", "celle ci", "este", "esta", "dieses",
    "diese", "dieser", "questo", "questa", "deze", "dit", "isso", "esse", "essa",
];

/// Ways of asking for goods the shopping cues do not hold (Italian, Portuguese, Dutch, and a
/// need stated in French, Spanish or Dutch).
#[rustfmt::skip]
pub const ASKS_FOR_GOODS: &[&str] = &[
    "avete", "vendete", "cerco", "vorrei", "mi serve", "consigli*", "tem", "vendem",
    "procuro", "procurando", "preciso", "quero", "queria", "indica", "hebben jullie", "verkopen",
    "zoek*", "wil graag", "aanrad*", "heb je",
    // "il me faut un sac étanche", "me hace falta una mochila"
    "il me faut", "j ai besoin d un", "j ai besoin d une", "me hace falta", "ik heb * nodig",
    "ho bisogno di", "ca existe",
];
/// The same in Japanese, Arabic and Hebrew, matched inside the text.
#[rustfmt::skip]
pub const ASKS_FOR_GOODS_INSIDE: &[&str] = &[
    "ありますか", "あります", "探して", "売って", "欲しい", "ほしい", "おすすめ", "買", "在庫",
    "لديكم", "عندكم", "تبيعون", "أبحث", "ابحث", "أريد", "اريد", "أشتري", "شراء",
    "יש לכם", "מוכרים", "מחפש", "מחפשת", "רוצה", "לקנות", "ממליצים",
    "必要", "扱って", "取り扱", "أحتاج", "احتاج", "צריך", "צריכה",
];

/// Whether `text` (with its folded `words`) asks for goods: the shopping cues, and the ways of
/// asking in the languages they do not cover.
pub fn asks_for_goods(text: &str, words: &[String]) -> bool {
    crate::lang::has_any(words, SHOPPING)
        || crate::lang::has_any(words, ASKS_FOR_GOODS)
        || ASKS_FOR_GOODS_INSIDE.iter().any(|cue| text.contains(cue))
}
