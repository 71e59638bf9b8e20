//! Shopify's Liquid filters that the app embed block may use beyond Liquid's standard ones
//! (CONTRACT.md section 1): `asset_url`, `t` and `json`, each behaving as on Shopify where the
//! widget could notice a difference:
//! - `asset_url` gives a versioned URL (`?v=` from the file's content), so the assets can be
//!   served with a year-long `immutable` cache, as Shopify's CDN serves them;
//! - `t` looks a dotted key up in `locales/{locale}.json`, then the language alone
//!   (`pt-BR` → `pt`), then `*.default.json`; it HTML-escapes the result unless the key ends
//!   in `_html`, interpolates `{{ name }}` from keyword arguments, and picks `one`/`other` by
//!   `count`; a missing key reads `translation missing: {locale}.{key}`;
//! - `json` escapes `<`, `>`, `&` (and U+2028/9) as `\u003c`..., as Shopify's does, so its
//!   output is safe inside `<script>`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use liquid_core::parser::{FilterArguments, ParameterReflection};
use liquid_core::{
    Expression, Filter, FilterReflection, ParseFilter, Result, Runtime, Value, ValueView,
};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use super::assets::EXTENSION_ASSETS;
use super::pages::esc;

/// A locale's strings with their fallbacks, most specific first.
#[derive(Debug, Default)]
pub(crate) struct Translations {
    locale: String,
    files: Vec<Json>,
}

impl Translations {
    /// `suffix` is `json` for storefront strings or `schema.json` for the editor's.
    pub(crate) fn load(dir: &Path, locale: &str, suffix: &str) -> Self {
        let locales = dir.join("locales");
        let mut names = vec![format!("{locale}.{suffix}")];
        if let Some((language, _)) = locale.split_once('-') {
            names.push(format!("{language}.{suffix}"));
        }
        let default_suffix = format!(".default.{suffix}");
        if let Ok(entries) = std::fs::read_dir(&locales) {
            let mut defaults: Vec<String> = entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| n.ends_with(&default_suffix))
                .collect();
            defaults.sort();
            names.extend(defaults);
        }
        let files = names
            .iter()
            .filter_map(|name| std::fs::read_to_string(locales.join(name)).ok())
            .filter_map(|text| match serde_json::from_str(&text) {
                Ok(json) => Some(json),
                Err(e) => {
                    tracing::warn!(error = %e, "a locale file of the theme extension is not JSON");
                    None
                }
            })
            .collect();
        Self {
            locale: locale.to_owned(),
            files,
        }
    }

    /// The value at a dotted key, from the first file that has it.
    pub(crate) fn lookup(&self, key: &str) -> Option<&Json> {
        let pointer: String = key.split('.').map(|part| format!("/{part}")).collect();
        self.files.iter().find_map(|file| file.pointer(&pointer))
    }
}

/// Declares a filter's name for Liquid's registry (ours take their arguments as they come).
macro_rules! reflection {
    ($ty:ty, $name:literal) => {
        impl FilterReflection for $ty {
            fn name(&self) -> &str {
                $name
            }
            fn description(&self) -> &str {
                ""
            }
            fn positional_parameters(&self) -> &'static [ParameterReflection] {
                &[]
            }
            fn keyword_parameters(&self) -> &'static [ParameterReflection] {
                &[]
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str($name)
            }
        }
    };
}

/// `'concierge-loader.js' | asset_url`
#[derive(Debug, Clone)]
pub(crate) struct AssetUrl {
    pub dir: Arc<PathBuf>,
}
reflection!(AssetUrl, "asset_url");

impl ParseFilter for AssetUrl {
    fn parse(&self, _arguments: FilterArguments<'_>) -> Result<Box<dyn Filter>> {
        Ok(Box::new(self.clone()))
    }
    fn reflection(&self) -> &dyn FilterReflection {
        self
    }
}

impl Filter for AssetUrl {
    fn evaluate(&self, input: &dyn ValueView, _runtime: &dyn Runtime) -> Result<Value> {
        let name = input.to_kstr().to_string();
        Ok(Value::scalar(asset_url(&self.dir, &name)))
    }
}

/// The URL the simulator serves an extension asset at, versioned by its content.
pub(crate) fn asset_url(dir: &Path, name: &str) -> String {
    let encoded: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
    let mut url = format!("{EXTENSION_ASSETS}/{encoded}");
    if let Some(version) = asset_version(dir, name) {
        url.push_str(&format!("?v={version}"));
    }
    url
}

/// A digest of the asset's bytes: the `v` that makes its URL change when it does.
pub(crate) fn asset_version(dir: &Path, name: &str) -> Option<String> {
    let bytes = std::fs::read(dir.join("assets").join(super::assets::safe_name(name)?)).ok()?;
    Some(hex::encode(&Sha256::digest(&bytes)[..6]))
}

/// `'concierge.launcher' | t` (with optional `name: value` arguments).
#[derive(Debug, Clone)]
pub(crate) struct Translate {
    pub strings: Arc<Translations>,
}
reflection!(Translate, "t");

impl ParseFilter for Translate {
    fn parse(&self, arguments: FilterArguments<'_>) -> Result<Box<dyn Filter>> {
        let keywords = arguments
            .keyword
            .map(|(name, expression)| (name.to_owned(), expression))
            .collect();
        Ok(Box::new(TranslateWith {
            strings: self.strings.clone(),
            keywords,
        }))
    }
    fn reflection(&self) -> &dyn FilterReflection {
        self
    }
}

#[derive(Debug)]
struct TranslateWith {
    strings: Arc<Translations>,
    keywords: Vec<(String, Expression)>,
}

impl fmt::Display for TranslateWith {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("t")
    }
}

impl Filter for TranslateWith {
    fn evaluate(&self, input: &dyn ValueView, runtime: &dyn Runtime) -> Result<Value> {
        let key = input.to_kstr().to_string();
        let mut args = Vec::with_capacity(self.keywords.len());
        for (name, expression) in &self.keywords {
            args.push((
                name.as_str(),
                expression.evaluate(runtime)?.to_kstr().to_string(),
            ));
        }
        Ok(Value::scalar(translate(&self.strings, &key, &args)))
    }
}

/// Shopify's `t`: lookup, plural choice, interpolation, escaping.
pub(crate) fn translate(strings: &Translations, key: &str, args: &[(&str, String)]) -> String {
    let count = args
        .iter()
        .find(|(k, _)| *k == "count")
        .map(|(_, v)| v.as_str());
    let text = match strings.lookup(key) {
        Some(Json::String(s)) => Some(s.as_str()),
        Some(Json::Object(forms)) => {
            let form = match count {
                Some("0") if forms.contains_key("zero") => "zero",
                Some("1") => "one",
                _ => "other",
            };
            forms.get(form).and_then(Json::as_str)
        }
        _ => None,
    };
    let Some(text) = text else {
        return esc(&format!("translation missing: {}.{key}", strings.locale));
    };
    // Arguments are always escaped; the text too unless the key says it is HTML.
    let mut out = if key.ends_with("_html") {
        text.to_owned()
    } else {
        esc(text)
    };
    for (name, value) in args {
        for pattern in [format!("{{{{ {name} }}}}"), format!("{{{{{name}}}}}")] {
            out = out.replace(&pattern, &esc(value));
        }
    }
    out
}

/// `{{ value | json }}`
#[derive(Debug, Clone, Default)]
pub(crate) struct ToJson;
reflection!(ToJson, "json");

impl ParseFilter for ToJson {
    fn parse(&self, _arguments: FilterArguments<'_>) -> Result<Box<dyn Filter>> {
        Ok(Box::new(Self))
    }
    fn reflection(&self) -> &dyn FilterReflection {
        self
    }
}

impl Filter for ToJson {
    fn evaluate(&self, input: &dyn ValueView, _runtime: &dyn Runtime) -> Result<Value> {
        let json = if input.is_nil() {
            "null".to_owned()
        } else {
            serde_json::to_string(&input.to_value())
                .map_err(|e| liquid_core::Error::with_msg(e.to_string()))?
        };
        Ok(Value::scalar(script_safe(&json)))
    }
}

/// JSON that cannot end a `<script>` or start markup, whatever strings it holds.
pub(crate) fn script_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn strings(files: Vec<Json>) -> Translations {
        Translations {
            locale: "fr".into(),
            files,
        }
    }

    #[test]
    fn t_falls_back_interpolates_escapes_and_pluralizes() {
        let s = strings(vec![
            json!({"a": {"hi": "Salut {{ name }} & co"}}),
            json!({"a": {"hi": "Hi", "only_en": "English", "n": {"one": "1 item", "other": "{{ count }} items"},
                "link_html": "<b>{{ name }}</b>"}}),
        ]);
        assert_eq!(
            translate(&s, "a.hi", &[("name", "<Zoé>".into())]),
            "Salut &lt;Zoé&gt; &amp; co"
        );
        assert_eq!(translate(&s, "a.only_en", &[]), "English");
        assert_eq!(translate(&s, "a.n", &[("count", "3".into())]), "3 items");
        assert_eq!(translate(&s, "a.n", &[("count", "1".into())]), "1 item");
        assert_eq!(
            translate(&s, "a.link_html", &[("name", "<x>".into())]),
            "<b>&lt;x&gt;</b>"
        );
        assert_eq!(
            translate(&s, "a.nope", &[]),
            "translation missing: fr.a.nope"
        );
    }

    #[test]
    fn json_output_cannot_close_a_script() {
        assert_eq!(
            script_safe(r#"{"t":"</script><b>&"}"#),
            r#"{"t":"\u003c/script\u003e\u003cb\u003e\u0026"}"#
        );
    }
}
