//! The part of a long passage that answers the question: a window of whole sentences around
//! the one that shares the most of the query's words.
//!
//! A passage is cut to a few hundred characters for the model (and the local responder) to
//! read; cutting from its start loses the answer whenever it sits later in the chunk ("PO
//! boxes receive USPS Standard shipments only" after the rate table). Rarer query words count
//! more, as in the responder's sentence ranking; with no word in common the start is kept.

use std::collections::HashSet;

use crate::text::{summary, words};

/// Words too common to place an answer.
#[rustfmt::skip]
pub(crate) const COMMON: &[&str] = &[
    "the", "and", "for", "you", "your", "can", "how", "what", "when", "where", "does", "are",
    "with", "that", "this", "have", "our", "from", "will", "any", "not", "but", "all", "its",
    "les", "des", "pour", "que", "qui", "los", "las", "por", "para", "con", "der", "die", "das",
    "und", "mit", "fur", "to", "of", "in", "on", "is", "it", "my", "me", "do", "at", "an", "or",
    "if", "be", "we", "so", "no", "up", "de", "la", "le", "el", "en", "es", "un", "et", "du",
    "je", "tu", "il", "am", "zu", "da", "ja", "ne", "se", "si", "ce", "su", "mi", "lo", "al",
    "os", "as", "em", "na", "op", "ik", "te", "ga", "us", "i", "a",
];

/// Whether a query word and a text word are the same word, give or take an ending ("box" and
/// "boxes", "ship" and "shipments").
pub(crate) fn same(query: &str, word: &str) -> bool {
    query == word
        || (query.len() >= 3
            && word.len() >= 3
            && (word.starts_with(query) || query.starts_with(word)))
}

/// At most `max` characters of `text`: the sentences around the one that best matches
/// `query`, or `text`'s opening when nothing matches (or it is short enough already).
pub fn focused(text: &str, query: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let sentences = split(text);
    let wanted: HashSet<String> = words(query)
        .into_iter()
        .filter(|w| w.chars().count() >= 2 && !COMMON.contains(&w.as_str()))
        .collect();
    let sentence_words: Vec<HashSet<String>> = sentences
        .iter()
        .map(|s| words(s).into_iter().collect())
        .collect();
    let has = |sentence: &HashSet<String>, word: &str| sentence.iter().any(|w| same(word, w));
    // A word found in few sentences says more than one found in many.
    let weight = |word: &String| {
        let with = sentence_words.iter().filter(|s| has(s, word)).count();
        if with == 0 {
            0.0
        } else {
            (1.0 + sentences.len() as f64 / with as f64).ln()
        }
    };
    let scores: Vec<f64> = sentence_words
        .iter()
        .map(|s| wanted.iter().filter(|w| has(s, w)).map(weight).sum())
        .collect();
    let Some(best) = scores
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))
        .filter(|(_, score)| **score > 0.0)
        .map(|(i, _)| i)
    else {
        return summary(text, max);
    };
    if best == 0 {
        return summary(text, max);
    }
    // Grow the window around the best sentence, the next one first.
    let (mut start, mut end) = (best, best + 1);
    let length = |s: usize, e: usize| {
        sentences[s..e]
            .iter()
            .map(|x| x.chars().count() + 1)
            .sum::<usize>()
    };
    loop {
        let grown_after = end < sentences.len() && length(start, end + 1) <= max;
        if grown_after {
            end += 1;
        }
        let grown_before = start > 0 && length(start - 1, end) <= max;
        if grown_before {
            start -= 1;
        }
        if !grown_after && !grown_before {
            break;
        }
    }
    let window = sentences[start..end].join(" ");
    let window = summary(&window, max);
    if start > 0 {
        format!("…{window}")
    } else {
        window
    }
}

/// `text` cut after each sentence's full stop (a space and a capital or digit follow).
fn split(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut from = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        let next = chars.get(k + 1).map(|(_, n)| *n);
        let after = chars.get(k + 2).map(|(_, n)| *n);
        if matches!(c, '.' | '!' | '?')
            && next.is_some_and(char::is_whitespace)
            && after.is_some_and(|a| a.is_uppercase() || a.is_ascii_digit())
        {
            let end = i + c.len_utf8();
            out.push(text[from..end].trim());
            from = end;
        }
    }
    if from < text.len() {
        out.push(text[from..].trim());
    }
    out.retain(|s| !s.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answering_sentence_survives_the_cut() {
        let filler = "Standard shipping takes 3-7 business days and costs $7.95. ".repeat(12);
        let text = format!(
            "{filler}PO boxes receive USPS Standard shipments only. Pickups are held for 7 days."
        );
        let cut = focused(&text, "can you ship to a PO box", 200);
        assert!(cut.contains("PO boxes receive USPS"), "{cut}");
        assert!(cut.chars().count() <= 201, "{cut}");
        // Nothing in common: the opening, as before.
        assert!(focused(&text, "gift wrapping", 200).starts_with("Standard shipping"));
        assert_eq!(focused("Short.", "anything", 200), "Short.");
    }
}
