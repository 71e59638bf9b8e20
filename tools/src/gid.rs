//! Shopify's global ids (`gid://shopify/ProductVariant/45100000000001`), read strictly: an id
//! the model writes reaches a query only in this shape.

/// The digits of a gid (`gid://shopify/Customer/7001` → `7001`), or of bare digits.
pub fn gid_digits(id: &str) -> Option<&str> {
    let tail = id.rsplit('/').next()?;
    let tail = tail.split('?').next()?;
    (!tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit())).then_some(tail)
}

/// `id` as a gid of `kind`, accepting the gid itself or its digits.
pub fn as_gid(kind: &str, id: &str) -> Option<String> {
    let id = id.trim();
    let prefix = format!("gid://shopify/{kind}/");
    let digits = match id.strip_prefix(&prefix) {
        Some(rest) => rest,
        None if id.bytes().all(|b| b.is_ascii_digit()) => id,
        None => return None,
    };
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("{prefix}{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gids_are_read_strictly() {
        assert_eq!(gid_digits("gid://shopify/Customer/7001"), Some("7001"));
        assert_eq!(gid_digits("7001"), Some("7001"));
        assert_eq!(gid_digits("gid://shopify/Customer/"), None);
        assert_eq!(gid_digits("gid://shopify/Customer/70a1"), None);
        assert_eq!(
            as_gid("ProductVariant", "45100000000001").as_deref(),
            Some("gid://shopify/ProductVariant/45100000000001")
        );
        assert_eq!(
            as_gid("ProductVariant", " gid://shopify/ProductVariant/4 ").as_deref(),
            Some("gid://shopify/ProductVariant/4")
        );
        assert_eq!(as_gid("ProductVariant", "gid://shopify/Product/4"), None);
        assert_eq!(as_gid("ProductVariant", "4; drop"), None);
        assert_eq!(as_gid("ProductVariant", ""), None);
    }
}
