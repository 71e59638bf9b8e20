//! Answers about an order: its status, shipments and tracking, or why it is not shown.

use tools::RecentOrders;
use tools::io::{Order, OrderLine, OrderStatus, Shipment};

use super::Question;
use super::phrases::{fill, money, phrases};
use crate::lang::Lang;

pub(super) fn order_status(status: &OrderStatus, question: &Question) -> String {
    let p = phrases(question.lang);
    match status {
        OrderStatus::Found { order } => order_found(order, question),
        OrderStatus::NeedsEmail { order_number } => {
            fill(p.order_needs_email, &[("order", order_number)])
        }
        OrderStatus::NotVerified { order_number, .. } => {
            fill(p.order_not_verified, &[("order", order_number)])
        }
        OrderStatus::CodeSent { order_number } => {
            fill(p.order_code_sent, &[("order", order_number)])
        }
        OrderStatus::WrongCode { order_number, .. } => {
            fill(p.order_wrong_code, &[("order", order_number)])
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
    if let Some(note) = &order.note {
        out.push_str(&format!("\n{}: {note}", p.order_note));
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

/// `list_recent_orders`: the newest order in full, the others by name.
pub(super) fn recent_orders(found: &RecentOrders, question: &Question) -> String {
    let p = phrases(question.lang);
    match found {
        RecentOrders::Found { latest, others } => {
            let mut out = order_status(latest, question);
            if !others.is_empty() {
                out.push_str(&format!("\n{}: {}.", p.other_orders, others.join(", ")));
            }
            out
        }
        RecentOrders::NoOrders => p.no_orders.to_owned(),
        RecentOrders::SignInNeeded => p.sign_in_for_orders.to_owned(),
    }
}
