//! `ShopDomain`: a shop's permanent `*.myshopify.com` domain, Shopify's identity for it.

use std::fmt;

/// A validated `<name>.myshopify.com` domain, lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct ShopDomain(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a shop domain (expected <name>.myshopify.com): {0:?}")]
pub struct InvalidShopDomain(pub String);

impl ShopDomain {
    /// Accepts `^[a-zA-Z0-9][a-zA-Z0-9-_]*\.myshopify\.com$`, as Shopify documents it.
    pub fn parse(raw: &str) -> Result<Self, InvalidShopDomain> {
        let invalid = || InvalidShopDomain(raw.chars().take(100).collect());
        let name = raw.strip_suffix(".myshopify.com").ok_or_else(invalid)?;
        let mut chars = name.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
        let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !first_ok || !rest_ok || raw.len() > 255 {
            return Err(invalid());
        }
        Ok(Self(raw.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ShopDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::ShopDomain;

    #[test]
    fn accepts_myshopify_domains_only() {
        assert_eq!(
            ShopDomain::parse("Demo-Store_1.myshopify.com")
                .unwrap()
                .as_str(),
            "demo-store_1.myshopify.com"
        );
        for bad in [
            "",
            ".myshopify.com",
            "-x.myshopify.com",
            "shop.example.com",
            "evil.com/.myshopify.com",
            "a.b.myshopify.com",
            "shop.myshopify.com.evil.com",
            "shop.myshopify.com\n",
            "sh op.myshopify.com",
        ] {
            assert!(ShopDomain::parse(bad).is_err(), "{bad:?}");
        }
    }
}
