//! When the shop's agents work: weekly hours in the merchant's IANA time zone, and holidays.
//!
//! The zone does the arithmetic (`chrono-tz`, the IANA database compiled in), so "09:00 in
//! Paris" is right on both sides of a daylight-saving change. Rows written before zones were
//! honoured carry a fixed `utc_offset` beside a display name; a name the database knows wins,
//! otherwise the offset is used as it was.

use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;
use serde_json::{Map, Value, json};

/// The agents' weekly hours.
///
/// As stored (and as the admin API shows them):
/// ```json
/// {"timezone": "America/Los_Angeles",
///  "weekly": {"mon": [{"open": "09:00", "close": "17:00"}], "sat": [{"open": "10:00", "close": "14:00"}]},
///  "holidays": ["2026-12-25"]}
/// ```
/// A day missing from `weekly` is closed; a day may hold one interval or a list; `"24:00"`
/// closes at midnight, and a close before the open runs past midnight. A holiday is closed
/// all day in the shop's zone (an interval that starts the evening before still runs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessHours {
    pub zone: Zone,
    /// Monday first.
    pub weekly: [Vec<Interval>; 7],
    pub holidays: Vec<NaiveDate>,
}

/// The clock the hours are read on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    Iana(Tz),
    /// An older row's fixed offset (no daylight saving time).
    Fixed(FixedOffset),
}

/// Opening hours within a day, in minutes after midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub open: u16,
    /// Up to 1440; at or before `open`, the interval ends on the next day.
    pub close: u16,
}

pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const MINUTES_PER_DAY: u16 = 24 * 60;
/// How far ahead the next opening is looked for (a shop closed for the holidays).
const LOOKAHEAD_DAYS: u64 = 60;

impl BusinessHours {
    /// `None` when `value` has no usable `weekly` hours (then agents count as always
    /// available).
    pub fn from_json(value: &Value) -> Option<Self> {
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
        let named = map
            .get("timezone")
            .and_then(Value::as_str)
            .and_then(|name| name.trim().parse::<Tz>().ok());
        let zone = match named {
            Some(tz) => Zone::Iana(tz),
            None => Zone::Fixed(
                map.get("utc_offset")
                    .and_then(Value::as_str)
                    .and_then(parse_offset)
                    .unwrap_or_else(utc),
            ),
        };
        let holidays = map
            .get("holidays")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter_map(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
            .collect();
        Some(Self {
            zone,
            weekly,
            holidays,
        })
    }

    /// As stored and shown: the zone's IANA name (`UTC` for an older fixed offset of zero,
    /// `Etc/GMT∓h` for whole hours).
    pub fn to_json(&self) -> Value {
        let weekly: Map<String, Value> = DAYS
            .iter()
            .zip(&self.weekly)
            .map(|(day, intervals)| {
                let list = intervals
                    .iter()
                    .map(|i| json!({"open": clock(i.open), "close": clock(i.close)}))
                    .collect();
                ((*day).to_owned(), Value::Array(list))
            })
            .collect();
        json!({
            "timezone": self.zone.name(),
            "weekly": weekly,
            "holidays": self.holidays.iter().map(|d| d.format("%Y-%m-%d").to_string()).collect::<Vec<_>>(),
        })
    }

    /// Whether `now` falls in an interval (of its own day, or the day before's running past
    /// midnight) that did not start on a holiday.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        let local = self.zone.local(now);
        let date = local.date();
        let yesterday = date.pred_opt().unwrap_or(date);
        let minute = (local.hour() * 60 + local.minute()) as u16;
        let today = !self.holiday(date)
            && self.day(date).iter().any(|i| {
                if i.close > i.open {
                    (i.open..i.close).contains(&minute)
                } else {
                    minute >= i.open
                }
            });
        let overnight = !self.holiday(yesterday)
            && self
                .day(yesterday)
                .iter()
                .any(|i| i.close <= i.open && minute < i.close);
        today || overnight
    }

    /// When the agents are next at work after `now` (`None` if not within
    /// [`LOOKAHEAD_DAYS`]), so the widget can say "back Monday at 9:00" in the shopper's own
    /// language and time zone.
    pub fn next_open(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let today = self.zone.local(now).date();
        (0..=LOOKAHEAD_DAYS)
            .filter_map(|ahead| today.checked_add_days(chrono::Days::new(ahead)))
            .filter(|date| !self.holiday(*date))
            .flat_map(|date| {
                self.day(date).iter().filter_map(move |i| {
                    let at = date.and_hms_opt(u32::from(i.open / 60), u32::from(i.open % 60), 0)?;
                    self.zone.instant(at)
                })
            })
            .filter(|at| *at > now)
            .min()
    }

    fn day(&self, date: NaiveDate) -> &[Interval] {
        &self.weekly[date.weekday().num_days_from_monday() as usize]
    }

    fn holiday(&self, date: NaiveDate) -> bool {
        self.holidays.contains(&date)
    }
}

impl Zone {
    fn local(self, now: DateTime<Utc>) -> NaiveDateTime {
        match self {
            Self::Iana(tz) => now.with_timezone(&tz).naive_local(),
            Self::Fixed(offset) => now.with_timezone(&offset).naive_local(),
        }
    }

    /// The instant a local time names; in a daylight-saving gap (a time that does not exist
    /// that day) the first instant after it, when the clocks have moved on.
    fn instant(self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        let at = |local: NaiveDateTime| match self {
            Self::Iana(tz) => tz
                .from_local_datetime(&local)
                .earliest()
                .map(|t| t.to_utc()),
            Self::Fixed(offset) => offset
                .from_local_datetime(&local)
                .earliest()
                .map(|t| t.to_utc()),
        };
        at(local).or_else(|| at(local + chrono::Duration::hours(1)))
    }

    fn name(self) -> String {
        match self {
            Self::Iana(tz) => tz.name().to_owned(),
            Self::Fixed(offset) => {
                let seconds = offset.local_minus_utc();
                match (seconds, seconds % 3600) {
                    (0, _) => "UTC".to_owned(),
                    // The IANA names of whole-hour offsets read backwards: Etc/GMT+8 is UTC−8.
                    (s, 0) => format!("Etc/GMT{:+}", -s / 3600),
                    _ => "UTC".to_owned(),
                }
            }
        }
    }
}

impl Interval {
    fn from_json(value: &Value) -> Option<Self> {
        let time = |key: &str| value.get(key).and_then(Value::as_str).and_then(parse_time);
        Self::new(time("open")?, time("close")?)
    }

    /// An interval from `open` to `close` (minutes), if it is one.
    pub fn new(open: u16, close: u16) -> Option<Self> {
        (open < MINUTES_PER_DAY && close <= MINUTES_PER_DAY && open != close)
            .then_some(Self { open, close })
    }
}

/// "09:30" → 570; "24:00" → 1440.
pub fn parse_time(text: &str) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    let minutes = h.checked_mul(60)?.checked_add(m)?;
    (m < 60 && minutes <= MINUTES_PER_DAY).then_some(minutes)
}

/// 570 → "09:30".
fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
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

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn hours(value: Value) -> BusinessHours {
        BusinessHours::from_json(&value).unwrap()
    }

    #[test]
    fn hours_follow_the_offset_the_week_and_midnight() {
        // An older row: an unknown zone name, so its fixed offset does the arithmetic.
        let hours = hours(json!({
            "timezone": "Pacific Standard",
            "utc_offset": "-08:00",
            "weekly": {
                "mon": [{"open": "09:00", "close": "12:00"}, {"open": "13:00", "close": "17:00"}],
                "friday": {"open": "22:00", "close": "02:00"},
                "sun": {"open": "00:00", "close": "24:00"},
                "tue": {"open": "25:00", "close": "26:00"},
            }
        }));
        assert_eq!(hours.zone.name(), "Etc/GMT+8");
        assert!(hours.weekly[1].is_empty(), "invalid times are dropped");
        // 2026-11-23 is a Monday. 17:30 UTC = 09:30 at UTC−8.
        assert!(hours.is_open(at("2026-11-23T17:30:00Z")));
        assert!(!hours.is_open(at("2026-11-23T16:30:00Z")));
        assert!(!hours.is_open(at("2026-11-23T20:30:00Z"))); // lunch
        assert!(!hours.is_open(at("2026-11-24T01:00:00Z"))); // 17:00 closes
        // Friday 22:00 to Saturday 02:00 local.
        assert!(hours.is_open(at("2026-11-28T06:30:00Z"))); // Fri 22:30
        assert!(hours.is_open(at("2026-11-28T09:59:00Z"))); // Sat 01:59
        assert!(!hours.is_open(at("2026-11-28T10:00:00Z"))); // Sat 02:00
        // All of Sunday.
        assert!(hours.is_open(at("2026-11-29T08:00:00Z"))); // Sun 00:00
        assert!(hours.is_open(at("2026-11-30T07:59:00Z"))); // Sun 23:59
        assert!(!hours.is_open(at("2026-11-30T08:00:00Z"))); // Mon 00:00

        let next = |now: &str| hours.next_open(at(now)).map(|t| t.to_rfc3339());
        assert_eq!(
            next("2026-11-23T20:30:00Z").as_deref(),
            Some("2026-11-23T21:00:00+00:00")
        );
        assert_eq!(
            next("2026-11-30T08:00:00Z").as_deref(),
            Some("2026-11-30T17:00:00+00:00")
        );
        assert_eq!(
            next("2026-11-28T04:00:00Z").as_deref(),
            Some("2026-11-28T06:00:00+00:00")
        );
    }

    #[test]
    fn an_iana_zone_keeps_local_hours_across_daylight_saving_time() {
        let hours = hours(json!({
            "timezone": "Europe/Paris",
            "utc_offset": "+01:00",
            "weekly": {"mon": [{"open": "09:00", "close": "17:00"}], "sun": [{"open": "02:30", "close": "04:00"}]},
        }));
        assert_eq!(hours.zone, Zone::Iana(chrono_tz::Europe::Paris));
        // 2026-03-30, the Monday after the change to summer time (UTC+2): 09:00 is 07:00 UTC.
        assert!(hours.is_open(at("2026-03-30T07:00:00Z")));
        assert!(!hours.is_open(at("2026-03-30T06:59:00Z")));
        // 2026-03-23, the Monday before, in winter time (UTC+1): 09:00 is 08:00 UTC.
        assert!(!hours.is_open(at("2026-03-23T07:30:00Z")));
        assert!(hours.is_open(at("2026-03-23T08:00:00Z")));
        // Sunday 2026-03-29 has no 02:30 in Paris: the clocks jump from 02:00 to 03:00.
        let next = hours.next_open(at("2026-03-28T23:00:00Z")).unwrap();
        assert_eq!(next.to_rfc3339(), "2026-03-29T01:30:00+00:00");
        assert_eq!(hours.to_json()["timezone"], "Europe/Paris");
    }

    #[test]
    fn holidays_close_the_day_and_the_next_opening_skips_them() {
        let hours = hours(json!({
            "timezone": "UTC",
            "weekly": {"thu": [{"open": "09:00", "close": "17:00"}], "fri": [{"open": "09:00", "close": "17:00"}]},
            "holidays": ["2026-12-24", "not a date"],
        }));
        assert_eq!(hours.holidays.len(), 1);
        // Thursday 2026-12-24 is a holiday; Friday the 25th is open.
        assert!(!hours.is_open(at("2026-12-24T10:00:00Z")));
        assert!(hours.is_open(at("2026-12-25T10:00:00Z")));
        assert_eq!(
            hours
                .next_open(at("2026-12-24T10:00:00Z"))
                .unwrap()
                .to_rfc3339(),
            "2026-12-25T09:00:00+00:00"
        );
        let shown = hours.to_json();
        assert_eq!(shown["holidays"], json!(["2026-12-24"]));
        assert_eq!(
            shown["weekly"]["thu"],
            json!([{"open": "09:00", "close": "17:00"}])
        );
        assert_eq!(BusinessHours::from_json(&shown), Some(hours));
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
        assert_eq!(parse_time("9:30"), Some(570));
        assert_eq!(parse_time("24:01"), None);
        assert_eq!(parse_time("9:60"), None);
        assert_eq!(parse_time("09:5"), None);
        assert_eq!(parse_time("nine"), None);
    }
}
