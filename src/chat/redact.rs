//! Redaction of payment card numbers and similar secrets a shopper may paste into a chat:
//! they are replaced before anything is stored, logged or sent to a model.
//!
//! A card number is 13–19 digits, optionally grouped by spaces or dashes, that passes the
//! Luhn check (so order numbers, phone numbers and tracking numbers, which mostly fail it or
//! are shorter, are kept). A security code is kept only when it follows a card-code word.
//! US social security numbers (`123-45-6789`) and IBANs are redacted too.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

pub const CARD: &str = "[card number removed]";
pub const CODE: &str = "[security code removed]";
pub const SSN: &str = "[SSN removed]";
pub const IBAN: &str = "[IBAN removed]";

static CARD_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b\d(?:[ -]?\d){12,18}\b").unwrap_or_else(|e| unreachable!("{e}"))
});
static CODE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(cvv2?|cvc2?|cid|csc|security code|code de sécurité|código de seguridad|prüfnummer|kartenprüfnummer)(\s*(?:is|:|=|est|es|ist)?\s*)\d{3,4}\b")
        .unwrap_or_else(|e| unreachable!("{e}"))
});
static SSN_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b\d{3}-\d{2}-\d{4}\b").unwrap_or_else(|e| unreachable!("{e}")));
static IBAN_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
        .unwrap_or_else(|e| unreachable!("{e}"))
});

/// A pattern, the check a match must pass, and its replacement.
type Pass<'a> = (&'a Regex, &'a dyn Fn(&str) -> bool, &'a str);

/// `text` with card numbers, card codes, SSNs and IBANs replaced.
pub fn redact(text: &str) -> Cow<'_, str> {
    let digits = |s: &str| -> Vec<u32> { s.chars().filter_map(|c| c.to_digit(10)).collect() };
    let mut out = Cow::Borrowed(text);
    let passes: [Pass; 4] = [
        (&CARD_RE, &|m| luhn(&digits(m)), CARD),
        (&CODE_RE, &|_| true, CODE),
        (&SSN_RE, &|_| true, SSN),
        (&IBAN_RE, &iban, IBAN),
    ];
    for (re, valid, replacement) in passes {
        let replaced = re.replace_all(&out, |caps: &regex::Captures| {
            if !valid(&caps[0]) {
                caps[0].to_owned()
            } else if let (Some(word), Some(gap)) = (caps.get(1), caps.get(2)) {
                // A card-code match keeps its label: "cvv [security code removed]".
                format!("{}{}{replacement}", word.as_str(), gap.as_str())
            } else {
                replacement.to_owned()
            }
        });
        if let Cow::Owned(s) = replaced {
            out = Cow::Owned(s);
        }
    }
    out
}

/// Whether `candidate` is an IBAN: 15–34 characters passing the ISO 7064 mod-97 check.
fn iban(candidate: &str) -> bool {
    let compact: Vec<char> = candidate.chars().filter(|c| !c.is_whitespace()).collect();
    if !(15..=34).contains(&compact.len()) {
        return false;
    }
    let rotated = compact[4..].iter().chain(&compact[..4]);
    let mut remainder = 0u32;
    for c in rotated {
        let Some(value) = c.to_digit(36) else {
            return false;
        };
        for d in if value >= 10 {
            vec![value / 10, value % 10]
        } else {
            vec![value]
        } {
            remainder = (remainder * 10 + d) % 97;
        }
    }
    remainder == 1
}

fn luhn(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let d = d * 2;
                if d > 9 { d - 9 } else { d }
            } else {
                d
            }
        })
        .sum();
    digits.len() >= 13 && sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_numbers_and_codes_go_and_order_data_stays() {
        let said = "My card is 4111 1111 1111 1111, cvv 123, exp 12/29. Order #1043, \
                    tracking 1Z6JLLWJ0259659847, call +1 555 201 0187.";
        let kept = redact(said);
        assert!(!kept.contains("4111"), "{kept}");
        assert!(!kept.contains("123,"), "{kept}");
        assert!(kept.contains(CARD) && kept.contains(CODE), "{kept}");
        for fact in ["#1043", "1Z6JLLWJ0259659847", "+1 555 201 0187", "12/29"] {
            assert!(kept.contains(fact), "{fact} lost: {kept}");
        }
        assert_eq!(redact("5500-0000-0000-0004"), CARD);
        // Sixteen digits that fail the Luhn check are not a card.
        assert_eq!(redact("4111111111111112"), "4111111111111112");
        assert_eq!(redact("SSN 078-05-1120"), format!("SSN {SSN}"));
        assert_eq!(
            redact("IBAN DE89 3704 0044 0532 0130 00 please"),
            format!("IBAN {IBAN} please")
        );
        assert_eq!(redact("LX123456789US"), "LX123456789US");
        assert!(matches!(redact("Where is my order?"), Cow::Borrowed(_)));
    }
}
