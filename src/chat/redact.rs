//! Redaction of payment card numbers and similar secrets a shopper may paste into a chat:
//! they are replaced before anything is stored, logged or sent to a model.
//!
//! A card number is 13–19 digits that passes the Luhn check (so order numbers, phone numbers
//! and tracking numbers, which mostly fail it or are shorter, are kept). Shoppers type them
//! in many ways, so the digits are read as Unicode decimal digits (ASCII, full-width, Arabic-
//! Indic, Persian, Devanagari...) in groups separated by short runs of spaces of any kind
//! (no-break, thin, tabs, line breaks), dashes, dots, slashes and invisible marks (zero-width
//! spaces, direction marks). Every window of whole groups holding 13–19 digits is checked;
//! the union of the windows that pass is replaced in the original text, separators between
//! them included. Overlapping windows are all redacted: a phone number typed just before a
//! card may go with it, but no part of the card stays behind.
//!
//! A security code is kept only when it follows a card-code word. US social security numbers
//! (`123-45-6789`) and IBANs are redacted too.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

pub const CARD: &str = "[card number removed]";
pub const CODE: &str = "[security code removed]";
pub const SSN: &str = "[SSN removed]";
pub const IBAN: &str = "[IBAN removed]";

/// Digits in a card number.
const CARD_DIGITS: Range<usize> = 13..20;
/// The longest run of separators between two groups of one card number ("\r\n", " - ",
/// a space beside a direction mark).
const MAX_GAP: usize = 4;

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
/// One Unicode decimal digit (general category Nd).
static DECIMAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\p{Nd}$").unwrap_or_else(|e| unreachable!("{e}")));

/// A pattern, the check a match must pass, and its replacement.
type Pass<'a> = (&'a Regex, &'a dyn Fn(&str) -> bool, &'a str);

/// `value` with every string in it redacted: a tool call's arguments as the audit keeps them
/// (a model may copy what the shopper typed into them).
pub fn redact_json(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(redact(s).into_owned()),
        Value::Array(items) => Value::Array(items.iter().map(redact_json).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), redact_json(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `text` with card numbers, card codes, SSNs and IBANs replaced.
pub fn redact(text: &str) -> Cow<'_, str> {
    // IBANs first: their digits could pass for a card's and leave the country code behind.
    let mut out = replace(Cow::Borrowed(text), (&IBAN_RE, &iban, IBAN));
    if let Cow::Owned(s) = cards(&out) {
        out = Cow::Owned(s);
    }
    let passes: [Pass; 2] = [(&CODE_RE, &|_| true, CODE), (&SSN_RE, &|_| true, SSN)];
    for pass in passes {
        out = replace(out, pass);
    }
    out
}

/// `text` with the matches of `re` that pass `valid` replaced.
fn replace<'t>(text: Cow<'t, str>, (re, valid, replacement): Pass) -> Cow<'t, str> {
    let replaced = match re.replace_all(&text, |caps: &regex::Captures| {
        if !valid(&caps[0]) {
            caps[0].to_owned()
        } else if let (Some(word), Some(gap)) = (caps.get(1), caps.get(2)) {
            // A card-code match keeps its label: "cvv [security code removed]".
            format!("{}{}{replacement}", word.as_str(), gap.as_str())
        } else {
            replacement.to_owned()
        }
    }) {
        Cow::Owned(s) => Some(s),
        Cow::Borrowed(_) => None,
    };
    replaced.map_or(text, Cow::Owned)
}

/// The value of a decimal digit of any script. Unicode encodes every script's decimal digits
/// as one run of ten code points, 0 to 9 (a stability guarantee), and runs that touch (the
/// five mathematical digit styles) are whole runs of ten: the value is the distance from the
/// start of the run, modulo 10.
fn digit_value(c: char) -> Option<u8> {
    if let Some(d) = c.to_digit(10) {
        return u8::try_from(d).ok();
    }
    if c.is_ascii() || !is_decimal(c) {
        return None;
    }
    let mut zero = u32::from(c);
    while let Some(before) = zero.checked_sub(1).and_then(char::from_u32) {
        if !is_decimal(before) {
            break;
        }
        zero -= 1;
    }
    u8::try_from((u32::from(c) - zero) % 10).ok()
}

fn is_decimal(c: char) -> bool {
    // `is_numeric` (cheap) also holds for fractions, Roman numerals and the like.
    c.is_numeric() && DECIMAL.is_match(c.encode_utf8(&mut [0; 4]))
}

/// What may stand between two groups of digits of one card number.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            // Dashes, dots, slashes and their full-width forms.
            '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}'
            | '.' | '\u{00B7}' | '\u{2022}' | '\u{2024}' | '\u{2027}' | '\u{30FB}' | '\u{FF0E}' | '\u{FF65}'
            | '/' | '\u{2044}' | '\u{2215}' | '\u{FF0F}'
            // Invisible: soft hyphen, zero-width spaces and joiners, direction marks.
            | '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'
        )
}

/// Letters (or digits of another kind) glued to a group make it part of a word, such as a
/// tracking number: it is no card.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// A maximal run of decimal digits: its byte span and its digits.
struct Group {
    span: Range<usize>,
    digits: Vec<u8>,
}

/// `text` with every card number replaced by [`CARD`].
fn cards(text: &str) -> Cow<'_, str> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let at = |k: usize| chars.get(k).map_or(text.len(), |&(i, _)| i);
    let mut spans = Vec::new();
    // Groups close enough to belong to one number; `gap_start` is where the last one ended.
    let mut run: Vec<Group> = Vec::new();
    let mut gap_start = 0;
    let mut k = 0;
    while k < chars.len() {
        if digit_value(chars[k].1).is_none() {
            k += 1;
            continue;
        }
        let first = k;
        let mut digits = Vec::new();
        while let Some(d) = chars.get(k).and_then(|&(_, c)| digit_value(c)) {
            digits.push(d);
            k += 1;
        }
        let glued = (first > 0 && is_word(chars[first - 1].1))
            || chars.get(k).is_some_and(|&(_, c)| is_word(c));
        let joined = !run.is_empty()
            && first - gap_start <= MAX_GAP
            && chars[gap_start..first]
                .iter()
                .all(|&(_, c)| is_separator(c));
        if !joined || glued {
            spans.extend(card_spans(&run));
            run.clear();
        }
        if !glued {
            run.push(Group {
                span: at(first)..at(k),
                digits,
            });
        }
        gap_start = k;
    }
    spans.extend(card_spans(&run));
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for span in spans {
        out.push_str(&text[copied..span.start]);
        out.push_str(CARD);
        copied = span.end;
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// The byte spans of `run` covered by card numbers: the union of every window of whole
/// groups with 13–19 digits passing the Luhn check, in order.
fn card_spans(run: &[Group]) -> Vec<Range<usize>> {
    // `linked[i]`: groups i and i + 1 lie in one card, so the gap between them goes too.
    let mut covered = vec![false; run.len()];
    let mut linked = vec![false; run.len()];
    for start in 0..run.len() {
        let mut digits = Vec::new();
        for end in start..run.len() {
            digits.extend_from_slice(&run[end].digits);
            if digits.len() >= CARD_DIGITS.end {
                break;
            }
            if CARD_DIGITS.contains(&digits.len()) && luhn(&digits) {
                covered[start..=end].fill(true);
                linked[start..end].fill(true);
            }
        }
    }
    let mut spans: Vec<Range<usize>> = Vec::new();
    for (i, group) in run.iter().enumerate() {
        if !covered[i] {
            continue;
        }
        match spans.last_mut() {
            Some(last) if i > 0 && linked[i - 1] => last.end = group.span.end,
            _ => spans.push(group.span.clone()),
        }
    }
    spans
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

fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let d = d * 2;
                if d > 9 { d - 9 } else { d }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
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

    /// Every way shoppers were seen to type a card number: `{}` is where the redaction
    /// marker must stand, and no digit of the card may remain.
    #[test]
    fn card_numbers_are_found_however_they_are_typed() {
        let cases = [
            ("plain", "4111111111111111"),
            ("spaces", "4111 1111 1111 1111"),
            ("dashes", "4111-1111-1111-1111"),
            ("dots", "4111.1111.1111.1111"),
            ("slashes", "4111/1111/1111/1111"),
            ("no-break spaces", "4111\u{a0}1111\u{a0}1111\u{a0}1111"),
            (
                "narrow no-break spaces",
                "4111\u{202f}1111\u{202f}1111\u{202f}1111",
            ),
            ("thin spaces", "4111\u{2009}1111\u{2009}1111\u{2009}1111"),
            ("tabs", "4111\t1111\t1111\t1111"),
            ("double spaces", "4111  1111  1111  1111"),
            ("spaced dashes", "4111 - 1111 - 1111 - 1111"),
            ("line breaks", "4111\n1111\n1111\n1111"),
            ("CRLF", "4111\r\n1111\r\n1111\r\n1111"),
            ("en dashes", "4111–1111–1111–1111"),
            ("mixed", "4111-1111 1111.1111"),
            (
                "zero-width spaces",
                "4111\u{200b}1111\u{200b}1111\u{200b}1111",
            ),
            ("full-width digits", "４１１１ １１１１ １１１１ １１１１"),
            (
                "full-width, ideographic spaces",
                "４１１１\u{3000}１１１１\u{3000}１１１１\u{3000}１１１１",
            ),
            ("Arabic-Indic digits", "٤١١١ ١١١١ ١١١١ ١١١١"),
            (
                "Arabic-Indic, right-to-left marks",
                "٤١١١\u{200f} ١١١١\u{200f} ١١١١\u{200f} ١١١١",
            ),
            ("Persian digits", "۴۱۱۱ ۱۱۱۱ ۱۱۱۱ ۱۱۱۱"),
            ("Devanagari digits", "४१११ ११११ ११११ ११११"),
            ("mixed scripts", "4111 ١١١١ １１１１ 1111"),
            ("Amex 4-6-5", "3782 822463 10005"),
            ("Diners 14 digits", "3056 930902 5904"),
            ("19 digits", "6304 0000 0000 0000 018"),
            ("one digit per group", "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1"),
        ];
        for (name, card) in cases {
            for (before, after) in [
                ("", ""),
                ("my card is ", " thanks"),
                ("card: ", ", exp 12/29"),
                ("بطاقتي ", " شكرا"),
                ("(", ")"),
            ] {
                let said = format!("{before}{card}{after}");
                let kept = redact(&said);
                assert_eq!(kept, format!("{before}{CARD}{after}"), "{name}: {said:?}");
            }
        }
    }

    #[test]
    fn what_is_not_a_card_stays() {
        for kept in [
            "Order #1043 and #1044",
            "tracking 1Z6JLLWJ0259659847",
            "call +1 555 201 0187 or +44 20 7946 0958",
            "exp 12/29, zip 94107",
            "2026-11-22 10:00",
            "192.168.100.200",
            "4111111111111112",
            "4111 1111 1111 1112",
            "LX123456789US",
            "4111111111111111x",
            "sizes 1 2 3 4 5 6 7 8 9 10 11 12",
            "½ ⅓ Ⅻ ²³",
        ] {
            assert_eq!(redact(kept), kept);
        }
    }

    #[test]
    fn a_card_is_found_beside_other_numbers() {
        // The date right after it is kept.
        assert_eq!(redact("4111 1111 1111 1111 12/29"), format!("{CARD} 12/29"));
        // Two cards, one after the other.
        assert_eq!(
            redact("4111 1111 1111 1111 and 5500 0000 0000 0004"),
            format!("{CARD} and {CARD}")
        );
        // A number typed just before the card on its own line: nothing of the card remains.
        let kept = redact("call 555 201 0187\n4111 1111 1111 1111");
        assert!(kept.contains(CARD), "{kept}");
        assert!(!kept.contains("1111"), "{kept}");
    }

    #[test]
    fn digits_of_every_script_have_their_value() {
        for (c, value) in [
            ('7', 7),
            ('７', 7),
            ('٧', 7),
            ('۷', 7),
            ('७', 7),
            ('๗', 7),
            ('၇', 7),
            ('𝟕', 7), // mathematical bold
            ('𝟽', 7), // mathematical monospace, the last of five touching runs
            ('𝟶', 0),
        ] {
            assert_eq!(digit_value(c), Some(value), "{c}");
        }
        for c in ['a', '½', 'Ⅻ', '²', '-', ' '] {
            assert_eq!(digit_value(c), None, "{c}");
        }
    }
}

/// Properties over generated input: whatever a shopper types, redaction does not panic, and a
/// card number typed in any of the ways shoppers type them leaves none of its digits behind.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// `body` with the Luhn check digit appended.
    fn with_check_digit(body: &[u8]) -> Vec<u8> {
        let sum: u32 = body
            .iter()
            .rev()
            .enumerate()
            .map(|(i, &d)| {
                let d = u32::from(d);
                if i % 2 == 0 {
                    let doubled = d * 2;
                    if doubled > 9 { doubled - 9 } else { doubled }
                } else {
                    d
                }
            })
            .sum();
        let mut digits = body.to_vec();
        digits.push(((10 - sum % 10) % 10) as u8);
        digits
    }

    /// Digit `d` in ASCII, full-width or Arabic-Indic.
    fn digit(script: u32, d: u8) -> char {
        let zero = [0x30, 0xFF10, 0x0660][script as usize];
        char::from_u32(zero + u32::from(d)).unwrap_or('0')
    }

    proptest! {
        #[test]
        fn any_text_is_redacted_without_panicking(text in any::<String>()) {
            let _ = redact(&text);
        }

        #[test]
        fn a_card_number_typed_any_way_leaves_none_of_its_digits(
            body in proptest::collection::vec(0u8..10, 12..19),
            group in 2usize..7,
            separator in prop::sample::select(vec![
                " ", "-", ".", "/", "\u{a0}", "\t", "  ", "\n", "\r\n", " - ", "\u{200b}", "\u{2009}",
            ]),
            script in 0u32..3,
            before in "[a-zA-Z,.!? ]{0,30}",
            after in "[a-zA-Z,.!? ]{0,30}",
        ) {
            let number = with_check_digit(&body);
            let typed = number
                .chunks(group)
                .map(|g| g.iter().map(|&d| digit(script, d)).collect::<String>())
                .collect::<Vec<_>>()
                .join(separator);
            let text = format!("{before} {typed} {after}");
            let out = redact(&text);
            prop_assert!(out.contains(CARD), "not redacted: {text:?} -> {out:?}");
            prop_assert!(
                !out.chars().any(|c| DECIMAL.is_match(c.encode_utf8(&mut [0; 4]))),
                "digits left: {text:?} -> {out:?}"
            );
        }
    }
}
