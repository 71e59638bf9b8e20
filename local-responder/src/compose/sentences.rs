//! Extractive matching: store text cut into sentences, and the sentences that answer a
//! question picked by the question's rarer words.

use std::collections::HashSet;

use super::Question;
use crate::lang::words;

#[rustfmt::skip]
/// Words that ask for a price.
pub(super) const PRICE_WORDS: &[&str] = &[
    "how much", "price", "cost*", "combien", "coute", "prix", "cuanto", "cuesta", "precio",
    "kostet", "preis", "kosten",
];

#[rustfmt::skip]
/// Words that ask for a time or a duration.
pub(super) const TIME_WORDS: &[&str] = &[
    "how long", "when", "what time", "hours", "days", "quand", "combien de temps", "delai",
    "cuando", "cuanto tarda", "tarda", "wie lange", "wann", "dauert",
];

#[rustfmt::skip]
/// Words that ask for a date: the last day to order, a deadline.
pub(super) const DATE_WORDS: &[&str] = &[
    "last day", "latest", "cutoff", "cut off", "deadline", "order by", "by when", "until when",
    "what date", "which date", "jusqu a quand", "date limite", "dernier jour", "hasta cuando",
    "hasta que dia", "fecha limite", "ultimo dia", "bis wann", "spatestens", "letzter tag",
    "entro quando", "fino a quando", "ultimo giorno", "ate quando", "ate que dia", "prazo",
    "tot wanneer", "uiterlijk", "laatste dag", "いつまで", "締め切り", "締切", "آخر موعد",
    "آخر يوم", "حتى متى", "עד מתי", "עד איזה תאריך", "היום האחרון",
];

/// A month's name, as the (English) pages write a date.
const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Whether `words` hold a date ("December 15").
pub(super) fn has_date(words: &[String]) -> bool {
    words.windows(2).any(|pair| {
        MONTHS.contains(&pair[0].as_str()) && pair[1].chars().all(|c| c.is_ascii_digit())
    })
}

#[rustfmt::skip]
/// Words that ask for a phone number.
pub(super) const PHONE_WORDS: &[&str] = &["phone", "call", "telephone", "telefono", "telefon*"];

/// `text` cut into sentences, and list items run together ("… finish Care: wash cold …").
pub(super) fn segments(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let mut current: Vec<&str> = Vec::new();
        for (i, token) in tokens.iter().enumerate() {
            if !current.is_empty() && starts_label(&tokens, i) {
                out.push(current.join(" "));
                current.clear();
            }
            current.push(token);
            if ends_sentence(token, tokens.get(i + 1).copied()) {
                out.push(current.join(" "));
                current.clear();
            }
        }
        if !current.is_empty() {
            out.push(current.join(" "));
        }
    }
    out.into_iter()
        .map(|s| {
            let s = s.trim().trim_matches('|').trim();
            s.trim_start_matches(['-', '•', '*', '–', '·'])
                .trim()
                .to_owned()
        })
        .filter(|s| s.chars().any(char::is_alphanumeric))
        .collect()
}

/// Whether a label ("Care:", "Shell and lining:", "Total weight:") starts at `tokens[i]`.
fn starts_label(tokens: &[&str], i: usize) -> bool {
    let capital = |t: &str| t.chars().next().is_some_and(char::is_uppercase);
    let label_end = |t: &str| t.ends_with(':') && !t.chars().any(|c| c.is_ascii_digit());
    if !capital(tokens[i]) {
        return false;
    }
    if i > 0 && tokens[i - 1].ends_with([',', ';', ':']) {
        return false;
    }
    // "Shell and lining:", "Total weight:"; not "M Care:" after "in size", where "Care:" is.
    (i..tokens.len().min(i + 3))
        .find(|&j| tokens[j].ends_with(':') || tokens[j].ends_with([',', '.', ';']))
        .is_some_and(|j| {
            label_end(tokens[j])
                && (i..j).all(|k| !tokens[k].ends_with(':'))
                && (i + 1..=j).all(|k| !capital(tokens[k]))
        })
}

fn ends_sentence(token: &str, next: Option<&str>) -> bool {
    let Some(next) = next else {
        return false;
    };
    let ends = token.ends_with(['.', '!', '?']) || token.ends_with(".)") || token.ends_with(".\"");
    // "e.g.", "U.S.", "No." and the like do not end a sentence.
    let abbreviation = matches!(
        token.to_lowercase().as_str(),
        "e.g."
            | "i.e."
            | "u.s."
            | "no."
            | "mr."
            | "mrs."
            | "dr."
            | "st."
            | "approx."
            | "vs."
            | "etc."
    );
    let opens = next
        .chars()
        .next()
        .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit() || "\"'(¿¡".contains(c));
    ends && !abbreviation && opens
}

/// A word's stem, enough to match "shipping" with "ships" and "washing" with "wash".
fn stem(word: &str) -> &str {
    for suffix in ["ing", "ies", "ed", "es", "s"] {
        if let Some(stem) = word.strip_suffix(suffix)
            && stem.chars().count() >= 3
        {
            return stem;
        }
    }
    word
}

pub(super) fn term_matches(term: &str, word: &str) -> bool {
    if term == word {
        return true;
    }
    let (t, w) = (stem(term), stem(word));
    t.len() >= 3
        && w.len() >= 3
        && (t == w || (t.len() >= 4 && w.len() >= 4 && (w.starts_with(t) || t.starts_with(w))))
}

/// Questions whose answer is a procedure, told in the sentences that follow its start.
#[rustfmt::skip]
const HOW_TO: &[&str] = &[
    "how do i", "how to", "how can i", "how should i", "what should i do", "what do i do",
    "comment", "que dois je faire", "como puedo", "como hago", "como se", "como lavo",
    "que debo hacer", "wie * ich", "wie kann ich", "was soll ich",
];

/// Question words that match too much to pick a sentence on their own.
#[rustfmt::skip]
pub(super) const WEAK_TERMS: &[&str] = &[
    "how", "long", "much", "many", "time", "take", "takes", "get", "need", "can", "make", "know",
    "want", "day", "days", "use", "used", "good", "best", "new", "way", "ways", "thing", "things",
    "like", "well", "really", "still", "store", "shop", "item", "items", "product", "products",
    "order", "orders", "buy", "bought", "put", "cost", "costs", "price", "prices", "fee",
    "fees", "charge", "pay", "paid",
];

/// A text to pick sentences from: its body, the search's confidence in it (0.5 to 1), and
/// the heading of the section it was cut from ("Holiday 2026 order-by dates"), whose words
/// every sentence of it is about.
pub(super) struct Text<'a> {
    pub(super) body: &'a str,
    pub(super) confidence: f64,
    pub(super) heading: &'a str,
}

impl<'a> Text<'a> {
    /// A text with no section heading, as sure as can be (a product's description).
    pub(super) fn whole(body: &'a str) -> Self {
        Self {
            body,
            confidence: 1.0,
            heading: "",
        }
    }
}

/// A candidate sentence: which text, where in it, its words, and the words it is read with
/// (its section's heading; a table row's column headers).
struct Candidate {
    index: usize,
    position: usize,
    sentence: String,
    words: Vec<String>,
    context: Vec<String>,
}

/// A term found only in a sentence's context counts this much of its weight: "Standard (US) |
/// December 15" answers "order by … for Christmas" through its header and heading, but a
/// sentence that says the words itself says more.
const CONTEXT_SHARE: f64 = 0.5;

/// The rows of `text`'s tables: each row's words (as `normal` spells them) with its table's
/// header row, the first row of a run of `|` lines. A passage cut from a table starts with its
/// header.
fn table_rows(text: &str) -> (HashSet<String>, Vec<(String, String)>) {
    let mut headers = HashSet::new();
    let mut rows = Vec::new();
    let mut header: Option<&str> = None;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !line.contains('|') {
            header = None;
            continue;
        }
        match header {
            None => {
                header = Some(line);
                headers.insert(normal(line));
            }
            Some(header) => rows.push((normal(line), header.to_owned())),
        }
    }
    (headers, rows)
}

/// Up to `limit` sentences of `texts` (each with the search's confidence in it, 0.5 to 1) that
/// answer `terms`, best first by score but returned in reading order; each with the index of
/// its text. Sentences scoring under `floor` of the
/// best one are left out, and so is everything when nothing matches. A question picked from
/// an FAQ ("Q: … ?") gives way to the answer that follows it.
pub(super) fn best_sentences(
    texts: &[Text<'_>],
    terms: &[String],
    question: &Question,
    limit: usize,
    floor: f64,
) -> Vec<(usize, String)> {
    let mut candidates: Vec<Candidate> = Vec::new();
    for (index, text) in texts.iter().enumerate() {
        let (headers, rows) = table_rows(text.body);
        let heading = words(text.heading);
        for (position, sentence) in segments(text.body).into_iter().enumerate() {
            let said = words(&sentence);
            let joined = said.join(" ");
            if headers.contains(&joined) {
                // A table's header names the columns: no answer in itself.
                continue;
            }
            let mut context = heading.clone();
            if let Some((_, header)) = rows.iter().find(|(row, _)| *row == joined) {
                context.extend(words(header));
            }
            candidates.push(Candidate {
                index,
                position,
                words: said,
                context,
                sentence,
            });
        }
    }
    if candidates.is_empty() {
        return Vec::new();
    }
    let terms: Vec<&String> = {
        let mut seen = HashSet::new();
        terms.iter().filter(|t| seen.insert(t.as_str())).collect()
    };
    // Rare words say more than common ones.
    let weight = |term: &str| {
        let count = |of: &dyn Fn(&Candidate) -> &[String]| {
            candidates
                .iter()
                .filter(|c| of(c).iter().any(|w| term_matches(term, w)))
                .count()
        };
        // How rare the sentences saying it are; a word only headings say is as rare as they.
        let containing = match count(&|c| &c.words) {
            0 => count(&|c| &c.context),
            n => n,
        };
        if containing == 0 {
            0.0
        } else {
            (1.0 + candidates.len() as f64 / containing as f64).ln()
        }
    };
    let weights: Vec<(&String, f64)> = terms.iter().map(|t| (*t, weight(t))).collect();
    let asks_price = question.asks(PRICE_WORDS);
    let asks_time = question.asks(TIME_WORDS);
    let asks_date = question.asks_in_any_script(DATE_WORDS);
    let asks_phone = question.asks(PHONE_WORDS);
    let asks_email = question.asks(&["email", "e mail", "courriel", "correo", "mail"]);
    let mut scored: Vec<(f64, &Candidate)> = candidates
        .iter()
        .filter(|c| !is_table_header(&c.sentence))
        .map(|c| {
            let holds = |words: &[String], term: &str| words.iter().any(|w| term_matches(term, w));
            let matched: Vec<&(&String, f64)> = weights
                .iter()
                .filter(|(term, _)| holds(&c.words, term))
                .collect();
            if !matched
                .iter()
                .any(|(term, _)| !WEAK_TERMS.contains(&term.as_str()))
            {
                return (0.0, c);
            }
            let weak = |term: &str, weight: f64| {
                if WEAK_TERMS.contains(&term) {
                    weight * 0.3
                } else {
                    weight
                }
            };
            // Weak words count a little: the price is asked by the money bonus below.
            let mut score = credit(&c.words, &weights, &weak);
            // The words it is read with: its heading, its table's header.
            let unsaid: Vec<(&String, f64)> = weights
                .iter()
                .filter(|(term, _)| !holds(&c.words, term))
                .copied()
                .collect();
            score += credit(&c.context, &unsaid, &weak) * CONTEXT_SHARE;
            let has_money = c.sentence.contains(['$', '€', '£']);
            let has_number = c.sentence.chars().any(|ch| ch.is_ascii_digit());
            if asks_price && has_money {
                score += 1.0;
            }
            if asks_time && has_number {
                score += 0.5;
            }
            // "The last day to order": a date answers it.
            if asks_date && has_date(&c.words) {
                score += 1.0;
            }
            // A sentence cut short may have lost its point.
            if c.sentence.ends_with('…') {
                score *= 0.7;
            }
            // "What's your phone number?" is answered by a number, not by a privacy notice
            // that mentions phone numbers.
            let digits = c.sentence.chars().filter(char::is_ascii_digit).count();
            if (asks_phone && digits >= 7) || (asks_email && c.sentence.contains('@')) {
                score += 1.0;
            }
            // The search's confidence in the passage.
            score *= texts[c.index].confidence;
            (score, c)
        })
        .filter(|(score, _)| *score > 0.0)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let Some(best) = scored.first().map(|s| s.0) else {
        return Vec::new();
    };
    let mut picked: Vec<&Candidate> = Vec::new();
    for (score, candidate) in scored {
        if score < best * floor || picked.len() >= limit {
            break;
        }
        // "Q: What payment methods do you accept?" is answered by the next sentence.
        let candidate = if is_question_line(&candidate.sentence) {
            match candidates
                .iter()
                .find(|c| c.index == candidate.index && c.position == candidate.position + 1)
            {
                Some(answer) => answer,
                None => continue,
            }
        } else {
            candidate
        };
        let same = |c: &&Candidate| normal(&c.sentence) == normal(&candidate.sentence);
        if !picked.iter().any(same) {
            picked.push(candidate);
        }
    }
    // "How do I …?": the steps go on after the best sentence.
    // Not in a list of questions and answers, where the next sentence answers another one.
    let faq = |index: usize| {
        candidates
            .iter()
            .any(|c| c.index == index && is_question_line(&c.sentence))
    };
    if question.asks(HOW_TO)
        && let Some(first) = picked.first().copied()
        && !faq(first.index)
    {
        let next = candidates
            .iter()
            .filter(|c| c.index == first.index && c.position > first.position)
            .filter(|c| !is_table_header(&c.sentence) && !is_question_line(&c.sentence))
            .take(2);
        for candidate in next {
            if picked.len() < limit + 2
                && !picked
                    .iter()
                    .any(|p| p.position == candidate.position && p.index == candidate.index)
            {
                picked.push(candidate);
            }
        }
    }
    picked.sort_by_key(|c| (c.index, c.position));
    picked
        .into_iter()
        .map(|c| (c.index, quote(strip_answer_mark(&c.sentence))))
        .collect()
}

/// A question of an FAQ ("Q: Do you ship to Canada?"), not an answer.
fn is_question_line(sentence: &str) -> bool {
    let sentence = sentence.trim();
    sentence.ends_with('?') || sentence.starts_with("Q:") || sentence.starts_with("Question:")
}

/// The weight of the `terms` that `words` hold, each word credited once, to its weightiest
/// term: "ship", "shipping", "deliver" and "delivery" are one concept said four ways, and a
/// sentence saying "Delivery … ships" says it twice, not four times.
fn credit(words: &[String], terms: &[(&String, f64)], weak: &dyn Fn(&str, f64) -> f64) -> f64 {
    let mut ranked: Vec<(&String, f64)> = terms
        .iter()
        .map(|(term, weight)| (*term, weak(term, *weight)))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut used = vec![false; words.len()];
    let mut total = 0.0;
    for (term, weight) in ranked {
        if let Some(i) = (0..words.len()).find(|&i| !used[i] && term_matches(term, &words[i])) {
            used[i] = true;
            total += weight;
        }
    }
    total
}

/// A table's header row ("Destination | Method | Price"): no figures, nothing to quote.
fn is_table_header(sentence: &str) -> bool {
    sentence.contains('|') && !sentence.chars().any(|c| c.is_ascii_digit())
}

/// "A: Visa, Mastercard…" → "Visa, Mastercard…".
fn strip_answer_mark(sentence: &str) -> &str {
    sentence
        .strip_prefix("A:")
        .or_else(|| sentence.strip_prefix("R:"))
        .or_else(|| sentence.strip_prefix("Answer:"))
        .map_or(sentence, str::trim_start)
}

/// A sentence compared without case, spacing or punctuation.
fn normal(sentence: &str) -> String {
    words(sentence).join(" ")
}

/// A sentence as quoted: at most about 300 characters.
fn quote(sentence: &str) -> String {
    const MAX: usize = 300;
    if sentence.chars().count() <= MAX {
        return sentence.to_owned();
    }
    let cut: String = sentence.chars().take(MAX).collect();
    let cut = cut.rfind(' ').map_or(cut.as_str(), |space| &cut[..space]);
    format!("{cut}…")
}
