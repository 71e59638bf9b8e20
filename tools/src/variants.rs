//! Which variants a shopper means: "M Olive", "size 10 brown", "Blue Plaid medium".
//!
//! Words are compared as tokens, case-insensitively, after spelling sizes one way ("medium"
//! is "m", "extra large" is "xl") and dropping filler ("size", "colour", "in"). A variant
//! matches when every remaining word is one of its option values' words. Words of the
//! product's own title ("tee" in "Deckhand Tee M White") are not variant words unless some
//! option uses them.

use std::collections::HashSet;

use crate::store::{LiveProduct, LiveVariant};

/// Words that say which option is meant, not which value.
const FILLER: &[&str] = &[
    "a", "an", "and", "the", "in", "of", "for", "with", "size", "sizes", "sized", "colour",
    "colours", "color", "colors", "colored", "coloured", "one", "variant", "option", "style",
    "waist", "inseam", "length", "us", "eu", "uk", "please", "x",
];

/// The normalised words of `text`.
pub fn words(text: &str) -> Vec<String> {
    let lowered = text.to_lowercase();
    let raw: Vec<&str> = lowered
        .split(|c: char| !(c.is_alphanumeric() || c == '.'))
        .map(|w| w.trim_matches('.'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        // Two-word sizes first: "extra large", "x large", "xx large", "extra small".
        let pair = raw.get(i + 1).map(|next| (raw[i], *next));
        let merged = match pair {
            Some(("extra" | "x", "large")) => Some("xl"),
            Some(("extra" | "x", "small")) => Some("xs"),
            Some(("xx" | "2x", "large")) => Some("xxl"),
            _ => None,
        };
        if let Some(size) = merged {
            out.push(size.to_owned());
            i += 2;
            continue;
        }
        let word = match raw[i] {
            "small" | "sm" => "s",
            "medium" | "med" => "m",
            "large" | "lg" => "l",
            "xsmall" => "xs",
            "xlarge" => "xl",
            "xxlarge" | "2xl" => "xxl",
            "3xl" | "xxxlarge" => "xxxl",
            "gray" => "grey",
            other => other,
        };
        out.push(word.to_owned());
        i += 1;
    }
    out
}

/// The words of a variant's option values (its title when it has no options).
fn variant_words(variant: &LiveVariant) -> HashSet<String> {
    if variant.options.is_empty() {
        return words(&variant.title).into_iter().collect();
    }
    variant
        .options
        .iter()
        .flat_map(|value| words(value))
        .collect()
}

/// The words of `asked` that can only be about the variant: filler and the product's own
/// title words (unless an option uses them) are dropped.
pub fn variant_words_in(product: &LiveProduct, asked: &str) -> Vec<String> {
    let option_words: HashSet<String> = product.variants.iter().flat_map(variant_words).collect();
    let title_words: HashSet<String> = words(&product.title)
        .into_iter()
        .chain(words(&product.handle.replace('-', " ")))
        .collect();
    let mut seen = HashSet::new();
    words(asked)
        .into_iter()
        .filter(|w| {
            option_words.contains(w) || !(FILLER.contains(&w.as_str()) || title_words.contains(w))
        })
        .filter(|w| seen.insert(w.clone()))
        .collect()
}

/// The variants that have every one of `wanted`; empty when none has, or nothing was wanted.
pub fn matching<'a>(product: &'a LiveProduct, wanted: &[String]) -> Vec<&'a LiveVariant> {
    if wanted.is_empty() {
        return Vec::new();
    }
    product
        .variants
        .iter()
        .filter(|v| {
            let have = variant_words(v);
            wanted.iter().all(|w| have.contains(w))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::product;

    fn titles(product: &LiveProduct, asked: &str) -> Vec<String> {
        let wanted = variant_words_in(product, asked);
        matching(product, &wanted)
            .into_iter()
            .map(|v| v.title.clone())
            .collect()
    }

    #[test]
    fn sizes_colours_and_filler_words() {
        let jacket = product(
            "Harbor Waxed Canvas Field Jacket",
            &[
                &["S", "Olive"],
                &["M", "Olive"],
                &["M", "Tobacco"],
                &["XL", "Olive"],
            ],
        );
        assert_eq!(titles(&jacket, "M Olive"), ["M / Olive"]);
        assert_eq!(titles(&jacket, "olive, size medium"), ["M / Olive"]);
        assert_eq!(titles(&jacket, "Medium"), ["M / Olive", "M / Tobacco"]);
        assert_eq!(titles(&jacket, "extra large olive jacket"), ["XL / Olive"]);
        assert_eq!(titles(&jacket, "x-large"), ["XL / Olive"]);
        assert!(titles(&jacket, "M purple").is_empty());
        assert!(titles(&jacket, "size").is_empty(), "nothing asked");

        let flannel = product(
            "Harbor Flannel Shirt",
            &[
                &["M", "Red Plaid"],
                &["M", "Blue Plaid"],
                &["L", "Blue Plaid"],
            ],
        );
        assert_eq!(titles(&flannel, "Blue Plaid medium"), ["M / Blue Plaid"]);
        assert_eq!(
            titles(&flannel, "Harbor Flannel Shirt L blue"),
            ["L / Blue Plaid"]
        );

        let boot = product(
            "Summit Leather Hiking Boot",
            &[&["10", "Brown"], &["10.5", "Brown"], &["10", "Black"]],
        );
        assert_eq!(titles(&boot, "size 10 brown"), ["10 / Brown"]);
        assert_eq!(titles(&boot, "10.5"), ["10.5 / Brown"]);

        let pack = product(
            "Ridge 45L Backpacking Pack",
            &[&["S/M", "Spruce"], &["M/L", "Spruce"]],
        );
        assert_eq!(titles(&pack, "S/M"), ["S/M / Spruce"]);
        assert_eq!(titles(&pack, "medium"), ["S/M / Spruce", "M/L / Spruce"]);

        let socks = product("Merino Hiking Sock", &[&["M", "Grey"], &["M", "Olive"]]);
        assert_eq!(titles(&socks, "gray medium"), ["M / Grey"]);
    }

    #[test]
    fn title_words_are_not_variant_words_unless_an_option_uses_them() {
        let tee = product(
            "Deckhand Heavyweight Tee",
            &[&["M", "White"], &["M", "Black"]],
        );
        assert_eq!(
            variant_words_in(&tee, "Deckhand Tee M White"),
            ["m", "white"]
        );
        let mug = product("Enamel Camp Mug", &[&["Pine"], &["Red"]]);
        assert_eq!(titles(&mug, "the pine enamel mug"), ["Pine"]);
        let pine = product("Pine Stripe Blanket", &[&["Pine"], &["Red"]]);
        assert_eq!(titles(&pine, "pine"), ["Pine"]);
    }
}
