//! The app's identity on Shopify: API key and secret, public URL, scopes, API version.

use secrecy::SecretString;

use super::{ConfigError, DEFAULT_SCOPES, Settings};

/// The app's identity on Shopify.
#[derive(Debug, Clone)]
pub struct ShopifyConfig {
    pub api_key: String,
    pub api_secret: SecretString,
    /// Base URL without a trailing slash, e.g. `https://concierge.example.com`.
    pub app_url: String,
    pub scopes: Vec<String>,
    pub api_version: String,
    /// `https://{shop}` in production; the simulator's address in tests and the demo.
    pub shop_url: String,
}

impl ShopifyConfig {
    /// The base URL of `shop`'s endpoints (admin API, OAuth).
    pub fn shop_base(&self, shop: &str) -> String {
        self.shop_url.replace("{shop}", shop)
    }

    /// The fixed credentials `concierge demo` and its simulator share (printed by demo).
    pub const DEMO_API_KEY: &str = "concierge-demo-api-key";
    pub const DEMO_API_SECRET: &str = "concierge-demo-api-secret";

    pub fn demo(app_url: String, shop_url: String) -> Self {
        Self {
            shop_url,
            api_key: Self::DEMO_API_KEY.into(),
            api_secret: SecretString::from(Self::DEMO_API_SECRET),
            app_url,
            scopes: DEFAULT_SCOPES.split(',').map(str::to_owned).collect(),
            api_version: "2026-10".into(),
        }
    }
}

/// Validates this concern's settings; the error names the first bad one.
pub(super) fn from_settings(s: &Settings) -> Result<Option<ShopifyConfig>, ConfigError> {
    let scopes: Vec<String> = s
        .scopes
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect();
    if scopes
        .iter()
        .any(|scope| !scope.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
    {
        return Err(ConfigError::new(
            "SCOPES",
            format!("expected comma-separated scopes, got {:?}", s.scopes),
        ));
    }
    let version = s.shopify_api_version.trim();
    let valid_version = version.len() == 7
        && version.as_bytes()[4] == b'-'
        && version[..4].chars().all(|c| c.is_ascii_digit())
        && matches!(&version[5..], "01" | "04" | "07" | "10");
    if !valid_version && version != "unstable" {
        return Err(ConfigError::new(
            "SHOPIFY_API_VERSION",
            format!("expected YYYY-01|04|07|10, got {version:?}"),
        ));
    }
    let shop_url = s.shopify_shop_url.trim().trim_end_matches('/').to_owned();
    if !shop_url.contains("{shop}")
        || !(shop_url.starts_with("https://") || shop_url.starts_with("http://"))
    {
        return Err(ConfigError::new(
            "SHOPIFY_SHOP_URL",
            format!("expected an http(s) URL containing {{shop}}, got {shop_url:?}"),
        ));
    }
    let present = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let (key, secret) = match (present(&s.shopify_api_key), present(&s.shopify_api_secret)) {
        (None, None) => return Ok(None),
        (Some(_), None) => {
            return Err(ConfigError::new(
                "SHOPIFY_API_SECRET",
                "SHOPIFY_API_KEY is set, so this is needed too",
            ));
        }
        (None, Some(_)) => {
            return Err(ConfigError::new(
                "SHOPIFY_API_KEY",
                "SHOPIFY_API_SECRET is set, so this is needed too",
            ));
        }
        (Some(k), Some(s)) => (k, s),
    };
    let app_url = present(&s.shopify_app_url)
        .ok_or_else(|| ConfigError::new("SHOPIFY_APP_URL", "needed with SHOPIFY_API_KEY"))?;
    if !(app_url.starts_with("https://") || app_url.starts_with("http://")) {
        return Err(ConfigError::new(
            "SHOPIFY_APP_URL",
            format!("expected an http(s) URL, got {app_url:?}"),
        ));
    }
    Ok(Some(ShopifyConfig {
        api_key: key,
        api_secret: SecretString::from(secret),
        app_url: app_url.trim_end_matches('/').to_owned(),
        shop_url,
        scopes,
        api_version: version.to_owned(),
    }))
}

/// `CONCIERGE_SHOPIFY_CDN_URL`: an http(s) origin (and optional path), kept without a trailing
/// slash; it goes into the App Home's script tags and Content-Security-Policy.
pub(super) fn cdn_url(s: &Settings) -> Result<String, ConfigError> {
    let url = s.shopify_cdn_url.trim().trim_end_matches('/');
    let valid = reqwest::Url::parse(url).is_ok_and(|u| {
        matches!(u.scheme(), "https" | "http")
            && u.host_str().is_some()
            && u.query().is_none()
            && u.username().is_empty()
    });
    if !valid || url.contains(['\'', '"', ';', ' ']) {
        return Err(ConfigError::new(
            "CONCIERGE_SHOPIFY_CDN_URL",
            format!("expected an http(s) URL such as https://cdn.shopify.com, got {url:?}"),
        ));
    }
    Ok(url.to_owned())
}
