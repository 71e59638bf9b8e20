//! A one-time code given back: "123456", "123 456", "the code is 123456", "code: 123456".
//! After `get_order_status` mailed a code for an order, the shopper's message that is just
//! the code goes back to that order's look-up, with the email given before (the tool checks
//! both; nothing here decides who sees the order).

use tools::io::GetOrderStatusArgs;

use super::context::Context;
use super::{Route, Said};

/// Words that may stand around a code, in the languages the router knows.
const AROUND: &[&str] = &[
    "the", "my", "code", "is", "it", "s", "here", "here's", "heres", "le", "mon", "est", "c'est",
    "voici", "el", "mi", "código", "codigo", "es", "der", "mein", "ist", "lautet", "hier",
    "please", "thanks",
];

/// The route for a message that is only a code, when an order is in question.
pub(super) fn code_given(said: &Said, ctx: &Context) -> Option<Route> {
    let order = ctx.order.as_ref()?;
    let code = code_in(&said.text)?;
    Some(Route::call(
        tools::GET_ORDER_STATUS,
        GetOrderStatusArgs {
            order_number: order.clone(),
            email: ctx.email.clone(),
            code: Some(code),
        },
    ))
}

/// Six digits (one run, or three and three) among only the [`AROUND`] words.
fn code_in(text: &str) -> Option<String> {
    let mut digits = String::new();
    for token in text
        .split(|c: char| c.is_whitespace() || matches!(c, ':' | ',' | '.' | '!' | '-'))
        .filter(|t| !t.is_empty())
    {
        if token.chars().all(|c| c.is_ascii_digit()) {
            digits.push_str(token);
        } else if !AROUND.contains(&token.to_lowercase().as_str()) {
            return None;
        }
    }
    (digits.len() == 6).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_alone_or_with_a_few_words_is_a_code_and_nothing_else_is() {
        for text in [
            "123456",
            " 123 456 ",
            "the code is 123456",
            "Code: 123-456",
            "le code est 123456",
            "mi código es 123456",
            "123456 thanks",
        ] {
            assert_eq!(code_in(text).as_deref(), Some("123456"), "{text}");
        }
        for text in [
            "12345",
            "1234567",
            "order 123456",
            "I paid 123456 dollars",
            "123456 and 654321",
            "where is #123456",
        ] {
            assert_eq!(code_in(text), None, "{text}");
        }
    }
}
