//! Our real app embed block on the simulated storefront: every `theme-extension/blocks/*.liquid`
//! whose schema targets `body` (or `head`) is rendered with the `liquid` crate, as a theme
//! renders an app embed: the `{% schema %}` is taken out and read for the settings' defaults,
//! the merchant's settings (`Simulator::set_embed`) are merged over them, and the page's
//! objects of CONTRACT.md section 1 are in scope. Files are read on every render, so an edit
//! to the block shows on reload. A broken block does not break the page: like Shopify, the
//! page shows where it failed (here in an HTML comment) and the rest renders.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::Embed;
use super::filters::{self, AssetUrl, ToJson, Translate, Translations};
use super::lenient::Lenient;

/// What the embeds add to a page.
#[derive(Debug, Default)]
pub(crate) struct Embeds {
    pub head: String,
    pub body: String,
}

/// Renders the extension's app embeds for one page. `objects` are the page's Liquid globals
/// (everything but `block`); `template` is the page's template name, for `enabled_on`.
pub(crate) fn render(
    dir: &Path,
    locale: &str,
    objects: &Value,
    embed: &Embed,
    template: &str,
) -> Embeds {
    let mut out = Embeds::default();
    if !embed.enabled {
        return out;
    }
    let mut blocks: Vec<PathBuf> = std::fs::read_dir(dir.join("blocks"))
        .map(|entries| {
            entries
                .filter_map(|e| Some(e.ok()?.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "liquid"))
                .collect()
        })
        .unwrap_or_default();
    blocks.sort();
    let strings = Arc::new(Translations::load(dir, locale, "json"));
    let schema_strings = Translations::load(dir, locale, "schema.json");
    for path in blocks {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let shown = format!("blocks/{stem}.liquid");
        let rendered = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|source| {
                block(
                    dir,
                    &stem,
                    &source,
                    objects,
                    embed,
                    template,
                    &strings,
                    &schema_strings,
                )
            });
        match rendered {
            Ok(Some((target, html))) => match target {
                Target::Head => out.head.push_str(&html),
                Target::Body => out.body.push_str(&html),
            },
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(block = %shown, %error, "the app embed block failed to render");
                let error = error.replace("--", "- -");
                out.body
                    .push_str(&format!("<!-- Liquid error ({shown}): {error} -->"));
            }
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Head,
    Body,
}

/// One block; `None` when it is not an app embed for this page (other target, or
/// `enabled_on`/`disabled_on` rule it out).
#[allow(clippy::too_many_arguments)]
fn block(
    dir: &Path,
    stem: &str,
    source: &str,
    objects: &Value,
    embed: &Embed,
    template: &str,
    strings: &Arc<Translations>,
    schema_strings: &Translations,
) -> Result<Option<(Target, String)>, String> {
    let (body, schema) = split_schema(source);
    let schema: Value = match schema {
        Some(text) => serde_json::from_str(&text).map_err(|e| format!("schema: {e}"))?,
        None => return Err("the block has no {% schema %}".into()),
    };
    let target = match schema.get("target").and_then(Value::as_str) {
        Some("body") => Target::Body,
        Some("head") => Target::Head,
        _ => return Ok(None),
    };
    let listed = |key: &str| {
        schema
            .pointer(&format!("/{key}/templates"))
            .and_then(Value::as_array)
            .map(|t| t.iter().any(|t| t == "*" || t == template))
    };
    if listed("enabled_on") == Some(false) || listed("disabled_on") == Some(true) {
        return Ok(None);
    }
    let mut globals = objects.clone();
    globals["block"] = json!({
        "id": block_id(stem),
        "type": "@app",
        "settings": settings(&schema, &embed.settings, schema_strings),
        "shopify_attributes": "",
    });
    let globals = Lenient::from_json(&globals);
    let assets = Arc::new(dir.to_path_buf());
    let parser = liquid::ParserBuilder::with_stdlib()
        .filter(AssetUrl {
            dir: assets.clone(),
        })
        .filter(Translate {
            strings: strings.clone(),
        })
        .filter(ToJson)
        .build()
        .map_err(|e| e.to_string())?;
    // The block is a file anyone may edit; whatever it holds, the page must not take the
    // server down with it, and the liquid crate has `panic!`s on paths we have not proven
    // unreachable.
    let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        parser
            .parse(&body)
            .and_then(|template| template.render(&globals))
    }));
    let mut html = match rendered {
        Ok(result) => result.map_err(|e| e.to_string())?,
        Err(_) => return Err("the Liquid engine panicked on this block".into()),
    };
    // Shopify loads the assets a block's schema names: stylesheet in the head, script deferred.
    if let Some(css) = schema.get("stylesheet").and_then(Value::as_str) {
        let href = super::pages::esc(&filters::asset_url(dir, css));
        html.insert_str(0, &format!(r#"<link rel="stylesheet" href="{href}">"#));
    }
    if let Some(js) = schema.get("javascript").and_then(Value::as_str) {
        let src = super::pages::esc(&filters::asset_url(dir, js));
        html.push_str(&format!(r#"<script src="{src}" defer></script>"#));
    }
    Ok(Some((target, html)))
}

/// A stable id per block, usable in HTML ids (Shopify's are opaque too).
fn block_id(stem: &str) -> String {
    let digest = hex::encode(&Sha256::digest(stem.as_bytes())[..6]);
    let clean: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("{clean}_{digest}")
}

/// The template without its `{% schema %}...{% endschema %}`, and the schema's text.
pub(crate) fn split_schema(source: &str) -> (String, Option<String>) {
    let Some((open_start, open_end)) = find_tag(source, 0, "schema") else {
        return (source.to_owned(), None);
    };
    let Some((close_start, close_end)) = find_tag(source, open_end, "endschema") else {
        return (source.to_owned(), None);
    };
    let schema = source[open_end..close_start].to_owned();
    let body = format!("{}{}", &source[..open_start], &source[close_end..]);
    (body, Some(schema))
}

/// The byte span of the first `{% name %}` (whitespace control allowed) at or after `from`.
fn find_tag(source: &str, from: usize, name: &str) -> Option<(usize, usize)> {
    let mut at = from;
    while let Some(offset) = source.get(at..)?.find("{%") {
        let start = at + offset;
        // Search past the `{%` itself, so `{%}` cannot make an empty, inverted tag.
        let end = start + 2 + source[start + 2..].find("%}")? + 2;
        let inner = source[start + 2..end - 2].trim_matches('-').trim();
        if inner == name {
            return Some((start, end));
        }
        at = end;
    }
    None
}

/// The block's settings: each schema setting's default (`t:` keys read from the schema
/// locales; a select's first option when it has none), the merchant's values over them.
pub(crate) fn settings(
    schema: &Value,
    chosen: &Map<String, Value>,
    schema_strings: &Translations,
) -> Value {
    let mut out = Map::new();
    let declared = schema
        .get("settings")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    for setting in declared {
        let Some(id) = setting.get("id").and_then(Value::as_str) else {
            continue;
        };
        let kind = setting.get("type").and_then(Value::as_str).unwrap_or("");
        let default = match setting.get("default") {
            Some(Value::String(s)) if s.starts_with("t:") => schema_strings
                .lookup(&s[2..])
                .cloned()
                .unwrap_or_else(|| json!(s)),
            Some(value) => value.clone(),
            None if kind == "checkbox" => json!(false),
            None if matches!(kind, "select" | "radio") => setting
                .pointer("/options/0/value")
                .cloned()
                .unwrap_or(Value::Null),
            None => Value::Null,
        };
        out.insert(id.to_owned(), default);
    }
    for (id, value) in chosen {
        out.insert(id.clone(), value.clone());
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_cut_out_with_whitespace_control() {
        let (body, schema) = split_schema("a{%- schema -%}{\"x\":1}{%- endschema -%}b");
        assert_eq!(body, "ab");
        assert_eq!(schema.as_deref(), Some("{\"x\":1}"));
        assert_eq!(split_schema("{% if x %}y{% endif %}").1, None);
        for odd in ["{%}", "{%", "{%%}{% schema %}", "é{%-", "{% schema %}{%}"] {
            assert_eq!(split_schema(odd).1, None, "{odd}");
        }
    }

    #[test]
    fn settings_take_defaults_then_the_merchants_values() {
        let schema = json!({"settings": [
            {"type": "header", "content": "Look"},
            {"type": "color", "id": "accent_color", "default": "#112233"},
            {"type": "select", "id": "position", "options": [{"value": "right"}, {"value": "left"}]},
            {"type": "checkbox", "id": "on_mobile"},
            {"type": "text", "id": "launcher_label"},
        ]});
        let chosen = json!({"position": "left"});
        let s = settings(
            &schema,
            chosen.as_object().unwrap(),
            &Translations::default(),
        );
        assert_eq!(
            s,
            json!({"accent_color": "#112233", "position": "left", "on_mobile": false, "launcher_label": null})
        );
    }
}
