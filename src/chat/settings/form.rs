//! The settings body the admin API takes (`PUT /api/settings`), checked whole: every wrong
//! value is reported at once, by its dotted path in the body (`business_hours.weekly.mon.0.close`),
//! so the admin can show each message beside its field. A body that passes becomes
//! [`ShopSettings`] and, for the model key, a [`KeyChange`].

use std::collections::BTreeMap;

use chrono::NaiveDate;
use chrono_tz::Tz;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::Value;

use super::hours::{BusinessHours, DAYS, Interval, Zone, parse_time};
use super::{
    Branding, HandoffRules, LANGUAGES, MAX_GREETING_CHARS, MAX_KEYWORD_CHARS, MAX_KEYWORDS,
    MAX_NAME_CHARS, ModelChoice, ShopSettings, TONES, is_hex_color,
};

/// Dotted path in the body → what is wrong there.
pub type FieldErrors = BTreeMap<String, String>;

/// Opening intervals one day may hold; holidays one shop may list.
const MAX_INTERVALS_PER_DAY: usize = 6;
const MAX_HOLIDAYS: usize = 366;
/// Longest endpoint URL, model name and key.
const MAX_URL_BYTES: usize = 2_048;
const MAX_MODEL_CHARS: usize = 200;
const MAX_KEY_BYTES: usize = 1_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsForm {
    assistant_name: String,
    #[serde(default)]
    greeting: String,
    tone: String,
    languages: Vec<String>,
    tools: ToolsForm,
    handoff: HandoffForm,
    #[serde(default)]
    business_hours: Option<HoursForm>,
    branding: BrandingForm,
    model: ModelForm,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ToolsForm {
    inventory_locations: bool,
    order_notes: bool,
    add_to_cart: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HandoffForm {
    mode: String,
    #[serde(default)]
    keywords: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HoursForm {
    timezone: String,
    weekly: BTreeMap<String, Vec<IntervalForm>>,
    #[serde(default)]
    holidays: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IntervalForm {
    open: String,
    close: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BrandingForm {
    accent_color: String,
    position: String,
}

/// The model part of the settings, also the body of `POST /api/settings/model/test`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelForm {
    provider: String,
    #[serde(default)]
    base_url: Option<String>,
    #[serde(default)]
    model: Option<String>,
    /// Write-only: absent or `null` keeps the stored key, `""` removes it.
    #[serde(default)]
    api_key: Option<String>,
    /// What `GET` shows instead of the key; accepted (and ignored) so that a body read can
    /// be sent back as it is.
    #[serde(default, rename = "api_key_set")]
    _api_key_set: Option<serde::de::IgnoredAny>,
}

/// What a saved body does to the shop's sealed model key.
#[derive(Debug)]
pub enum KeyChange {
    Keep,
    Set(SecretString),
    Clear,
}

/// A body that passed: the settings (without the storefront domains, which the admin does not
/// edit) and the key change.
#[derive(Debug)]
pub struct Valid {
    pub settings: ShopSettings,
    pub key: KeyChange,
}

/// Reads `body` as a settings form; a value of the wrong type is reported at its path.
pub fn parse<T: serde::de::DeserializeOwned>(body: Value) -> Result<T, FieldErrors> {
    serde_path_to_error::deserialize(body).map_err(|error| {
        let path = error.path().to_string();
        let path = if path == "." { String::new() } else { path };
        let message = error.into_inner().to_string();
        BTreeMap::from([(path, message)])
    })
}

impl SettingsForm {
    pub fn validate(self) -> Result<Valid, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut field = |path: &str, message: &str| {
            errors.insert(path.to_owned(), message.to_owned());
        };
        let assistant_name = self.assistant_name.trim().to_owned();
        let name_chars = assistant_name.chars().count();
        if name_chars == 0 || name_chars > MAX_NAME_CHARS {
            field(
                "assistant_name",
                &format!("a name of 1 to {MAX_NAME_CHARS} characters"),
            );
        } else if assistant_name.chars().any(char::is_control) {
            field("assistant_name", "one line of text");
        }
        let greeting = self.greeting.trim().to_owned();
        if greeting.chars().count() > MAX_GREETING_CHARS {
            field(
                "greeting",
                &format!("at most {MAX_GREETING_CHARS} characters"),
            );
        } else if greeting.chars().any(|c| c.is_control() && c != '\n') {
            field("greeting", "text without control characters");
        }
        if !TONES.contains(&self.tone.as_str()) {
            field("tone", &format!("one of {}", TONES.join(", ")));
        }
        let mut languages: Vec<String> = Vec::new();
        if self.languages.is_empty() {
            field("languages", "at least one language");
        }
        for (i, code) in self.languages.iter().enumerate() {
            match LANGUAGES
                .iter()
                .find(|l| l.eq_ignore_ascii_case(code.trim()))
            {
                Some(l) if languages.iter().any(|known| known == l) => {
                    field(&format!("languages.{i}"), "listed twice");
                }
                Some(l) => languages.push((*l).to_owned()),
                None => field(
                    &format!("languages.{i}"),
                    &format!("one of {}", LANGUAGES.join(", ")),
                ),
            }
        }
        let always_offer = match self.handoff.mode.as_str() {
            "on_request" => false,
            "always_offer" => true,
            _ => {
                field("handoff.mode", "on_request or always_offer");
                false
            }
        };
        if self.handoff.keywords.len() > MAX_KEYWORDS {
            field(
                "handoff.keywords",
                &format!("at most {MAX_KEYWORDS} keywords"),
            );
        }
        let mut keywords: Vec<String> = Vec::new();
        for (i, keyword) in self.handoff.keywords.iter().enumerate() {
            let keyword = keyword.trim();
            let chars = keyword.chars().count();
            if chars == 0 || chars > MAX_KEYWORD_CHARS || keyword.chars().any(char::is_control) {
                field(
                    &format!("handoff.keywords.{i}"),
                    &format!("a word or phrase of 1 to {MAX_KEYWORD_CHARS} characters"),
                );
            } else if !keywords.iter().any(|k| k.eq_ignore_ascii_case(keyword)) {
                keywords.push(keyword.to_owned());
            }
        }
        let accent = self.branding.accent_color.trim().to_ascii_lowercase();
        if !is_hex_color(&accent) {
            field("branding.accent_color", "a colour as #rrggbb");
        }
        if !matches!(self.branding.position.as_str(), "right" | "left") {
            field("branding.position", "right or left");
        }
        let business_hours = self
            .business_hours
            .map(|h| h.validate(&mut errors))
            .unwrap_or_default();
        let model = self.model.validate(&mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        let (model, key) = model.ok_or_else(FieldErrors::new)?;
        Ok(Valid {
            settings: ShopSettings {
                assistant_name,
                greeting,
                tone: self.tone,
                languages,
                business_hours,
                show_inventory_locations: self.tools.inventory_locations,
                share_order_notes: self.tools.order_notes,
                add_to_cart: self.tools.add_to_cart,
                handoff: HandoffRules {
                    always_offer,
                    keywords,
                },
                branding: Branding {
                    accent_color: Some(accent),
                    position: Some(self.branding.position),
                },
                model,
                storefront_domains: Vec::new(),
            },
            key,
        })
    }
}

impl HoursForm {
    fn validate(self, errors: &mut FieldErrors) -> Option<BusinessHours> {
        let start = errors.len();
        let zone = match self.timezone.trim().parse::<Tz>() {
            Ok(tz) => Some(Zone::Iana(tz)),
            Err(_) => {
                errors.insert(
                    "business_hours.timezone".into(),
                    "an IANA time zone such as Europe/Paris".into(),
                );
                None
            }
        };
        let mut weekly: [Vec<Interval>; 7] = Default::default();
        for (day, intervals) in &self.weekly {
            let path = format!("business_hours.weekly.{day}");
            let Some(index) = DAYS.iter().position(|d| d == day) else {
                errors.insert(path, format!("not a day: use {}", DAYS.join(", ")));
                continue;
            };
            if intervals.len() > MAX_INTERVALS_PER_DAY {
                errors.insert(
                    path.clone(),
                    format!("at most {MAX_INTERVALS_PER_DAY} intervals a day"),
                );
            }
            for (i, interval) in intervals.iter().enumerate() {
                let open = parse_time(&interval.open).filter(|m| *m < 24 * 60);
                let close = parse_time(&interval.close);
                if open.is_none() {
                    errors.insert(
                        format!("{path}.{i}.open"),
                        "a time from 00:00 to 23:59".into(),
                    );
                }
                if close.is_none() {
                    errors.insert(
                        format!("{path}.{i}.close"),
                        "a time from 00:00 to 24:00".into(),
                    );
                }
                if let (Some(open), Some(close)) = (open, close) {
                    match Interval::new(open, close) {
                        Some(interval) => weekly[index].push(interval),
                        None => {
                            errors.insert(
                                format!("{path}.{i}.close"),
                                "must differ from the opening time".into(),
                            );
                        }
                    }
                }
            }
        }
        if errors.len() == start && weekly.iter().all(Vec::is_empty) {
            errors.insert(
                "business_hours.weekly".into(),
                "give at least one day opening hours, or turn business hours off".into(),
            );
        }
        if self.holidays.len() > MAX_HOLIDAYS {
            errors.insert(
                "business_hours.holidays".into(),
                format!("at most {MAX_HOLIDAYS} holidays"),
            );
        }
        let mut holidays = Vec::new();
        for (i, day) in self.holidays.iter().enumerate() {
            match NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d") {
                Ok(date) if !holidays.contains(&date) => holidays.push(date),
                Ok(_) => {}
                Err(_) => {
                    errors.insert(
                        format!("business_hours.holidays.{i}"),
                        "a date as YYYY-MM-DD".into(),
                    );
                }
            }
        }
        holidays.sort_unstable();
        (errors.len() == start).then_some(())?;
        Some(BusinessHours {
            zone: zone?,
            weekly,
            holidays,
        })
    }
}

impl ModelForm {
    /// The model choice and what happens to the stored key; `None` with `errors` filled.
    pub fn validate(self, errors: &mut FieldErrors) -> Option<(ModelChoice, KeyChange)> {
        let start = errors.len();
        let key = match self.api_key.as_deref().map(str::trim) {
            None => KeyChange::Keep,
            Some("") => KeyChange::Clear,
            Some(key)
                if key.len() > MAX_KEY_BYTES
                    || key.chars().any(|c| c.is_whitespace() || c.is_control()) =>
            {
                errors.insert(
                    "model.api_key".into(),
                    format!("a key of at most {MAX_KEY_BYTES} characters, without spaces"),
                );
                KeyChange::Keep
            }
            Some(key) => KeyChange::Set(SecretString::from(key.to_owned())),
        };
        let choice = match self.provider.as_str() {
            "local" => ModelChoice::Local,
            "openai" => {
                let base_url = self.base_url.as_deref().map(str::trim).unwrap_or_default();
                if let Err(problem) = endpoint_url(base_url) {
                    errors.insert("model.base_url".into(), problem.into());
                }
                let model = self.model.as_deref().map(str::trim).unwrap_or_default();
                let chars = model.chars().count();
                if chars == 0 || chars > MAX_MODEL_CHARS || model.chars().any(char::is_control) {
                    errors.insert(
                        "model.model".into(),
                        format!("the model's name at the API, 1 to {MAX_MODEL_CHARS} characters"),
                    );
                }
                ModelChoice::OpenAi {
                    base_url: base_url.trim_end_matches('/').to_owned(),
                    model: model.to_owned(),
                }
            }
            _ => {
                errors.insert("model.provider".into(), "local or openai".into());
                ModelChoice::Local
            }
        };
        (errors.len() == start).then_some((choice, key))
    }
}

/// An OpenAI-compatible API base: http(s), a host, no user name or password (a key goes in
/// `api_key`, sealed; a URL is shown back and logged).
fn endpoint_url(text: &str) -> Result<reqwest::Url, &'static str> {
    if text.is_empty() {
        return Err("the API's base URL, e.g. https://api.openai.com/v1");
    }
    if text.len() > MAX_URL_BYTES {
        return Err("at most 2048 characters");
    }
    let url = reqwest::Url::parse(text)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .ok_or("an http(s) URL")?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("no user name or password in the URL: put the key in api_key");
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("the API's base URL, without a query or fragment");
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    fn body() -> Value {
        json!({
            "assistant_name": " Pine ",
            "greeting": "Ahoy!",
            "tone": "playful",
            "languages": ["fr", "EN"],
            "tools": {"inventory_locations": true, "order_notes": false, "add_to_cart": false},
            "handoff": {"mode": "always_offer", "keywords": ["chargeback", "Chargeback", "lawyer"]},
            "business_hours": {"timezone": "Europe/Paris",
                               "weekly": {"mon": [{"open": "09:00", "close": "17:00"}], "sun": []},
                               "holidays": ["2026-12-25", "2026-12-24"]},
            "branding": {"accent_color": "#AA0000", "position": "left"},
            "model": {"provider": "openai", "base_url": "https://api.example/v1/", "model": "small",
                      "api_key": "sk-test", "api_key_set": false},
        })
    }

    fn errors(body: Value) -> FieldErrors {
        parse::<SettingsForm>(body)
            .and_then(SettingsForm::validate)
            .unwrap_err()
    }

    #[test]
    fn a_good_body_becomes_settings_and_a_key_to_seal() {
        let valid = parse::<SettingsForm>(body()).unwrap().validate().unwrap();
        let s = &valid.settings;
        assert_eq!(s.assistant_name, "Pine");
        assert_eq!(s.languages, ["fr", "en"]);
        assert!(!s.add_to_cart && !s.share_order_notes);
        assert_eq!(s.handoff.keywords, ["chargeback", "lawyer"]);
        assert_eq!(s.branding.accent_color.as_deref(), Some("#aa0000"));
        let hours = s.business_hours.as_ref().unwrap();
        assert_eq!(hours.holidays[0].to_string(), "2026-12-24");
        assert_eq!(
            s.model,
            ModelChoice::OpenAi {
                base_url: "https://api.example/v1".into(),
                model: "small".into()
            }
        );
        assert!(matches!(valid.key, KeyChange::Set(_)));
        // What is shown is a body that saves again (the key then kept).
        let mut again = s.to_json();
        again["model"]["api_key_set"] = json!(true);
        let valid = parse::<SettingsForm>(again).unwrap().validate().unwrap();
        assert_eq!(valid.settings.to_json(), s.to_json());
        assert!(matches!(valid.key, KeyChange::Keep));
    }

    #[test]
    fn every_wrong_value_is_named_by_its_path() {
        let mut bad = body();
        bad["assistant_name"] = json!("");
        bad["greeting"] = json!("x".repeat(301));
        bad["tone"] = json!("grumpy");
        bad["languages"] = json!(["en", "xx"]);
        bad["handoff"]["keywords"] = json!(["", "ok"]);
        bad["business_hours"]["timezone"] = json!("Mars/Olympus");
        bad["business_hours"]["weekly"]["mon"][0]["close"] = json!("25:00");
        bad["business_hours"]["weekly"]["someday"] = json!([]);
        bad["business_hours"]["holidays"][1] = json!("Christmas");
        bad["branding"]["accent_color"] = json!("blue");
        bad["model"]["base_url"] = json!("ftp://x.example");
        bad["model"]["model"] = json!("");
        let errors = errors(bad);
        let paths: Vec<&str> = errors.keys().map(String::as_str).collect();
        assert_eq!(
            paths,
            [
                "assistant_name",
                "branding.accent_color",
                "business_hours.holidays.1",
                "business_hours.timezone",
                "business_hours.weekly.mon.0.close",
                "business_hours.weekly.someday",
                "greeting",
                "handoff.keywords.0",
                "languages.1",
                "model.base_url",
                "model.model",
                "tone",
            ]
        );
    }

    #[test]
    fn wrong_types_and_unknown_fields_are_named_too() {
        let mut bad = body();
        bad["tools"]["add_to_cart"] = json!("no");
        assert!(errors(bad).contains_key("tools.add_to_cart"));
        let mut bad = body();
        bad["business_hours"]["weekly"]["mon"] = json!({"open": "09:00"});
        assert!(errors(bad).contains_key("business_hours.weekly.mon"));
        let mut bad = body();
        bad["surprise"] = json!(1);
        let unknown = errors(bad);
        assert_eq!(unknown.len(), 1);
        assert!(
            unknown
                .values()
                .all(|m| m.contains("unknown field `surprise`")),
            "{unknown:?}"
        );
        let mut closed = body();
        closed["business_hours"]["weekly"] = json!({"mon": []});
        assert!(errors(closed).contains_key("business_hours.weekly"));
        let mut creds = body();
        creds["model"]["base_url"] = json!("https://user:pw@api.example/v1");
        assert!(errors(creds).contains_key("model.base_url"));
    }
}
