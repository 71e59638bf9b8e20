//! A shop's assistant settings, as the merchant chose them in the embedded admin and as they
//! are kept in `shops.settings` (jsonb).
//!
//! Read leniently, one setting at a time: a setting that is missing, or whose value is of the
//! wrong shape, takes its default and the others are still read, so a bad edit (or a setting
//! written by a newer version of the app) can never take a shop's assistant down. Unknown
//! keys are ignored.
//!
//! Business hours are in a fixed UTC offset: the app carries no time-zone database, so the
//! merchant's IANA zone name is kept for display and the offset does the arithmetic (a
//! merchant in a zone with daylight saving time moves it twice a year).

use chrono::{DateTime, Datelike, FixedOffset, Offset, Timelike, Utc};
use serde_json::{Map, Value};
use sqlx::PgPool;

/// What the merchant chose; every field has a default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopSettings {
    /// The name the assistant introduces itself with.
    pub assistant_name: String,
    /// How it speaks ("friendly", "formal", "playful", ...), as the merchant wrote it.
    pub tone: String,
    /// Languages it answers in (ISO codes), the first being the shop's main one.
    pub languages: Vec<String>,
    /// When the shop's agents work; `None`: they are considered always available.
    pub business_hours: Option<BusinessHours>,
    /// Whether stock is shown per location (store, warehouse) or only as in / out of stock.
    pub show_inventory_locations: bool,
    /// Storefront origins besides the myshopify domain (custom domains, headless fronts).
    pub storefront_domains: Vec<String>,
    /// Whether an order's note is told to the shopper it belongs to (with contact details
    /// masked). On by default: stores write there why an order is held or when it ships; a
    /// shop whose notes are internal turns it off.
    pub share_order_notes: bool,
}

impl Default for ShopSettings {
    fn default() -> Self {
        Self {
            assistant_name: "Concierge".to_owned(),
            tone: "friendly".to_owned(),
            languages: vec!["en".to_owned()],
            business_hours: None,
            show_inventory_locations: true,
            storefront_domains: Vec::new(),
            share_order_notes: true,
        }
    }
}

/// Longest assistant name kept; a longer one falls back to the default.
const MAX_NAME_CHARS: usize = 60;

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
            .map(|l| l.into_iter().map(|s| s.to_lowercase()).collect::<Vec<_>>())
            .filter(|l| !l.is_empty())
            // The older single `language` key (also read by the full-text configuration).
            .or_else(|| text("language", 35).map(|l| vec![l.to_lowercase()]))
            .unwrap_or(defaults.languages);
        Self {
            assistant_name: text("assistant_name", MAX_NAME_CHARS)
                .unwrap_or(defaults.assistant_name),
            tone: text("tone", 200).unwrap_or(defaults.tone),
            languages,
            business_hours: map.get("business_hours").and_then(BusinessHours::from_json),
            show_inventory_locations: map
                .get("show_inventory_locations")
                .and_then(Value::as_bool)
                .unwrap_or(defaults.show_inventory_locations),
            storefront_domains: strings(map.get("storefront_domains"))
                .map(|d| {
                    d.into_iter()
                        .map(|s| s.trim().trim_end_matches('/').to_lowercase())
                        .filter(|s| !s.is_empty() && !s.contains(char::is_whitespace))
                        .collect()
                })
                .unwrap_or_default(),
            share_order_notes: map
                .get("share_order_notes")
                .and_then(Value::as_bool)
                .unwrap_or(defaults.share_order_notes),
        }
    }

    /// Whether the shop's agents are working at `now` (always, without business hours).
    pub fn agents_available(&self, now: DateTime<Utc>) -> bool {
        self.business_hours.as_ref().is_none_or(|h| h.is_open(now))
    }
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

/// The agents' weekly hours.
///
/// As stored:
/// ```json
/// {"timezone": "America/Los_Angeles", "utc_offset": "-08:00",
///  "weekly": {"mon": [{"open": "09:00", "close": "17:00"}], "sat": {"open": "10:00", "close": "14:00"}}}
/// ```
/// A day missing from `weekly` is closed; a day may hold one interval or a list; `"24:00"`
/// closes at midnight, and a close before the open runs past midnight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessHours {
    /// The merchant's IANA zone name, for display.
    pub timezone: Option<String>,
    /// The offset the hours are in.
    pub utc_offset: FixedOffset,
    /// Monday first.
    pub weekly: [Vec<Interval>; 7],
}

/// Opening hours within a day, in minutes after midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub open: u16,
    /// Up to 1440; at or before `open`, the interval ends on the next day.
    pub close: u16,
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const MINUTES_PER_DAY: u16 = 24 * 60;

impl BusinessHours {
    /// `None` when `value` has no usable `weekly` hours (then agents count as always
    /// available).
    fn from_json(value: &Value) -> Option<Self> {
        let map: &Map<String, Value> = value.as_object()?;
        let weekly_map = map.get("weekly")?.as_object()?;
        let mut weekly: [Vec<Interval>; 7] = Default::default();
        for (day, intervals) in DAYS.iter().zip(weekly.iter_mut()) {
            let Some(entry) = weekly_map
                .iter()
                .find(|(k, _)| k.to_ascii_lowercase().starts_with(day))
                .map(|(_, v)| v)
            else {
                continue;
            };
            let entries = match entry {
                Value::Array(list) => list.iter().collect(),
                single => vec![single],
            };
            intervals.extend(entries.into_iter().filter_map(Interval::from_json));
        }
        // No usable hours at all is a setting left unfinished, not a shop that never answers.
        if weekly.iter().all(Vec::is_empty) {
            return None;
        }
        let utc_offset = map
            .get("utc_offset")
            .and_then(Value::as_str)
            .and_then(parse_offset)
            .unwrap_or_else(utc);
        Some(Self {
            timezone: map
                .get("timezone")
                .and_then(Value::as_str)
                .map(str::to_owned),
            utc_offset,
            weekly,
        })
    }

    /// Whether `now` falls in an interval (of its own day, or the day before's running past
    /// midnight).
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        let local = now.with_timezone(&self.utc_offset);
        let day = local.weekday().num_days_from_monday() as usize;
        let minute = (local.hour() * 60 + local.minute()) as u16;
        let today = self.weekly[day].iter().any(|i| {
            if i.close > i.open {
                (i.open..i.close).contains(&minute)
            } else {
                minute >= i.open
            }
        });
        let yesterday = self.weekly[(day + 6) % 7]
            .iter()
            .any(|i| i.close <= i.open && minute < i.close);
        today || yesterday
    }

    /// When the agents are next at work after `now` (`None` if never within a week), so the
    /// widget can say "back Monday at 9:00" in the shopper's own language and time zone.
    pub fn next_open(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = now.with_timezone(&self.utc_offset);
        (0..8)
            .flat_map(|ahead| {
                let date = local.date_naive() + chrono::Days::new(ahead);
                let day = date.weekday().num_days_from_monday() as usize;
                self.weekly[day].iter().filter_map(move |i| {
                    let at = date.and_hms_opt(u32::from(i.open / 60), u32::from(i.open % 60), 0)?;
                    at.and_local_timezone(self.utc_offset).single()
                })
            })
            .map(|at| at.with_timezone(&Utc))
            .filter(|at| *at > now)
            .min()
    }
}

impl Interval {
    fn from_json(value: &Value) -> Option<Self> {
        let time = |key: &str| value.get(key).and_then(Value::as_str).and_then(parse_time);
        let (open, close) = (time("open")?, time("close")?);
        (open < MINUTES_PER_DAY && open != close).then_some(Self { open, close })
    }
}

/// "09:30" → 570; "24:00" → 1440.
fn parse_time(text: &str) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    let minutes = h.checked_mul(60)?.checked_add(m)?;
    (m < 60 && minutes <= MINUTES_PER_DAY).then_some(minutes)
}

/// "+02:00", "-08:00", "-0800", "Z" → the offset.
fn parse_offset(text: &str) -> Option<FixedOffset> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("z") || text.eq_ignore_ascii_case("utc") {
        return Some(utc());
    }
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() == 4 => rest.split_at(2),
        None => (rest, "0"),
    };
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if !(0..=14).contains(&h) || !(0..60).contains(&m) {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

fn utc() -> FixedOffset {
    Utc.fix()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use serde_json::json;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn empty_and_broken_settings_give_the_defaults() {
        assert_eq!(ShopSettings::from_json(&json!({})), ShopSettings::default());
        assert_eq!(
            ShopSettings::from_json(&json!(null)),
            ShopSettings::default()
        );
        let broken = ShopSettings::from_json(&json!({
            "assistant_name": 42,
            "tone": ["x"],
            "languages": "fr",
            "business_hours": "nine to five",
            "show_inventory_locations": "no",
            "storefront_domains": {"a": 1},
            "share_order_notes": "no",
            "something_new": true,
        }));
        assert_eq!(broken, ShopSettings::default());
        let defaults = ShopSettings::default();
        assert_eq!(defaults.assistant_name, "Concierge");
        assert!(defaults.show_inventory_locations);
        assert!(defaults.share_order_notes);
        assert!(defaults.agents_available(Utc::now()));
    }

    #[test]
    fn good_settings_are_read_and_one_bad_value_spoils_only_itself() {
        let settings = ShopSettings::from_json(&json!({
            "assistant_name": "  Pine ",
            "tone": "warm and brief",
            "languages": ["EN", "fr", 3],
            "show_inventory_locations": false,
            "storefront_domains": ["https://HarborAndPine.example/", "bad domain", ""],
            "business_hours": {"weekly": "always"},
        }));
        assert_eq!(settings.assistant_name, "Pine");
        assert_eq!(settings.tone, "warm and brief");
        assert_eq!(settings.languages, ["en", "fr"]);
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
    fn business_hours_follow_the_offset_the_week_and_midnight() {
        let settings = ShopSettings::from_json(&json!({"business_hours": {
            "timezone": "America/Los_Angeles",
            "utc_offset": "-08:00",
            "weekly": {
                "mon": [{"open": "09:00", "close": "12:00"}, {"open": "13:00", "close": "17:00"}],
                "friday": {"open": "22:00", "close": "02:00"},
                "sun": {"open": "00:00", "close": "24:00"},
                "tue": {"open": "25:00", "close": "26:00"},
            }
        }}));
        let hours = settings.business_hours.clone().unwrap();
        assert_eq!(hours.timezone.as_deref(), Some("America/Los_Angeles"));
        assert!(hours.weekly[1].is_empty(), "invalid times are dropped");
        // 2026-11-23 is a Monday. 17:30 UTC = 09:30 in Los Angeles (PST).
        assert!(settings.agents_available(at("2026-11-23T17:30:00Z")));
        assert!(!settings.agents_available(at("2026-11-23T16:30:00Z")));
        assert!(!settings.agents_available(at("2026-11-23T20:30:00Z"))); // lunch
        assert!(!settings.agents_available(at("2026-11-24T01:00:00Z"))); // 17:00 closes
        // Friday 22:00 to Saturday 02:00 local.
        assert!(settings.agents_available(at("2026-11-28T06:30:00Z"))); // Fri 22:30
        assert!(settings.agents_available(at("2026-11-28T09:59:00Z"))); // Sat 01:59
        assert!(!settings.agents_available(at("2026-11-28T10:00:00Z"))); // Sat 02:00
        // All of Sunday.
        assert!(settings.agents_available(at("2026-11-29T08:00:00Z"))); // Sun 00:00
        assert!(settings.agents_available(at("2026-11-30T07:59:00Z"))); // Sun 23:59
        assert!(!settings.agents_available(at("2026-11-30T08:00:00Z"))); // Mon 00:00

        // When they are next at work: the afternoon after lunch, Monday after the weekend.
        let next = |now: &str| hours.next_open(at(now)).map(|t| t.to_rfc3339());
        assert_eq!(
            next("2026-11-23T20:30:00Z").as_deref(),
            Some("2026-11-23T21:00:00+00:00")
        );
        assert_eq!(
            next("2026-11-30T08:00:00Z").as_deref(),
            Some("2026-11-30T17:00:00+00:00")
        );
        // Friday 20:00 local: the night shift at 22:00.
        assert_eq!(
            next("2026-11-28T04:00:00Z").as_deref(),
            Some("2026-11-28T06:00:00+00:00")
        );
    }

    #[test]
    fn offsets_and_times_parse_strictly() {
        assert_eq!(
            parse_offset("+05:30").map(|o| o.local_minus_utc()),
            Some(19_800)
        );
        assert_eq!(
            parse_offset("-0800").map(|o| o.local_minus_utc()),
            Some(-28_800)
        );
        assert_eq!(parse_offset("Z").map(|o| o.local_minus_utc()), Some(0));
        assert_eq!(parse_offset("08:00"), None);
        assert_eq!(parse_offset("+15:00"), None);
        assert_eq!(parse_time("24:00"), Some(1440));
        assert_eq!(parse_time("24:01"), None);
        assert_eq!(parse_time("9:60"), None);
        assert_eq!(parse_time("nine"), None);
    }
}
