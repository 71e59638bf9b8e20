//! Orders' notes as a shopper may read them. Stores write there why an order is held or when
//! it ships, but also, at times, someone's phone number: what reaches the tools is redacted
//! and masked here, with the app's own redaction rules (`chat::redact`).

use std::sync::LazyLock;

use regex::Regex;

use crate::chat::redact;

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
pub(super) fn shareable_note(note: &str) -> Option<String> {
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
}
