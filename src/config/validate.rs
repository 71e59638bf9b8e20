//! Parsers shared by the concerns: each turns one raw value into a typed one or a
//! [`ConfigError`] naming the setting.

use std::time::Duration;

use secrecy::SecretString;

use super::ConfigError;

/// An http(s) base URL without query or fragment, without its trailing slash.
pub(super) fn base_url(setting: &'static str, raw: &str) -> Result<String, ConfigError> {
    let url = raw.trim().trim_end_matches('/').to_owned();
    let parsed = reqwest::Url::parse(&url).ok().filter(|u| {
        matches!(u.scheme(), "http" | "https")
            && u.host_str().is_some()
            && u.query().is_none()
            && u.fragment().is_none()
    });
    match parsed {
        Some(_) => Ok(url),
        None => Err(ConfigError::new(
            setting,
            format!("expected an http(s) base URL such as https://api.openai.com/v1, got {url:?}"),
        )),
    }
}

/// A secret that becomes a header value: printable ASCII. The reason never repeats it.
pub(super) fn header_secret(setting: &'static str, raw: &str) -> Result<SecretString, ConfigError> {
    if raw.is_empty() || !raw.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ConfigError::new(
            setting,
            "expected printable ASCII without spaces",
        ));
    }
    Ok(SecretString::from(raw.to_owned()))
}

pub(super) fn positive<T: std::str::FromStr + PartialOrd + Default>(
    setting: &'static str,
    raw: &str,
) -> Result<T, ConfigError> {
    match raw.trim().parse::<T>() {
        Ok(v) if v > T::default() => Ok(v),
        _ => Err(ConfigError::new(
            setting,
            format!("expected a positive whole number, got {raw:?}"),
        )),
    }
}

pub(super) fn secs(setting: &'static str, raw: &str) -> Result<Duration, ConfigError> {
    positive::<u64>(setting, raw).map(Duration::from_secs)
}
