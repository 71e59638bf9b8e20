//! How much of a question a help passage speaks to: the share of the question's content words
//! the passage holds (its title and headings included), give or take an ending.
//!
//! The search's own scores are ranks fused from two lists, so they say which passage is best,
//! not whether the best is any good; this says the second. `search_knowledge` drops passages
//! under [`MIN_RELEVANCE`] (unless no passage shares a word with the query: then the query is
//! in words the English pages don't use, and nothing can be judged), so a hosted model and
//! the local responder alike get nothing (and say they don't know) rather than an unrelated
//! page. The threshold was set on the tune half
//! of held-out v2 and the dev set (`docs/benchmarks.md`): low enough that no answered
//! question there loses its passage.

use std::collections::HashSet;

use crate::excerpt::{COMMON, same};
use crate::text::words;

/// Below this share of the question's content words, a passage is not an answer to it.
pub const MIN_RELEVANCE: f64 = 0.15;

/// Words of a question that say nothing about its topic.
#[rustfmt::skip]
const GENERIC: &[&str] = &[
    "about", "after", "again", "also", "anything", "anyone", "ask", "asking", "because", "been",
    "before", "being", "could", "did", "doing", "done", "each", "even", "ever", "every", "get",
    "getting", "give", "going", "gonna", "good", "got", "guys", "had", "has", "hello", "help",
    "here", "hey", "his", "her", "into", "just", "know", "let", "like", "lol", "look", "make",
    "many", "more", "most", "much", "need", "now", "off", "okay", "one", "only", "other", "out",
    "over", "please", "pls", "really", "said", "say", "see", "should", "some", "something",
    "still", "such", "sure", "tell", "than", "thanks", "thank", "their", "them", "then",
    "there", "these", "they", "thing", "things", "think", "those", "too", "ugh", "very", "wanna",
    "want", "was", "way", "well", "were", "which", "while", "who", "why", "would", "yes", "yet",
    "you", "guys", "was", "who", "whom", "whose", "offer", "question", "hi", "ok",
];

/// The share (0 to 1) of `query`'s content words that `passage` holds; 1 when the query has
/// none (nothing to judge by).
pub fn relevance(query: &str, passage: &str) -> f64 {
    let wanted: HashSet<String> = words(query)
        .into_iter()
        .filter(|w| {
            (w.chars().count() >= 3 || w.chars().all(|c| c.is_ascii_digit()))
                && !COMMON.contains(&w.as_str())
                && !GENERIC.contains(&w.as_str())
        })
        .collect();
    if wanted.is_empty() {
        return 1.0;
    }
    let held: HashSet<String> = words(passage).into_iter().collect();
    let found = wanted
        .iter()
        .filter(|w| held.iter().any(|h| same(w, h)))
        .count();
    found as f64 / wanted.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_passage_on_another_topic_scores_low() {
        let returns = "Returns and refunds: you can return it within 60 days of delivery.";
        assert!(relevance("how many days do I have to return something", returns) >= 0.5);
        assert!(relevance("do you offer a student or military discount", returns) < MIN_RELEVANCE);
        assert!(relevance("gift wrapping for a birthday", returns) < MIN_RELEVANCE);
        assert_eq!(relevance("hi", returns), 1.0);
    }
}
