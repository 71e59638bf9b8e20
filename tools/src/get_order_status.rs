//! `get_order_status`: one of the shopper's own orders; who may see which order is
//! [`order_access`](crate::order_access)'s rule.
//!
//! What this adds to the rule is the count of failed proofs, kept by the store per
//! conversation and spent atomically *before* a proof is checked, so that parallel guesses
//! cannot get past the limit: a proof that succeeds gives its attempt back. A wrong email and
//! an unknown number take the same path and give the same answer.
//!
//! The store reads the order without the customer's name, phone or addresses, and the answer
//! carries neither them nor the email.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::gid::gid_digits;
use crate::io::{Order, OrderLine, OrderStatus, Shipment};
use crate::orders::MAX_FAILURES;
use crate::store::{LiveLine, LiveOrder, ProofClaim, StoreApi};
use crate::{Access, OrderFacts, Shopper, Tool, ToolError, TurnContext, order_access};

/// Longest order name accepted (prefix, number and suffix).
const MAX_NAME: usize = 32;

/// Digits of a one-time code.
pub const CODE_DIGITS: usize = 6;

pub struct GetOrderStatus;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetOrderStatusArgs {
    /// As the shopper wrote it: "#1001", "1001".
    pub order_number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The one-time code mailed to the order's email, as the shopper typed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl Tool for GetOrderStatus {
    const NAME: &'static str = "get_order_status";
    const DESCRIPTION: &'static str = "Status, tracking and items of one of the shopper's own orders. A shopper who is not logged in must give the order's email, and then the 6-digit code this tool has emailed to it (call again with order_number, email and code).";
    const TIMEOUT: Duration = Duration::from_secs(5);
    type Args = GetOrderStatusArgs;
    type Output = OrderStatus;

    fn parameters() -> Value {
        json!({
            "type": "object",
            "properties": {
                "order_number": {"type": "string", "description": "e.g. #1001"},
                "email": {"type": "string", "description": "the email the order was placed with"},
                "code": {"type": "string", "description": "the 6-digit code emailed to the shopper, after a code_sent answer"}
            },
            "required": ["order_number"],
            "additionalProperties": false
        })
    }

    async fn run(
        args: GetOrderStatusArgs,
        context: &TurnContext,
        store: &dyn StoreApi,
    ) -> Result<OrderStatus, ToolError> {
        let number = order_name(&args.order_number)
            .ok_or_else(|| ToolError::Invalid("order_number should look like #1001".into()))?;
        let email = args
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty());
        let code = args.code.as_deref().map(one_time_code).transpose()?;
        let shopper = Shopper {
            verification_failures: store.verification_failures().await?,
            ..context.shopper.clone()
        };
        // The logged-in owner needs no proof.
        let mut fetched = None;
        if shopper.customer_id.is_some() {
            let order = store.order(&number).await?;
            if let Some(live) = &order
                && order_access(&shopper, None, None, Some(&facts(live))) == Access::Granted
            {
                return found(store, order, number).await;
            }
            fetched = Some(order);
        }
        // Anyone else proves it with the order's email, spending an attempt first: a
        // conversation out of attempts gets no look-up at all.
        let Some(email) = email else {
            return Ok(match order_access(&shopper, None, None, None) {
                Access::Locked => OrderStatus::Locked,
                _ => OrderStatus::NeedsEmail {
                    order_number: number,
                },
            });
        };
        let claim = ProofClaim {
            order_number: &number,
            email,
        };
        let Some(spent) = store.spend_attempt(MAX_FAILURES, &claim).await? else {
            return Ok(OrderStatus::Locked);
        };
        let order = match fetched {
            Some(order) => order,
            None => match store.order(&number).await {
                Ok(order) => order,
                Err(error) => {
                    // No proof was checked: the attempt is given back.
                    store.refund_attempt(&claim).await?;
                    return Err(error.into());
                }
            },
        };
        let before = Shopper {
            verification_failures: spent.saturating_sub(1),
            ..shopper
        };
        let facts = order.as_ref().map(facts);
        let mut access = order_access(&before, Some(email), None, facts.as_ref());
        // Only once the email matched is a code checked (and one of its attempts spent).
        if access == Access::NeedsCode
            && let Some(code) = &code
        {
            let check = match store.check_code(&number, code).await {
                Ok(check) => check,
                Err(error) => {
                    store.refund_attempt(&claim).await?;
                    return Err(error.into());
                }
            };
            access = order_access(&before, Some(email), Some(check), facts.as_ref());
        }
        match access {
            Access::Granted => {
                store.refund_attempt(&claim).await?;
                found(store, order, number).await
            }
            Access::NeedsCode => {
                // The email was right: no failure. The code goes to the order's own email.
                store.refund_attempt(&claim).await?;
                let Some(to) = facts.as_ref().and_then(|f| f.email.as_deref()) else {
                    return Ok(OrderStatus::Locked);
                };
                store.send_code(&number, to).await?;
                Ok(OrderStatus::CodeSent {
                    order_number: number,
                })
            }
            Access::WrongCode => Ok(OrderStatus::WrongCode {
                order_number: number,
                attempts_left: MAX_FAILURES.saturating_sub(spent),
            }),
            Access::Locked => Ok(OrderStatus::Locked),
            Access::NeedsEmail | Access::NotVerified => Ok(OrderStatus::NotVerified {
                order_number: number,
                attempts_left: MAX_FAILURES.saturating_sub(spent),
            }),
        }
    }
}

/// The code as mailed: six digits, spaced or not ("123 456", "code: 123456").
fn one_time_code(raw: &str) -> Result<String, ToolError> {
    let lower = raw.trim().to_lowercase();
    let rest = lower.strip_prefix("code").unwrap_or(&lower);
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    let only_digits = rest
        .chars()
        .all(|c| c.is_ascii_digit() || c.is_whitespace() || matches!(c, '-' | ':' | '.'));
    if digits.len() == CODE_DIGITS && only_digits {
        Ok(digits)
    } else {
        Err(ToolError::Invalid(format!(
            "code should be the {CODE_DIGITS} digits of the email the shopper received"
        )))
    }
}

/// What the access rule needs of an order.
fn facts(order: &LiveOrder) -> OrderFacts {
    OrderFacts {
        customer_id: order
            .customer_id
            .as_deref()
            .and_then(gid_digits)
            .map(str::to_owned),
        email: order.email.clone(),
    }
}

/// The answer for a granted order. `order_access` grants only an order that exists; should
/// that ever change, nothing is shown.
async fn found(
    store: &dyn StoreApi,
    order: Option<LiveOrder>,
    number: String,
) -> Result<OrderStatus, ToolError> {
    let Some(mut order) = order else {
        return Ok(OrderStatus::NeedsEmail {
            order_number: number,
        });
    };
    let settings = store.settings().await?;
    order.note = order.note.filter(|_| settings.share_order_notes);
    Ok(OrderStatus::Found { order: view(order) })
}

/// "1001", "#1001", "order 1001", "Order no. #1001", "HP-1001" → "#1001" (or the custom name
/// as given). Only letters, digits, `#`, `-` and `_`: the name goes into a search query.
fn order_name(raw: &str) -> Option<String> {
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
        .lines
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
    let shipped = |line: LiveLine| OrderLine {
        title: line.title,
        variant: variant(line.variant_title),
        quantity: line.quantity,
    };
    let shipments = order
        .fulfillments
        .into_iter()
        .map(|f| Shipment {
            status: f.status,
            delivery_status: f.display_status,
            tracking: f.tracking,
            estimated_delivery: f.estimated_delivery,
            delivered_at: f.delivered_at,
            lines: f.lines.into_iter().map(shipped).collect(),
        })
        .collect();
    Order {
        name: order.name,
        created_at: order.created_at,
        financial_status: order.financial_status,
        fulfillment_status: order.fulfillment_status,
        cancelled_at: order.cancelled_at,
        cancel_reason: order.cancel_reason,
        note: order.note,
        total: order.total,
        currency: order.currency,
        lines,
        shipments,
        status_url: order.status_url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{FakeStore, context};
    use crate::io::Tracking;
    use crate::store::{LiveFulfillment, ToolSettings};

    fn ada_order() -> LiveOrder {
        let line = |title: &str, quantity, current| LiveLine {
            title: title.into(),
            variant_title: Some("Default Title".into()),
            quantity,
            current_quantity: current,
        };
        LiveOrder {
            name: "#1001".into(),
            created_at: "2026-11-02T10:00:00Z".into(),
            email: Some("Ada@Example.com".into()),
            customer_id: Some("gid://shopify/Customer/7001".into()),
            financial_status: Some("PAID".into()),
            fulfillment_status: "PARTIALLY_FULFILLED".into(),
            cancelled_at: None,
            cancel_reason: None,
            note: Some("Ships on 2026-12-08.".into()),
            total: "42.00".into(),
            currency: "USD".into(),
            status_url: Some("https://shop.example/orders/1".into()),
            lines: vec![line("Mug", 2, Some(2)), line("Refunded Cap", 1, Some(0))],
            fulfillments: vec![LiveFulfillment {
                status: "SUCCESS".into(),
                display_status: Some("IN_TRANSIT".into()),
                estimated_delivery: None,
                delivered_at: None,
                tracking: vec![Tracking {
                    number: Some("1Z999".into()),
                    url: None,
                    company: Some("UPS".into()),
                }],
                lines: vec![line("Mug", 1, None)],
            }],
        }
    }

    fn store() -> FakeStore {
        FakeStore {
            orders: vec![ada_order()],
            ..FakeStore::default()
        }
    }

    async fn status(
        store: &FakeStore,
        customer: Option<&str>,
        number: &str,
        email: Option<&str>,
    ) -> OrderStatus {
        let args = GetOrderStatusArgs {
            order_number: number.into(),
            email: email.map(str::to_owned),
            code: None,
        };
        GetOrderStatus::run(args, &context(customer, false), store)
            .await
            .unwrap()
    }

    /// An anonymous look-up with a code given back.
    async fn coded(store: &FakeStore, number: &str, email: &str, code: &str) -> OrderStatus {
        let args = GetOrderStatusArgs {
            order_number: number.into(),
            email: Some(email.into()),
            code: Some(code.into()),
        };
        GetOrderStatus::run(args, &context(None, false), store)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn the_logged_in_owner_sees_their_order_without_proof() {
        let store = store();
        let OrderStatus::Found { order } = status(&store, Some("7001"), "1001", None).await else {
            panic!("the owner's order is shown");
        };
        assert_eq!(order.name, "#1001");
        // What an edit or refund removed is gone; "Default Title" says nothing.
        assert_eq!(order.lines.len(), 1);
        assert_eq!(
            (
                order.lines[0].title.as_str(),
                order.lines[0].variant.as_deref()
            ),
            ("Mug", None)
        );
        assert_eq!(
            order.shipments[0].tracking[0].number.as_deref(),
            Some("1Z999")
        );
        assert_eq!(order.shipments[0].lines[0].quantity, 1);
        assert_eq!(order.note.as_deref(), Some("Ships on 2026-12-08."));
        assert_eq!(store.failures(), 0);
        // The answer says nothing of the customer.
        let json = serde_json::to_string(&order).unwrap();
        assert!(
            !json.contains("7001") && !json.to_lowercase().contains("ada@"),
            "{json}"
        );

        // Another logged-in customer: their session proves nothing about Ada's order.
        let store = self::store();
        assert_eq!(
            status(&store, Some("7002"), "#1001", None).await,
            OrderStatus::NeedsEmail {
                order_number: "#1001".into()
            }
        );
    }

    #[tokio::test]
    async fn an_email_proof_mails_a_code_and_only_the_code_shows_the_order() {
        let store = store();
        assert_eq!(
            status(&store, None, "order 1001", None).await,
            OrderStatus::NeedsEmail {
                order_number: "#1001".into()
            }
        );
        assert!(
            !store.calls().contains(&"order"),
            "no look-up without a proof"
        );
        let sent = OrderStatus::CodeSent {
            order_number: "#1001".into(),
        };
        // The right email: a code goes to the order's own email; nothing of the order yet.
        assert_eq!(
            status(&store, None, "#1001", Some(" ada@example.COM ")).await,
            sent
        );
        let mailed = ("#1001".to_owned(), "Ada@Example.com".to_owned());
        assert_eq!(
            store.mailed(),
            vec![(mailed.0.clone(), mailed.1.clone(), "100001".into())]
        );
        assert_eq!(store.failures(), 0, "a matching email is no failure");
        // Asking again does not mail another while the first is good.
        assert_eq!(
            status(&store, None, "#1001", Some("ada@example.com")).await,
            sent
        );
        assert_eq!(store.mailed().len(), 1);

        // A wrong code is a failed proof; the right code with a wrong email is no proof.
        assert_eq!(
            coded(&store, "#1001", "ada@example.com", "999999").await,
            OrderStatus::WrongCode {
                order_number: "#1001".into(),
                attempts_left: MAX_FAILURES - 1
            }
        );
        assert!(matches!(
            coded(&store, "#1001", "eve@example.com", "100001").await,
            OrderStatus::NotVerified { .. }
        ));
        assert_eq!(store.failures(), 2);
        let OrderStatus::Found { order } =
            coded(&store, "#1001", "ada@example.com", "code: 100 001").await
        else {
            panic!("the right code shows the order");
        };
        assert_eq!(order.name, "#1001");
        assert_eq!(
            store.failures(),
            2,
            "a proof that succeeds gives its attempt back"
        );
        // The code is used up.
        assert!(matches!(
            coded(&store, "#1001", "ada@example.com", "100001").await,
            OrderStatus::WrongCode { .. }
        ));
        assert_eq!(store.failures(), 3);
    }

    #[tokio::test]
    async fn an_expired_code_is_replaced_and_malformed_codes_are_refused() {
        let store = store();
        status(&store, None, "#1001", Some("ada@example.com")).await;
        store.expire_code();
        // Late but right: a new code is mailed instead, and it costs nothing.
        assert_eq!(
            coded(&store, "#1001", "ada@example.com", "100001").await,
            OrderStatus::CodeSent {
                order_number: "#1001".into()
            }
        );
        assert_eq!(store.mailed().len(), 2);
        assert_eq!(store.failures(), 0);
        assert!(matches!(
            coded(&store, "#1001", "ada@example.com", "100002").await,
            OrderStatus::Found { .. }
        ));
        for raw in ["12345", "1234567", "12a456", "123456 OR 1", ""] {
            let args = GetOrderStatusArgs {
                order_number: "#1001".into(),
                email: Some("ada@example.com".into()),
                code: Some(raw.into()),
            };
            let error = GetOrderStatus::run(args, &context(None, false), &store)
                .await
                .unwrap_err();
            assert!(matches!(error, ToolError::Invalid(_)), "{raw}");
        }
        assert_eq!(one_time_code(" 123-456 ").unwrap(), "123456");
        assert_eq!(one_time_code("Code: 123456").unwrap(), "123456");
    }

    #[tokio::test]
    async fn a_wrong_email_reveals_nothing() {
        let store = store();
        let wrong = status(&store, None, "#1001", Some("eve@example.com")).await;
        let unknown = status(&store, None, "#9999", Some("ada@example.com")).await;
        assert_eq!(
            wrong,
            OrderStatus::NotVerified {
                order_number: "#1001".into(),
                attempts_left: MAX_FAILURES - 1
            }
        );
        // No such order: the same answer as a wrong email (and the same cost).
        assert_eq!(
            unknown,
            OrderStatus::NotVerified {
                order_number: "#9999".into(),
                attempts_left: MAX_FAILURES - 2
            }
        );
        assert_eq!(store.failures(), 2);
        assert!(store.mailed().is_empty(), "no code for a wrong email");
    }

    #[tokio::test]
    async fn guessing_locks_the_conversation_but_not_the_owner() {
        let store = store();
        *store.failures.lock().unwrap() = MAX_FAILURES - 1;
        assert!(matches!(
            status(&store, None, "#1001", Some("eve@example.com")).await,
            OrderStatus::NotVerified {
                attempts_left: 0,
                ..
            }
        ));
        let looked_up = store.calls().iter().filter(|c| **c == "order").count();
        // Even the right email: a locked conversation gets no look-up at all.
        assert_eq!(
            status(&store, None, "#1001", Some("ada@example.com")).await,
            OrderStatus::Locked
        );
        assert_eq!(
            status(&store, None, "#1001", None).await,
            OrderStatus::Locked
        );
        assert_eq!(
            store.calls().iter().filter(|c| **c == "order").count(),
            looked_up
        );
        assert!(matches!(
            status(&store, Some("7001"), "#1001", None).await,
            OrderStatus::Found { .. }
        ));
    }

    #[tokio::test]
    async fn a_failed_look_up_gives_the_attempt_back_and_notes_stay_internal_if_asked() {
        let store = FakeStore {
            unreachable: true,
            ..store()
        };
        let args = GetOrderStatusArgs {
            order_number: "#1001".into(),
            email: Some("ada@example.com".into()),
            code: None,
        };
        let error = GetOrderStatus::run(args, &context(None, false), &store)
            .await
            .unwrap_err();
        assert_eq!(error, ToolError::Unreachable);
        assert_eq!(store.failures(), 0);

        let store = FakeStore {
            settings: ToolSettings {
                share_order_notes: false,
                ..ToolSettings::default()
            },
            ..self::store()
        };
        let OrderStatus::Found { order } = status(&store, Some("7001"), "1001", None).await else {
            panic!("the owner's order is shown");
        };
        assert_eq!(order.note, None);
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
