//! Who may see an order. The rule, whatever the model asks:
//! - a logged-in shopper (customer id vouched for by the app proxy's signature) sees the
//!   orders that customer placed;
//! - anyone else must give the order number together with the email the order was placed
//!   with; a wrong email and an unknown order number get the same answer (no probing which
//!   numbers exist), and after [`MAX_FAILURES`] failed proofs the conversation is offered a
//!   human instead of more guesses;
//! - and then give back the one-time code mailed to that email: knowing an order's number
//!   and email is not owning the mailbox (both are on a packing slip, a forwarded receipt, a
//!   shared account). A wrong code is a failed proof like a wrong email.

use crate::Shopper;

/// Failed proofs a conversation gets before it is refused.
pub const MAX_FAILURES: u32 = 5;

/// What the access decision needs to know of an order (read from Shopify by the host).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFacts {
    /// The Shopify customer id that placed it, as the app proxy spells it (digits).
    pub customer_id: Option<String>,
    pub email: Option<String>,
}

/// The decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Show it.
    Granted,
    /// Ask for the order's email (nothing about the order is said, not even that it exists).
    NeedsEmail,
    /// The proof failed (wrong email, or no such order): counts as a failure.
    NotVerified,
    /// The email matched: a one-time code is to be mailed to it (or was) and given back.
    NeedsCode,
    /// The code given back is not the one mailed: counts as a failure.
    WrongCode,
    /// Too many failed proofs in this conversation.
    Locked,
}

/// What the store says of a one-time code given back for an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// It is the code mailed for that order, in time: it is used up now.
    Valid,
    /// It is not (or no code was mailed for that order in this conversation).
    Wrong,
    /// The code mailed for that order has expired or used up its attempts: a new one is due.
    Expired,
}

/// Decides whether `shopper` may see an order, given what they claimed (`email`, and the
/// store's check of the `code` they gave back, if any) and what the order is (`order`, `None`
/// when no order has that number).
pub fn order_access(
    shopper: &Shopper,
    email: Option<&str>,
    code: Option<CodeCheck>,
    order: Option<&OrderFacts>,
) -> Access {
    if let (Some(customer), Some(order)) = (&shopper.customer_id, order)
        && order.customer_id.as_deref() == Some(customer.as_str())
    {
        return Access::Granted;
    }
    if shopper.verification_failures >= MAX_FAILURES {
        return Access::Locked;
    }
    let Some(claimed) = email.map(normalise).filter(|e| !e.is_empty()) else {
        return Access::NeedsEmail;
    };
    match order.and_then(|o| o.email.as_deref()).map(normalise) {
        Some(actual) if !actual.is_empty() && constant_time_eq(&actual, &claimed) => match code {
            Some(CodeCheck::Valid) => Access::Granted,
            Some(CodeCheck::Wrong) => Access::WrongCode,
            Some(CodeCheck::Expired) | None => Access::NeedsCode,
        },
        _ => Access::NotVerified,
    }
}

fn normalise(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Equality whose time does not depend on where the strings differ.
fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shopper(customer: Option<&str>, failures: u32) -> Shopper {
        Shopper {
            shop_id: 1,
            customer_id: customer.map(str::to_owned),
            verification_failures: failures,
        }
    }

    fn ada_order() -> OrderFacts {
        OrderFacts {
            customer_id: Some("7001".into()),
            email: Some("Ada@Example.com".into()),
        }
    }

    #[test]
    fn the_logged_in_owner_sees_their_order_and_nobody_else_does_without_proof() {
        let order = ada_order();
        assert_eq!(
            order_access(&shopper(Some("7001"), 0), None, None, Some(&order)),
            Access::Granted
        );
        // Another logged-in customer: their session proves nothing about Ada's order.
        assert_eq!(
            order_access(&shopper(Some("7002"), 0), None, None, Some(&order)),
            Access::NeedsEmail
        );
        assert_eq!(
            order_access(&shopper(None, 0), None, None, Some(&order)),
            Access::NeedsEmail
        );
        // Even when the model invents a customer id in its arguments: there is no such input.
    }

    #[test]
    fn an_order_number_with_its_email_and_the_mailed_code_is_proof_and_a_wrong_one_reveals_nothing()
    {
        let order = ada_order();
        let anonymous = shopper(None, 0);
        let email = Some("  ada@example.COM ");
        assert_eq!(
            order_access(&anonymous, email, None, Some(&order)),
            Access::NeedsCode
        );
        assert_eq!(
            order_access(&anonymous, email, Some(CodeCheck::Valid), Some(&order)),
            Access::Granted
        );
        assert_eq!(
            order_access(&anonymous, email, Some(CodeCheck::Wrong), Some(&order)),
            Access::WrongCode
        );
        assert_eq!(
            order_access(&anonymous, email, Some(CodeCheck::Expired), Some(&order)),
            Access::NeedsCode
        );
        // A valid code is no proof without the order's email.
        for code in [None, Some(CodeCheck::Valid)] {
            assert_eq!(
                order_access(&anonymous, Some("eve@example.com"), code, Some(&order)),
                Access::NotVerified
            );
        }
        // No such order: the same answer as a wrong email.
        assert_eq!(
            order_access(&anonymous, Some("ada@example.com"), None, None),
            Access::NotVerified
        );
        assert_eq!(
            order_access(&anonymous, Some(" "), None, Some(&order)),
            Access::NeedsEmail
        );
        // An order without an email cannot be proved by one.
        let no_email = OrderFacts {
            customer_id: None,
            email: None,
        };
        assert_eq!(
            order_access(&anonymous, Some("ada@example.com"), None, Some(&no_email)),
            Access::NotVerified
        );
    }

    #[test]
    fn repeated_failures_lock_the_conversation_but_not_the_owner() {
        let order = ada_order();
        let guesser = shopper(None, MAX_FAILURES);
        assert_eq!(
            order_access(
                &guesser,
                Some("ada@example.com"),
                Some(CodeCheck::Valid),
                Some(&order)
            ),
            Access::Locked
        );
        assert_eq!(
            order_access(
                &shopper(Some("7001"), MAX_FAILURES),
                None,
                None,
                Some(&order)
            ),
            Access::Granted
        );
    }
}
