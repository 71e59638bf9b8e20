//! `get_order_status`: one order, only for the shopper it belongs to.
//!
//! The decision is `tools::order_access` (the verified customer id owns the order, or the
//! order's number comes with the order's email). What this adds is the count of failed
//! proofs, kept in `conversations.verification_failures` and spent atomically *before* a proof
//! is checked, so that parallel guesses cannot get past the limit: a proof that succeeds gives
//! its attempt back. A wrong email and an unknown number take the same path and give the same
//! answer.
//!
//! The order is read without the customer's name, phone or addresses (see
//! `OrderByNumber.graphql`), and the answer carries neither them nor the email.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;
use tools::io::{GetOrderStatusArgs, Order, OrderLine, OrderStatus, Shipment, Tracking};
use tools::orders::MAX_FAILURES;
use tools::{Access, OrderFacts, Shopper, order_access};

use super::live::LiveOrder;
use super::{StoreTools, ToolError, gid_digits, json};
use crate::chat::redact;
use crate::chat::settings::ShopSettings;

/// Longest order name accepted (prefix, number and suffix).
const MAX_NAME: usize = 32;

impl StoreTools {
    pub(super) async fn get_order_status(
        &self,
        args: GetOrderStatusArgs,
    ) -> Result<Value, ToolError> {
        let number = order_name(&args.order_number)
            .ok_or_else(|| ToolError::Invalid("order_number should look like #1001".into()))?;
        let email = args
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty());
        let shopper = Shopper {
            verification_failures: self.failures().await?,
            ..self.context.shopper.clone()
        };
        // The logged-in owner needs no proof.
        let mut fetched = None;
        if shopper.customer_id.is_some() {
            let order = self.order_by_name(&number).await?;
            if let Some(live) = &order
                && order_access(&shopper, None, Some(&facts(live))) == Access::Granted
            {
                return json(&self.found(order, number).await?);
            }
            fetched = Some(order);
        }
        // Anyone else proves it with the order's email, spending an attempt first: a
        // conversation out of attempts gets no look-up at all.
        let Some(email) = email else {
            return json(&match order_access(&shopper, None, None) {
                Access::Locked => OrderStatus::Locked,
                _ => OrderStatus::NeedsEmail {
                    order_number: number,
                },
            });
        };
        let Some(spent) = self.spend_attempt().await? else {
            return json(&OrderStatus::Locked);
        };
        let order = match fetched {
            Some(order) => order,
            None => match self.order_by_name(&number).await {
                Ok(order) => order,
                Err(error) => {
                    // No proof was checked: the attempt is given back.
                    self.refund_attempt().await?;
                    return Err(error);
                }
            },
        };
        let before = Shopper {
            verification_failures: spent.saturating_sub(1),
            ..shopper
        };
        let status = match order_access(&before, Some(email), order.as_ref().map(facts).as_ref()) {
            Access::Granted => {
                self.refund_attempt().await?;
                self.found(order, number).await?
            }
            Access::Locked => OrderStatus::Locked,
            Access::NeedsEmail | Access::NotVerified => OrderStatus::NotVerified {
                order_number: number,
                attempts_left: MAX_FAILURES.saturating_sub(spent),
            },
        };
        json(&status)
    }

    /// The conversation's failed proofs so far.
    async fn failures(&self) -> Result<u32, ToolError> {
        let failures = sqlx::query_scalar!(
            "SELECT verification_failures FROM conversations WHERE shop_id = $1 AND id = $2",
            self.shop_id(),
            self.context.conversation_id,
        )
        .fetch_optional(&self.state.db)
        .await?;
        let failures = failures.ok_or_else(|| {
            ToolError::internal("order status", "the turn's conversation does not exist")
        })?;
        Ok(u32::try_from(failures).unwrap_or(0))
    }

    /// Counts one proof attempt as failed unless the limit is reached; returns the count with
    /// it, or `None` when the conversation is locked.
    async fn spend_attempt(&self) -> Result<Option<u32>, ToolError> {
        let spent = sqlx::query_scalar!(
            "UPDATE conversations SET verification_failures = verification_failures + 1
             WHERE shop_id = $1 AND id = $2 AND verification_failures < $3
             RETURNING verification_failures",
            self.shop_id(),
            self.context.conversation_id,
            i32::try_from(MAX_FAILURES).unwrap_or(i32::MAX),
        )
        .fetch_optional(&self.state.db)
        .await?;
        Ok(spent.map(|n| u32::try_from(n).unwrap_or(0)))
    }

    /// Gives back the attempt a successful proof spent.
    async fn refund_attempt(&self) -> Result<(), ToolError> {
        sqlx::query!(
            "UPDATE conversations SET verification_failures = greatest(verification_failures - 1, 0)
             WHERE shop_id = $1 AND id = $2",
            self.shop_id(),
            self.context.conversation_id,
        )
        .execute(&self.state.db)
        .await?;
        Ok(())
    }
}

/// What the access rule needs of an order.
fn facts(order: &LiveOrder) -> OrderFacts {
    OrderFacts {
        customer_id: order
            .customer
            .as_ref()
            .and_then(|c| gid_digits(&c.id))
            .map(str::to_owned),
        email: order.email.clone(),
    }
}

impl StoreTools {
    /// The answer for a granted order. `order_access` grants only an order that exists; should
    /// that ever change, nothing is shown.
    async fn found(
        &self,
        order: Option<LiveOrder>,
        number: String,
    ) -> Result<OrderStatus, ToolError> {
        let Some(mut order) = order else {
            return Ok(OrderStatus::NeedsEmail {
                order_number: number,
            });
        };
        let settings = ShopSettings::load(&self.state.db, self.shop_id()).await?;
        order.note = order
            .note
            .filter(|_| settings.share_order_notes)
            .and_then(|note| shareable_note(&note));
        Ok(OrderStatus::Found { order: view(order) })
    }
}

/// Longest order note passed on (characters); the rest is cut.
const MAX_NOTE_CHARS: usize = 600;

static EMAIL_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+").unwrap_or_else(|e| unreachable!("{e}"))
});
/// 10 to 15 digits, maybe grouped by spaces, dots, dashes or parentheses, maybe after `+`.
static PHONE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\+?\(?\d(?:[ ().-]*\d){9,14}").unwrap_or_else(|e| unreachable!("{e}"))
});

/// An order's note as the shopper may read it: card numbers and the like redacted, emails and
/// phone numbers masked (a note may name someone else's), at most [`MAX_NOTE_CHARS`].
fn shareable_note(note: &str) -> Option<String> {
    let note = note.trim();
    if note.is_empty() {
        return None;
    }
    let note: String = note.chars().take(MAX_NOTE_CHARS).collect();
    let note = redact::redact(&note);
    let note = EMAIL_RE.replace_all(&note, "[email removed]");
    // Not inside a longer run of digits (a tracking or reference number).
    let note = PHONE_RE.replace_all(&note, |c: &regex::Captures| {
        let m = c.get(0).map_or("", |m| m.as_str());
        let start = c.get(0).map_or(0, |m| m.start());
        let end = c.get(0).map_or(0, |m| m.end());
        let before = note[..start].chars().next_back();
        let after = note[end..].chars().next();
        if before.is_some_and(|ch| ch.is_ascii_alphanumeric())
            || after.is_some_and(|ch| ch.is_ascii_alphanumeric())
        {
            m.to_owned()
        } else {
            "[phone removed]".to_owned()
        }
    });
    Some(note.into_owned())
}

/// "1001", "#1001", "order 1001", "Order no. #1001", "HP-1001" → "#1001" (or the custom name
/// as given). Only letters, digits, `#`, `-` and `_`: the name goes into a search query.
pub(super) fn order_name(raw: &str) -> Option<String> {
    const FILLER: &[&str] = &[
        "order", "orders", "number", "no", "no.", "nr", "num", "#", "my",
    ];
    let tokens: Vec<&str> = raw
        .split(|c: char| c.is_whitespace() || c == ':' || c == ',')
        .filter(|t| !t.is_empty() && !FILLER.contains(&t.to_lowercase().as_str()))
        .collect();
    let [token] = tokens.as_slice() else {
        return None;
    };
    let valid = token.len() <= MAX_NAME
        && token.chars().any(|c| c.is_ascii_digit())
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '#' | '-' | '_'));
    if !valid {
        return None;
    }
    let digits = token.trim_start_matches('#');
    if digits.bytes().all(|b| b.is_ascii_digit()) {
        return Some(format!("#{digits}"));
    }
    Some((*token).to_owned())
}

/// What the shopper is told: status, money, items, shipments. Nothing about the customer.
fn view(order: LiveOrder) -> Order {
    let cancelled = order.cancelled_at.is_some();
    let variant = |title: Option<String>| title.filter(|t| !t.is_empty() && t != "Default Title");
    let lines = order
        .line_items
        .nodes
        .into_iter()
        .filter_map(|line| {
            // Items removed by an edit or refund are gone; a cancelled order shows what it was.
            let quantity = if cancelled {
                line.quantity
            } else {
                line.current_quantity.unwrap_or(line.quantity)
            };
            (quantity > 0).then(|| OrderLine {
                title: line.title,
                variant: variant(line.variant_title),
                quantity,
            })
        })
        .collect();
    let shipments = order
        .fulfillments
        .into_iter()
        .map(|f| Shipment {
            status: f.status,
            delivery_status: f.display_status,
            tracking: f
                .tracking_info
                .into_iter()
                .map(|t| Tracking {
                    number: t.number,
                    url: t.url,
                    company: t.company,
                })
                .collect(),
            estimated_delivery: f.estimated_delivery_at,
            delivered_at: f.delivered_at,
            lines: f
                .fulfillment_line_items
                .nodes
                .into_iter()
                .map(|l| OrderLine {
                    title: l.line_item.title,
                    variant: variant(l.line_item.variant_title),
                    quantity: l.quantity.unwrap_or(0),
                })
                .collect(),
        })
        .collect();
    Order {
        name: order.name,
        created_at: order.created_at,
        financial_status: order.display_financial_status,
        fulfillment_status: order.display_fulfillment_status,
        cancelled_at: order.cancelled_at,
        cancel_reason: order.cancel_reason,
        note: order.note,
        total: order.current_total_price_set.shop_money.amount,
        currency: order.current_total_price_set.shop_money.currency_code,
        lines,
        shipments,
        status_url: order.status_page_url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_keep_dates_and_references_but_not_contact_details() {
        let note = shareable_note(
            "  Preorder: ships on or about 2026-12-08. Customer called from +1 (503) 555-0142, \
             wrote from jo.doe+x@example.co.uk; label 9400111899223856928499.  ",
        )
        .unwrap();
        assert_eq!(
            note,
            "Preorder: ships on or about 2026-12-08. Customer called from [phone removed], \
             wrote from [email removed]; label 9400111899223856928499."
        );
        assert_eq!(shareable_note(" \n "), None);
        assert!(
            shareable_note("card 4111 1111 1111 1111")
                .unwrap()
                .contains(redact::CARD)
        );
        assert_eq!(
            shareable_note(&"x".repeat(2000)).unwrap().len(),
            MAX_NOTE_CHARS
        );
    }

    #[test]
    fn order_numbers_are_normalised_and_nothing_else_gets_through() {
        for raw in [
            "1001",
            "#1001",
            " order 1001",
            "Order #1001",
            "order no. 1001",
            "# 1001",
        ] {
            assert_eq!(order_name(raw).as_deref(), Some("#1001"), "{raw}");
        }
        assert_eq!(order_name("HP-1001").as_deref(), Some("HP-1001"));
        for raw in [
            "",
            "order",
            "#",
            "1001 OR name:*",
            "1001 1002",
            "name:#1001",
            "\"1001\"",
            "#10*",
            "abc",
        ] {
            assert_eq!(order_name(raw), None, "{raw}");
        }
    }
}
