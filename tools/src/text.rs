//! Plain text as the security rules and the local responder read it: folded (lower case, no
//! accents, no invisible characters), cut into words, and matched against phrases written the
//! way people type them. Shared so that the cart gate and the responder see the same words.

/// Characters that render as nothing; attackers hide them inside words ("ord\u{200b}er").
pub fn strip_invisible(text: &str) -> String {
    text.chars()
        .filter(|c| {
            !matches!(c, '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{00ad}')
        })
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{02bc}' | '`' | '\u{b4}' => '\'',
            '\u{201c}' | '\u{201d}' | '\u{ab}' | '\u{bb}' | '\u{201e}' => '"',
            '\u{a0}' | '\u{202f}' => ' ',
            _ => c,
        })
        .collect()
}

/// One character, lower-cased and without its accent ("É" → "e", "ß" → "ss").
fn fold_char(c: char, out: &mut String) {
    let base = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
        'ý' | 'ÿ' | 'Ý' => 'y',
        'ß' => {
            out.push_str("ss");
            return;
        }
        'œ' | 'Œ' => {
            out.push_str("oe");
            return;
        }
        'æ' | 'Æ' => {
            out.push_str("ae");
            return;
        }
        // Arabic-Indic, Eastern Arabic-Indic and full-width digits are the digits shoppers in
        // Arabic, Persian and Japanese type: "٢٠٠ دولار", "１００ドル".
        '\u{0660}'..='\u{0669}' | '\u{06F0}'..='\u{06F9}' | '\u{FF10}'..='\u{FF19}' => {
            let zero = match c {
                '\u{0660}'..='\u{0669}' => 0x0660,
                '\u{06F0}'..='\u{06F9}' => 0x06F0,
                _ => 0xFF10,
            };
            out.push(char::from(b'0' + (u32::from(c) - zero) as u8));
            return;
        }
        _ => {
            out.extend(c.to_lowercase());
            return;
        }
    };
    out.push(base);
}

/// Lower case, no accents, no invisible characters.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in strip_invisible(text).chars() {
        fold_char(c, &mut out);
    }
    out
}

/// The folded words of `text`: letters and digits, with "9.5" and "49,99" kept whole and
/// `$ € £ # % @` as words of their own; apostrophes and hyphens split ("what's" → "what",
/// "s"), so phrases are written the way people type them and matched the same way.
pub fn words(text: &str) -> Vec<String> {
    tokenize(text, false)
}

fn tokenize(text: &str, keep_star: bool) -> Vec<String> {
    let folded = fold(text);
    let chars: Vec<char> = folded.chars().collect();
    let mut out = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let digit_joint = (c == '.' || c == ',')
            && current.chars().last().is_some_and(|p| p.is_ascii_digit())
            && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
        if c.is_alphanumeric() || digit_joint || (keep_star && c == '*') {
            current.push(c);
            continue;
        }
        if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        if matches!(c, '$' | '€' | '£' | '#' | '%' | '@') {
            out.push(c.to_string());
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Whether `words` contain the phrase `cue`: its words in a row, where a word ending in `*`
/// matches any word it begins and a lone `*` matches any one word.
pub fn has(words: &[String], cue: &str) -> bool {
    find(words, cue).is_some()
}

/// Where the phrase `cue` (see [`has`]) starts and ends in `words`.
pub fn find(words: &[String], cue: &str) -> Option<(usize, usize)> {
    let pattern = tokenize(cue, true);
    if pattern.is_empty() || pattern.len() > words.len() {
        return None;
    }
    (0..=words.len() - pattern.len())
        .find(|&start| {
            pattern
                .iter()
                .zip(&words[start..])
                .all(|(p, w)| word_matches(p, w))
        })
        .map(|start| (start, start + pattern.len()))
}

fn word_matches(pattern: &str, word: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some("") => true,
        Some(prefix) => word.starts_with(prefix),
        None => pattern == word,
    }
}

/// Whether any of `cues` is in `words`.
pub fn has_any(words: &[String], cues: &[&str]) -> bool {
    cues.iter().any(|cue| has(words, cue))
}

/// How many of `cues` are in `words`.
pub fn count(words: &[String], cues: &[&str]) -> usize {
    cues.iter().filter(|cue| has(words, cue)).count()
}

/// A plausible address: one `@`, a local part, a dotted domain of letters, digits and
/// hyphens, no spaces. (Whether it receives mail only sending can tell.)
pub fn looks_like_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let labels: Vec<&str> = domain.split('.').collect();
    email.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && !local.contains(|c: char| c.is_whitespace() || c == '@' || c.is_control())
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

/// The first `max` characters of `text`, cut at a word, marked when cut.
pub fn summary(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(space) if space > max / 2 => &cut[..space],
        _ => cut.as_str(),
    };
    format!(
        "{}…",
        cut.trim_end_matches(|c: char| c.is_whitespace() || c == ',' || c == '.')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_and_words() {
        assert_eq!(fold("Größe Ü É\u{200b}"), "grosse u e");
        assert_eq!(fold("٢٠٠ دولار ۱۵ １００ドル"), "200 دولار 15 100ドル");
        assert_eq!(
            words("What's the Ridge 45L in 9.5? $200 #1043"),
            [
                "what", "s", "the", "ridge", "45l", "in", "9.5", "$", "200", "#", "1043"
            ]
        );
        assert_eq!(
            words("Sh\u{200b}ow me ord\u{200b}er"),
            ["show", "me", "order"]
        );
    }

    #[test]
    fn phrases_match_whole_words_and_prefixes() {
        let w = words("Can I return socks I've worn?");
        assert!(has(&w, "return*"));
        assert!(has(&w, "i've worn"));
        assert!(has(&w, "can * return"));
        assert!(!has(&w, "turn"));
        assert_eq!(find(&w, "socks"), Some((3, 4)));
    }

    #[test]
    fn emails_are_checked_for_shape() {
        for good in [
            "ada@example.com",
            "a.b+tag@mail.example.co.uk",
            "x@bücher.de",
        ] {
            assert!(looks_like_email(good), "{good}");
        }
        for bad in [
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@@example.com",
            "ada @example.com",
            "ada@exa mple.com",
            "ada@example..com",
            "ada@-example.com",
            ".ada@example.com",
            "ada@example.com; DROP",
        ] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }
}
