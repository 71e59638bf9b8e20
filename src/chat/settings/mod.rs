//! A shop's assistant settings, as the merchant chose them in the embedded admin and as they
//! are kept in `shops.settings` (jsonb).
//!
//! Read leniently, one setting at a time: a setting that is missing, or whose value is of the
//! wrong shape, takes its default and the others are still read, so a bad edit (or a setting
//! written by a newer version of the app) can never take a shop's assistant down. Unknown
//! keys are ignored, and older keys (`show_inventory_locations`, `share_order_notes`,
//! `language`, hours in a fixed `utc_offset`) are still read.
//!
//! Written strictly: the admin API checks a whole settings body ([`form`]) and stores
//! [`ShopSettings::to_json`], the same shape it shows, so what is read back is what was saved.
//! A shop's model key is not in here: it is sealed in its own table (`chat::model`).

pub mod form;
mod hours;

pub use hours::{BusinessHours, Interval, Zone};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use sqlx::PgPool;

/// What the merchant chose; every field has a default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopSettings {
    /// The name the assistant introduces itself with.
    pub assistant_name: String,
    /// The widget's first bubble; empty: the widget's own greeting, in the shopper's language.
    pub greeting: String,
    /// How it speaks: one of [`TONES`] (older rows may hold the merchant's own words).
    pub tone: String,
    /// Languages it answers in (codes from [`LANGUAGES`]), the first being the shop's main one.
    pub languages: Vec<String>,
    /// When the shop's agents work; `None`: they are considered always available.
    pub business_hours: Option<BusinessHours>,
    /// Whether stock is shown per location (store, warehouse) or only as in / out of stock.
    pub show_inventory_locations: bool,
    /// Whether an order's note is told to the shopper it belongs to (with contact details
    /// masked). On by default: stores write there why an order is held or when it ships; a
    /// shop whose notes are internal turns it off.
    pub share_order_notes: bool,
    /// Whether the assistant may offer an add-to-cart button at all.
    pub add_to_cart: bool,
    pub handoff: HandoffRules,
    pub branding: Branding,
    pub model: ModelChoice,
    /// Storefront origins besides the myshopify domain (custom domains, headless fronts).
    pub storefront_domains: Vec<String>,
}

/// When a conversation goes to a person besides the shopper asking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HandoffRules {
    /// The assistant offers a person in every answer it cannot settle, not only on request.
    pub always_offer: bool,
    /// Words or phrases that hand the conversation over at once ("chargeback", "lawyer").
    pub keywords: Vec<String>,
}

/// How the widget looks, shared with the theme's app embed settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branding {
    /// `#rrggbb`; `None`: the theme block's colour.
    pub accent_color: Option<String>,
    /// `"right"` or `"left"`; `None`: the theme block's choice.
    pub position: Option<String>,
}

/// Which chat model answers the shop's shoppers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ModelChoice {
    /// The app's own chain: its configured endpoints, if any, then the offline responder.
    #[default]
    Local,
    /// The shop's OpenAI-compatible endpoint (its key sealed apart), then the offline
    /// responder.
    OpenAi { base_url: String, model: String },
}

/// The tones the admin offers.
pub const TONES: [&str; 4] = ["friendly", "professional", "playful", "concise"];
/// The languages the widget speaks (its locales), as codes.
pub const LANGUAGES: [&str; 10] = [
    "en", "fr", "es", "de", "it", "pt-BR", "nl", "ja", "ar", "he",
];
/// The accent shown for a shop that never chose one (the app embed block's default).
pub const DEFAULT_ACCENT: &str = "#1f6feb";

/// Longest assistant name, greeting, handoff keyword; most keywords.
pub const MAX_NAME_CHARS: usize = 60;
pub const MAX_GREETING_CHARS: usize = 300;
pub const MAX_KEYWORD_CHARS: usize = 40;
pub const MAX_KEYWORDS: usize = 50;

impl Default for ShopSettings {
    fn default() -> Self {
        Self {
            assistant_name: "Concierge".to_owned(),
            greeting: String::new(),
            tone: "friendly".to_owned(),
            languages: vec!["en".to_owned()],
            business_hours: None,
            show_inventory_locations: true,
            share_order_notes: true,
            add_to_cart: true,
            handoff: HandoffRules::default(),
            branding: Branding {
                accent_color: None,
                position: None,
            },
            model: ModelChoice::Local,
            storefront_domains: Vec::new(),
        }
    }
}

impl ShopSettings {
    /// The settings of `shop_id`; defaults for a shop without a row.
    pub async fn load(db: &PgPool, shop_id: i64) -> Result<Self, sqlx::Error> {
        let stored = sqlx::query_scalar!("SELECT settings FROM shops WHERE id = $1", shop_id)
            .fetch_optional(db)
            .await?;
        Ok(stored.map(|s| Self::from_json(&s)).unwrap_or_default())
    }

    /// Reads `shops.settings` as the module docs describe; never fails.
    pub fn from_json(value: &Value) -> Self {
        let defaults = Self::default();
        let Some(map) = value.as_object() else {
            return defaults;
        };
        let text = |key: &str, max: usize| {
            map.get(key)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty() && s.chars().count() <= max)
                .map(str::to_owned)
        };
        let languages = strings(map.get("languages"))
            .map(|l| l.iter().map(|s| language(s)).collect::<Vec<_>>())
            .filter(|l| !l.is_empty())
            // The older single `language` key (also read by the full-text configuration).
            .or_else(|| text("language", 35).map(|l| vec![language(&l)]))
            .unwrap_or(defaults.languages);
        let tools = map.get("tools").and_then(Value::as_object);
        let switch = |new: &str, old: &str, default: bool| {
            tools
                .and_then(|t| t.get(new))
                .or_else(|| map.get(old))
                .and_then(Value::as_bool)
                .unwrap_or(default)
        };
        Self {
            assistant_name: text("assistant_name", MAX_NAME_CHARS)
                .unwrap_or(defaults.assistant_name),
            greeting: text("greeting", MAX_GREETING_CHARS).unwrap_or_default(),
            tone: text("tone", 200).unwrap_or(defaults.tone),
            languages,
            business_hours: map.get("business_hours").and_then(BusinessHours::from_json),
            show_inventory_locations: switch(
                "inventory_locations",
                "show_inventory_locations",
                defaults.show_inventory_locations,
            ),
            share_order_notes: switch(
                "order_notes",
                "share_order_notes",
                defaults.share_order_notes,
            ),
            add_to_cart: switch("add_to_cart", "add_to_cart", defaults.add_to_cart),
            handoff: map
                .get("handoff")
                .map(HandoffRules::from_json)
                .unwrap_or_default(),
            branding: map
                .get("branding")
                .map(Branding::from_json)
                .unwrap_or(defaults.branding),
            model: map
                .get("model")
                .map(ModelChoice::from_json)
                .unwrap_or_default(),
            storefront_domains: strings(map.get("storefront_domains"))
                .map(|d| {
                    d.into_iter()
                        .map(|s| s.trim().trim_end_matches('/').to_lowercase())
                        .filter(|s| !s.is_empty() && !s.contains(char::is_whitespace))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// The settings as the admin API shows them and as they are stored (no model key).
    /// `storefront_domains` is kept by the writer, not shown.
    pub fn to_json(&self) -> Value {
        let tone = if TONES.contains(&self.tone.as_str()) {
            self.tone.as_str()
        } else {
            "friendly"
        };
        json!({
            "assistant_name": self.assistant_name,
            "greeting": self.greeting,
            "tone": tone,
            "languages": self.languages,
            "tools": {
                "inventory_locations": self.show_inventory_locations,
                "order_notes": self.share_order_notes,
                "add_to_cart": self.add_to_cart,
            },
            "handoff": {
                "mode": if self.handoff.always_offer { "always_offer" } else { "on_request" },
                "keywords": self.handoff.keywords,
            },
            "business_hours": self.business_hours.as_ref().map(BusinessHours::to_json),
            "branding": {
                "accent_color": self.branding.accent_color.as_deref().unwrap_or(DEFAULT_ACCENT),
                "position": self.branding.position.as_deref().unwrap_or("right"),
            },
            "model": self.model.to_json(),
        })
    }

    /// Whether the shop's agents are working at `now` (always, without business hours).
    pub fn agents_available(&self, now: DateTime<Utc>) -> bool {
        self.business_hours.as_ref().is_none_or(|h| h.is_open(now))
    }

    /// The tools the model is not offered (and the host refuses).
    pub fn tools_off(&self) -> Vec<&'static str> {
        let mut off = Vec::new();
        if !self.add_to_cart {
            off.push(tools::ADD_TO_CART);
        }
        off
    }
}

impl HandoffRules {
    fn from_json(value: &Value) -> Self {
        Self {
            always_offer: value.get("mode").and_then(Value::as_str) == Some("always_offer"),
            keywords: strings(value.get("keywords"))
                .unwrap_or_default()
                .into_iter()
                .map(|k| k.trim().to_owned())
                .filter(|k| !k.is_empty() && k.chars().count() <= MAX_KEYWORD_CHARS)
                .take(MAX_KEYWORDS)
                .collect(),
        }
    }

    /// The first keyword `text` holds as whole words, case and accents aside (a keyword's
    /// word ending in `*` matches any word it begins, as the local responder's cues do).
    pub fn forced_by(&self, text: &str) -> Option<&str> {
        let words = tools::text::words(text);
        self.keywords
            .iter()
            .find(|k| tools::text::has(&words, k))
            .map(String::as_str)
    }
}

impl Branding {
    fn from_json(value: &Value) -> Self {
        let accent = value
            .get("accent_color")
            .and_then(Value::as_str)
            .filter(|c| is_hex_color(c))
            .map(str::to_ascii_lowercase);
        let position = value
            .get("position")
            .and_then(Value::as_str)
            .filter(|p| matches!(*p, "left" | "right"));
        Self {
            accent_color: accent,
            position: position.map(str::to_owned),
        }
    }
}

impl ModelChoice {
    fn from_json(value: &Value) -> Self {
        let text = |key: &str| {
            value
                .get(key)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        match (
            value.get("provider").and_then(Value::as_str),
            text("base_url"),
            text("model"),
        ) {
            (Some("openai"), Some(base_url), Some(model)) => Self::OpenAi { base_url, model },
            _ => Self::Local,
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Self::Local => json!({"provider": "local"}),
            Self::OpenAi { base_url, model } => {
                json!({"provider": "openai", "base_url": base_url, "model": model})
            }
        }
    }
}

/// `#1f6feb`: six hex digits.
pub fn is_hex_color(text: &str) -> bool {
    text.len() == 7 && text.starts_with('#') && text[1..].chars().all(|c| c.is_ascii_hexdigit())
}

/// A language code as the admin writes it (`pt-BR`), whatever its case; others lowercased.
fn language(code: &str) -> String {
    let code = code.trim();
    LANGUAGES
        .iter()
        .find(|l| l.eq_ignore_ascii_case(code))
        .map_or_else(|| code.to_lowercase(), |l| (*l).to_owned())
}

/// The strings of a JSON array (non-strings skipped); `None` unless it is an array.
fn strings(value: Option<&Value>) -> Option<Vec<String>> {
    Some(
        value?
            .as_array()?
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
    )
}

/// `stored` with the settings the admin writes replaced by `settings`' (other keys, such as
/// `storefront_domains`, kept; the older spellings of what is now written dropped).
pub fn merged(stored: &Value, settings: &ShopSettings) -> Value {
    let mut map: Map<String, Value> = stored.as_object().cloned().unwrap_or_default();
    for old in ["show_inventory_locations", "share_order_notes"] {
        map.remove(old);
    }
    if let Value::Object(new) = settings.to_json() {
        map.extend(new);
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn empty_and_broken_settings_give_the_defaults() {
        assert_eq!(ShopSettings::from_json(&json!({})), ShopSettings::default());
        assert_eq!(
            ShopSettings::from_json(&json!(null)),
            ShopSettings::default()
        );
        let broken = ShopSettings::from_json(&json!({
            "assistant_name": 42,
            "greeting": ["x"],
            "tone": ["x"],
            "languages": "fr",
            "business_hours": "nine to five",
            "show_inventory_locations": "no",
            "storefront_domains": {"a": 1},
            "share_order_notes": "no",
            "tools": {"add_to_cart": "no"},
            "handoff": "always",
            "branding": {"accent_color": "red", "position": "top"},
            "model": {"provider": "openai", "base_url": 3},
            "something_new": true,
        }));
        assert_eq!(broken, ShopSettings::default());
        let defaults = ShopSettings::default();
        assert_eq!(defaults.assistant_name, "Concierge");
        assert!(defaults.show_inventory_locations);
        assert!(defaults.share_order_notes);
        assert!(defaults.add_to_cart);
        assert!(defaults.agents_available(Utc::now()));
    }

    #[test]
    fn good_settings_are_read_and_one_bad_value_spoils_only_itself() {
        let settings = ShopSettings::from_json(&json!({
            "assistant_name": "  Pine ",
            "tone": "warm and brief",
            "languages": ["EN", "fr", "PT-br", 3],
            "show_inventory_locations": false,
            "storefront_domains": ["https://HarborAndPine.example/", "bad domain", ""],
            "business_hours": {"weekly": "always"},
        }));
        assert_eq!(settings.assistant_name, "Pine");
        assert_eq!(settings.tone, "warm and brief");
        assert_eq!(settings.languages, ["en", "fr", "pt-BR"]);
        assert!(!settings.show_inventory_locations);
        assert_eq!(
            settings.storefront_domains,
            ["https://harborandpine.example"]
        );
        assert_eq!(settings.business_hours, None);
        let legacy = ShopSettings::from_json(&json!({"language": "de"}));
        assert_eq!(legacy.languages, ["de"]);
    }

    #[test]
    fn the_shape_shown_is_the_shape_read_and_the_new_switches_win_over_the_old() {
        let settings = ShopSettings {
            assistant_name: "Pine".into(),
            greeting: "Ahoy!".into(),
            tone: "concise".into(),
            languages: vec!["fr".into(), "pt-BR".into()],
            business_hours: BusinessHours::from_json(&json!({
                "timezone": "Europe/Paris",
                "weekly": {"mon": [{"open": "09:00", "close": "17:00"}]},
                "holidays": ["2026-12-25"],
            })),
            show_inventory_locations: false,
            share_order_notes: false,
            add_to_cart: false,
            handoff: HandoffRules {
                always_offer: true,
                keywords: vec!["chargeback".into()],
            },
            branding: Branding {
                accent_color: Some("#aa0000".into()),
                position: Some("left".into()),
            },
            model: ModelChoice::OpenAi {
                base_url: "https://api.example/v1".into(),
                model: "small".into(),
            },
            storefront_domains: Vec::new(),
        };
        assert_eq!(ShopSettings::from_json(&settings.to_json()), settings);
        let stored = merged(
            &json!({"show_inventory_locations": true, "storefront_domains": ["a.example"]}),
            &settings,
        );
        assert_eq!(stored.get("show_inventory_locations"), None);
        assert_eq!(stored["storefront_domains"], json!(["a.example"]));
        let read = ShopSettings::from_json(&stored);
        assert!(!read.show_inventory_locations);
        assert_eq!(read.storefront_domains, ["a.example"]);
        assert_eq!(read.tools_off(), [tools::ADD_TO_CART]);
    }

    #[test]
    fn handoff_keywords_match_whole_words_whatever_the_case() {
        let rules = HandoffRules {
            always_offer: false,
            keywords: vec!["chargeback".into(), "small claims".into()],
        };
        assert_eq!(
            rules.forced_by("I will file a CHARGEBACK today!"),
            Some("chargeback")
        );
        assert_eq!(
            rules.forced_by("see you in small   claims court"),
            Some("small claims")
        );
        assert_eq!(rules.forced_by("chargebacks are not my thing"), None);
        assert_eq!(rules.forced_by("where is my order?"), None);
    }
}
