//! Redaction of what shoppers type (`chat::redact`), over any text.
//!
//! Properties: it never panics; what it leaves holds no card number that passes the Luhn
//! check, read as shoppers type one (checked here independently of the redactor, over a
//! narrower set of digits and separators than it accepts: ASCII, full-width, Arabic-Indic,
//! Persian and Devanagari digits in groups split by up to four spaces of any kind, dashes,
//! dots, slashes or invisible marks, a group glued to a letter being part of a word); text
//! without digits comes back unchanged; and `redact_json` redacts every string in a value as
//! `redact` does.

#![no_main]

use concierge_fuzz::redact::{redact, redact_json};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let out = redact(&text);
    if let Some(card) = luhn_valid_card(&out) {
        panic!("card number {card:?} left in {out:?} (from {text:?})");
    }
    if !text.chars().any(char::is_numeric) {
        assert_eq!(out, text);
    }
    let value = serde_json::json!({"q": text, "list": [text, 1, null]});
    let redacted = redact_json(&value);
    assert_eq!(redacted["q"], Value::String(out.clone().into_owned()));
    assert_eq!(redacted["list"][0], redacted["q"]);
    assert_eq!(redacted["list"][1], 1);
});

fn digit(c: char) -> Option<u8> {
    let zeros = ['0', '\u{FF10}', '\u{0660}', '\u{06F0}', '\u{0966}'];
    zeros.iter().find_map(|&zero| {
        let d = u32::from(c).checked_sub(u32::from(zero))?;
        (d < 10).then(|| d as u8)
    })
}

fn separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '.' | '/' | '\u{2010}'..='\u{2015}' | '\u{FF0D}' | '\u{FF0E}' | '\u{FF0F}'
                | '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}'
        )
}

fn word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The first window of whole digit groups, joined by short separator runs, that holds 13–19
/// digits and passes the Luhn check.
fn luhn_valid_card(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    // Runs of joined groups: each group its digits.
    let mut runs: Vec<Vec<Vec<u8>>> = vec![Vec::new()];
    let mut i = 0;
    let mut gap_start: Option<usize> = None;
    while i < chars.len() {
        if digit(chars[i]).is_none() {
            i += 1;
            continue;
        }
        let first = i;
        let mut digits = Vec::new();
        while let Some(d) = chars.get(i).copied().and_then(digit) {
            digits.push(d);
            i += 1;
        }
        let glued = (first > 0 && word(chars[first - 1])) || chars.get(i).is_some_and(|&c| word(c));
        let joined = gap_start.is_some_and(|start| {
            first - start <= 4 && chars[start..first].iter().all(|&c| separator(c))
        });
        if glued {
            runs.push(Vec::new());
            gap_start = None;
            continue;
        }
        if !joined {
            runs.push(Vec::new());
        }
        runs.last_mut()?.push(digits);
        gap_start = Some(i);
    }
    for run in &runs {
        for start in 0..run.len() {
            let mut digits = Vec::new();
            for group in &run[start..] {
                digits.extend_from_slice(group);
                if digits.len() > 19 {
                    break;
                }
                if digits.len() >= 13 && luhn(&digits) {
                    return Some(digits.iter().map(|d| char::from(b'0' + d)).collect());
                }
            }
        }
    }
    None
}

/// Written again here on purpose: an oracle must not share the code it checks.
fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d) * if i % 2 == 1 { 2 } else { 1 };
            if d > 9 { d - 9 } else { d }
        })
        .sum();
    sum % 10 == 0
}
