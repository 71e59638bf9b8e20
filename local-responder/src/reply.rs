//! The answers that need no tool, in the four languages. None of them repeats anything the
//! shopper wrote: a refusal that quoted an email or a name back would leak it to whoever
//! reads the conversation next.

use super::lang::Lang;
use super::route::Reply;

/// The reply's text in `lang`.
pub fn text(reply: Reply, lang: Lang) -> &'static str {
    let [en, fr, es, de] = texts(reply);
    match lang {
        Lang::En => en,
        Lang::Fr => fr,
        Lang::Es => es,
        Lang::De => de,
    }
}

/// Each reply in English, French, Spanish and German.
#[rustfmt::skip]
fn texts(reply: Reply) -> [&'static str; 4] {
    use Reply::*;
    match reply {
        Greeting => [
            "Hi! I'm the store's assistant. I can help you find products, check sizes and stock, track an order, or answer questions about shipping, returns and our policies. What can I do for you?",
            "Bonjour ! Je suis l'assistant de la boutique. Je peux vous aider à trouver un produit, vérifier une taille ou un stock, suivre une commande, ou répondre à vos questions sur la livraison, les retours et nos conditions. Que puis-je faire pour vous ?",
            "¡Hola! Soy el asistente de la tienda. Puedo ayudarte a encontrar productos, consultar tallas y existencias, seguir un pedido o responder preguntas sobre envíos, devoluciones y nuestras políticas. ¿En qué puedo ayudarte?",
            "Hallo! Ich bin der Assistent des Shops. Ich helfe Ihnen, Produkte zu finden, Größen und Bestand zu prüfen, eine Bestellung zu verfolgen oder Fragen zu Versand, Rückgabe und unseren Richtlinien zu beantworten. Was kann ich für Sie tun?",
        ],
        Thanks => [
            "You're welcome! Is there anything else I can help you with?",
            "Avec plaisir ! Puis-je vous aider pour autre chose ?",
            "¡De nada! ¿Hay algo más en lo que pueda ayudarte?",
            "Gern geschehen! Kann ich sonst noch etwas für Sie tun?",
        ],
        Help => [
            "I can help you find products, check stock, track an order with its number, or answer questions about shipping, returns and our policies. What would you like to know?",
            "Je peux vous aider à trouver un produit, vérifier un stock, suivre une commande avec son numéro, ou répondre à vos questions sur la livraison, les retours et nos conditions. Que souhaitez-vous savoir ?",
            "Puedo ayudarte a encontrar productos, consultar existencias, seguir un pedido con su número o responder preguntas sobre envíos, devoluciones y nuestras políticas. ¿Qué te gustaría saber?",
            "Ich kann Ihnen helfen, Produkte zu finden, den Bestand zu prüfen, eine Bestellung anhand ihrer Nummer zu verfolgen oder Fragen zu Versand, Rückgabe und unseren Richtlinien zu beantworten. Was möchten Sie wissen?",
        ],
        OffTopic => [
            "Sorry, I can only help with questions about this store: our products, stock, your orders, shipping, returns and our policies. Is there something along those lines I can do for you?",
            "Désolé, je ne peux répondre qu'aux questions sur la boutique : nos produits, les stocks, vos commandes, la livraison, les retours et nos conditions. Puis-je vous aider sur l'un de ces sujets ?",
            "Lo siento, solo puedo ayudarte con preguntas sobre esta tienda: nuestros productos, existencias, tus pedidos, envíos, devoluciones y nuestras políticas. ¿Puedo ayudarte con algo de eso?",
            "Entschuldigung, ich kann nur Fragen zu diesem Shop beantworten: zu unseren Produkten, zum Bestand, zu Ihren Bestellungen, zu Versand, Rückgabe und unseren Richtlinien. Kann ich Ihnen dabei helfen?",
        ],
        WhichProduct => [
            "Which product do you mean? Tell me its name, and the size or colour if it matters, and I'll check.",
            "De quel produit parlez-vous ? Donnez-moi son nom, et la taille ou la couleur si besoin, et je vérifie.",
            "¿A qué producto te refieres? Dime su nombre y, si importa, la talla o el color, y lo consulto.",
            "Welches Produkt meinen Sie? Nennen Sie mir den Namen und, falls wichtig, Größe oder Farbe, dann sehe ich nach.",
        ],
        AskOrderNumber => [
            "I can look that up. What's the order number (it starts with #, like #1001)? If you're not logged in, please also give the email address the order was placed with.",
            "Je peux vérifier. Quel est le numéro de commande (il commence par #, par exemple #1001) ? Si vous n'êtes pas connecté, indiquez aussi l'adresse e-mail utilisée pour la commande.",
            "Puedo consultarlo. ¿Cuál es el número de pedido (empieza por #, por ejemplo #1001)? Si no has iniciado sesión, indícame también el correo electrónico con el que hiciste el pedido.",
            "Das kann ich nachsehen. Wie lautet die Bestellnummer (sie beginnt mit #, z. B. #1001)? Wenn Sie nicht angemeldet sind, nennen Sie mir bitte auch die E-Mail-Adresse, mit der bestellt wurde.",
        ],
        Private => [
            "Sorry, I can't share information about other customers or store records. I can look up an order only for the person who placed it, with the order number and the email address used for it.",
            "Désolé, je ne peux pas communiquer d'informations sur d'autres clients ni sur les données de la boutique. Je ne peux consulter une commande que pour la personne qui l'a passée, avec le numéro de commande et l'adresse e-mail utilisée.",
            "Lo siento, no puedo compartir información sobre otros clientes ni datos de la tienda. Solo puedo consultar un pedido para la persona que lo hizo, con el número de pedido y el correo electrónico que usó.",
            "Entschuldigung, ich kann keine Informationen über andere Kunden oder Daten des Shops herausgeben. Eine Bestellung kann ich nur für die Person nachsehen, die sie aufgegeben hat, mit Bestellnummer und der dabei verwendeten E-Mail-Adresse.",
        ],
        Instructions => [
            "I can't follow instructions that are encoded, hidden or pasted into a message, and I can't share how I'm set up. If you have a question about our products or your order, just ask it directly.",
            "Je ne peux pas suivre d'instructions codées, cachées ou collées dans un message, ni expliquer ma configuration. Si vous avez une question sur nos produits ou votre commande, posez-la simplement.",
            "No puedo seguir instrucciones codificadas, ocultas o pegadas en un mensaje, ni compartir cómo estoy configurado. Si tienes una pregunta sobre nuestros productos o tu pedido, hazla directamente.",
            "Ich kann keine verschlüsselten, versteckten oder eingefügten Anweisungen befolgen und gebe meine Konfiguration nicht weiter. Wenn Sie eine Frage zu unseren Produkten oder Ihrer Bestellung haben, stellen Sie sie einfach direkt.",
        ],
        StoreChange => [
            "Sorry, I can't change prices, products or orders from this chat, and I can't share customer information. If you run this store, please make changes in the Shopify admin.",
            "Désolé, je ne peux pas modifier les prix, les produits ou les commandes depuis ce chat, ni communiquer d'informations sur les clients. Si vous gérez la boutique, faites ces changements dans l'admin Shopify.",
            "Lo siento, no puedo cambiar precios, productos ni pedidos desde este chat, ni compartir información de clientes. Si administras la tienda, haz los cambios en el panel de Shopify.",
            "Entschuldigung, ich kann in diesem Chat keine Preise, Produkte oder Bestellungen ändern und keine Kundendaten herausgeben. Wenn Sie den Shop betreiben, nehmen Sie Änderungen bitte im Shopify-Admin vor.",
        ],
        Discount => [
            "Sorry, I can't create or apply discount codes. If you have a valid code, you can enter it at checkout.",
            "Désolé, je ne peux pas créer ni appliquer de codes de réduction. Si vous avez un code valide, saisissez-le lors du paiement.",
            "Lo siento, no puedo crear ni aplicar códigos de descuento. Si tienes un código válido, puedes introducirlo al pagar.",
            "Entschuldigung, ich kann keine Rabattcodes erstellen oder anwenden. Einen gültigen Code können Sie an der Kasse eingeben.",
        ],
        Password => [
            "I can't reset passwords or change account details. Use the \"Forgot your password?\" link on the login page: the reset link is sent only to the account's own email address.",
            "Je ne peux pas réinitialiser de mot de passe ni modifier un compte. Utilisez le lien « Mot de passe oublié ? » sur la page de connexion : le lien est envoyé uniquement à l'adresse e-mail du compte.",
            "No puedo restablecer contraseñas ni cambiar datos de cuentas. Usa el enlace \"¿Olvidaste tu contraseña?\" en la página de inicio de sesión: el enlace se envía solo al correo de la cuenta.",
            "Ich kann keine Passwörter zurücksetzen oder Kontodaten ändern. Nutzen Sie den Link „Passwort vergessen?“ auf der Anmeldeseite: Der Link geht nur an die E-Mail-Adresse des Kontos.",
        ],
        CartLimit => [
            "Sorry, I can add at most 20 of one item from the chat. For a larger order, please contact our team.",
            "Désolé, je peux ajouter au maximum 20 exemplaires d'un article depuis le chat. Pour une commande plus importante, contactez notre équipe.",
            "Lo siento, desde el chat puedo añadir como máximo 20 unidades de un artículo. Para un pedido mayor, contacta con nuestro equipo.",
            "Entschuldigung, im Chat kann ich höchstens 20 Stück eines Artikels hinzufügen. Für größere Mengen wenden Sie sich bitte an unser Team.",
        ],
        Identity => [
            "I'm the store's virtual assistant, an AI: I can find products, check stock and orders, and answer questions from our help pages. Would you like me to connect you with someone from our team instead?",
            "Je suis l'assistant virtuel de la boutique, une IA : je peux trouver des produits, vérifier les stocks et les commandes, et répondre à partir de nos pages d'aide. Voulez-vous que je vous mette en relation avec quelqu'un de notre équipe ?",
            "Soy el asistente virtual de la tienda, una IA: puedo buscar productos, consultar existencias y pedidos, y responder con nuestras páginas de ayuda. ¿Quieres que te ponga en contacto con alguien de nuestro equipo?",
            "Ich bin der virtuelle Assistent des Shops, eine KI: Ich finde Produkte, prüfe Bestand und Bestellungen und beantworte Fragen anhand unserer Hilfeseiten. Soll ich Sie stattdessen mit jemandem aus unserem Team verbinden?",
        ],
    }
}
