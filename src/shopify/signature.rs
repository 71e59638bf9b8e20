//! The HMAC-SHA256 signatures Shopify puts on what it sends us. Every comparison is constant
//! time (`Mac::verify_slice`); every failure says what was wrong without revealing the
//! expected value.
//!
//! - OAuth callback (and other admin redirects): `hmac` = hex HMAC of the query without
//!   `hmac` and `signature`, keys sorted, each key and value percent-encoded (all but
//!   `A-Za-z0-9*-._`, space as `%20`), `k=v` joined with `&`; `timestamp` within 90 s.
//!   This encoding is what Shopify's own library signs, checked by the differential test.
//! - App proxy: `signature` = hex HMAC of the query without `signature`, keys sorted, `k=v`
//!   (values decoded, repeated values joined with `,`) concatenated with no separator;
//!   `timestamp` within 90 s. With no separator, a key holding `=` makes the message
//!   ambiguous (`a=b` + `c` and `a` + `b=c` both sign `a=b=c`): such keys are refused, as is a
//!   query without `path_prefix`, which Shopify always adds.
//! - Webhooks: `X-Shopify-Hmac-Sha256` = base64 HMAC of the raw body.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub type HmacSha256 = Hmac<Sha256>;

/// How far a signed timestamp may be from our clock, either way.
pub const TIMESTAMP_TOLERANCE_SECS: i64 = 90;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("missing {0}")]
    Missing(&'static str),
    #[error("{0} appears more than once")]
    Duplicated(String),
    #[error("parameter name {0:?} holds '=', which makes the signed text ambiguous")]
    AmbiguousKey(String),
    #[error("malformed {0}")]
    Malformed(&'static str),
    #[error("signature does not match")]
    Mismatch,
    #[error("timestamp is outside the {TIMESTAMP_TOLERANCE_SECS} s window")]
    Stale,
}

/// HMAC-SHA256 keyed with `key`: the one constructor every signature here and in the
/// session and visitor tokens uses.
pub fn hmac_sha256(key: &[u8]) -> HmacSha256 {
    // HMAC is defined for keys of any length (long ones are hashed, short ones padded), and
    // `new_from_slice` returns its error only for fixed-size-key MACs: it cannot fail here.
    <HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length")
}

/// Hex HMAC-SHA256 of `message`.
pub fn sign_hex(secret: &[u8], message: &[u8]) -> String {
    let mut m = hmac_sha256(secret);
    m.update(message);
    hex::encode(m.finalize().into_bytes())
}

/// Base64 HMAC-SHA256 of `message`.
pub fn sign_base64(secret: &[u8], message: &[u8]) -> String {
    let mut m = hmac_sha256(secret);
    m.update(message);
    BASE64.encode(m.finalize().into_bytes())
}

fn verify(secret: &[u8], message: &[u8], tag: &[u8]) -> Result<(), SignatureError> {
    let mut m = hmac_sha256(secret);
    m.update(message);
    m.verify_slice(tag).map_err(|_| SignatureError::Mismatch)
}

/// Verifies a hex HMAC of `message` (our own signatures, e.g. the OAuth state cookie).
pub fn verify_hex(secret: &[u8], message: &[u8], signature: &str) -> Result<(), SignatureError> {
    let tag = hex::decode(signature).map_err(|_| SignatureError::Malformed("signature"))?;
    verify(secret, message, &tag)
}

/// Verifies a webhook body against its `X-Shopify-Hmac-Sha256` header value.
pub fn verify_webhook(
    secret: &[u8],
    body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing("X-Shopify-Hmac-Sha256"))?;
    let tag = BASE64
        .decode(header.trim())
        .map_err(|_| SignatureError::Malformed("X-Shopify-Hmac-Sha256"))?;
    verify(secret, body, &tag)
}

/// A query string's parameters, decoded, in order of appearance.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

fn single<'a>(
    params: &'a [(String, String)],
    key: &'static str,
) -> Result<&'a str, SignatureError> {
    let mut values = params.iter().filter(|(k, _)| k == key);
    let first = values.next().ok_or(SignatureError::Missing(key))?;
    if values.next().is_some() {
        return Err(SignatureError::Duplicated(key.to_owned()));
    }
    Ok(&first.1)
}

fn check_timestamp(params: &[(String, String)], now: i64) -> Result<(), SignatureError> {
    let timestamp: i64 = single(params, "timestamp")?
        .parse()
        .map_err(|_| SignatureError::Malformed("timestamp"))?;
    if (now - timestamp).abs() > TIMESTAMP_TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    Ok(())
}

fn decode_hex_tag(value: &str, name: &'static str) -> Result<Vec<u8>, SignatureError> {
    hex::decode(value).map_err(|_| SignatureError::Malformed(name))
}

/// The message Shopify signs for admin redirects (OAuth callback).
pub fn oauth_message(params: &[(String, String)]) -> String {
    let mut rest: Vec<&(String, String)> = params
        .iter()
        .filter(|(k, _)| k != "hmac" && k != "signature")
        .collect();
    rest.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = String::new();
    for (i, (k, v)) in rest.into_iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        percent_encode(k, &mut out);
        out.push('=');
        percent_encode(v, &mut out);
    }
    out
}

/// `encodeURIComponent` as URLSearchParams applies it: all but `A-Za-z0-9*-._` as `%XX`.
fn percent_encode(text: &str, out: &mut String) {
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(byte))
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
}

/// Verifies an OAuth callback query (`hmac`, `timestamp`); every parameter must be single.
pub fn verify_oauth_query(
    secret: &[u8],
    query: &str,
    now: i64,
) -> Result<Vec<(String, String)>, SignatureError> {
    let params = parse_query(query);
    for (i, (k, _)) in params.iter().enumerate() {
        if params[..i].iter().any(|(seen, _)| seen == k) {
            return Err(SignatureError::Duplicated(k.clone()));
        }
    }
    let tag = decode_hex_tag(single(&params, "hmac")?, "hmac")?;
    verify(secret, oauth_message(&params).as_bytes(), &tag)?;
    check_timestamp(&params, now)?;
    Ok(params)
}

/// The message Shopify signs for app-proxy requests.
pub fn app_proxy_message(params: &[(String, String)]) -> String {
    let mut keys: Vec<&str> = params
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| *k != "signature")
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys.iter()
        .map(|key| {
            let values: Vec<&str> = params
                .iter()
                .filter(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
                .collect();
            format!("{key}={}", values.join(","))
        })
        .collect()
}

/// Verifies an app-proxy query (`signature`, `timestamp`, `path_prefix`). The parameters
/// Shopify controls must appear once: a second `logged_in_customer_id` would otherwise sign
/// as `"a,b"` while a careless reader took the first. No key may hold `=` (see the module
/// docs).
pub fn verify_app_proxy(
    secret: &[u8],
    query: &str,
    now: i64,
) -> Result<Vec<(String, String)>, SignatureError> {
    let params = parse_query(query);
    if let Some((key, _)) = params.iter().find(|(k, _)| k.contains('=')) {
        return Err(SignatureError::AmbiguousKey(key.chars().take(60).collect()));
    }
    for key in [
        "shop",
        "logged_in_customer_id",
        "path_prefix",
        "timestamp",
        "signature",
    ] {
        if params.iter().filter(|(k, _)| k == key).count() > 1 {
            return Err(SignatureError::Duplicated(key.to_owned()));
        }
    }
    let tag = decode_hex_tag(single(&params, "signature")?, "signature")?;
    verify(secret, app_proxy_message(&params).as_bytes(), &tag)?;
    check_timestamp(&params, now)?;
    single(&params, "path_prefix")?;
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"hush";

    fn signed_oauth(now: i64) -> String {
        let params = vec![
            (
                "code".to_owned(),
                "0907a61c0c8d55e99db179b68161bc00".to_owned(),
            ),
            ("shop".to_owned(), "some-shop.myshopify.com".to_owned()),
            ("state".to_owned(), "0.6784241404160823".to_owned()),
            ("timestamp".to_owned(), now.to_string()),
        ];
        let hmac = sign_hex(SECRET, oauth_message(&params).as_bytes());
        format!("{}&hmac={hmac}", oauth_message(&params))
    }

    #[test]
    fn oauth_query_good_flipped_missing_stale_duplicated() {
        let now = 1_700_000_000;
        let query = signed_oauth(now);
        assert!(verify_oauth_query(SECRET, &query, now).is_ok());
        assert!(verify_oauth_query(SECRET, &query, now + 90).is_ok());
        assert_eq!(
            verify_oauth_query(SECRET, &query, now + 91),
            Err(SignatureError::Stale)
        );
        // Replayed after the window: stale.
        assert_eq!(
            verify_oauth_query(SECRET, &query, now + 3600),
            Err(SignatureError::Stale)
        );
        let flipped = query.replacen("code=0", "code=1", 1);
        assert_eq!(
            verify_oauth_query(SECRET, &flipped, now),
            Err(SignatureError::Mismatch)
        );
        let without: String = query
            .split('&')
            .filter(|p| !p.starts_with("hmac="))
            .collect::<Vec<_>>()
            .join("&");
        assert_eq!(
            verify_oauth_query(SECRET, &without, now),
            Err(SignatureError::Missing("hmac"))
        );
        let twice = format!("{query}&shop=evil.myshopify.com");
        assert!(matches!(
            verify_oauth_query(SECRET, &twice, now),
            Err(SignatureError::Duplicated(_))
        ));
        assert_eq!(
            verify_oauth_query(b"other", &query, now),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn app_proxy_signature_joins_repeated_values_and_rejects_duplicated_identity() {
        let now = 1_700_000_000;
        let params: Vec<(String, String)> = [
            ("extra", "1"),
            ("extra", "2"),
            ("logged_in_customer_id", "42"),
            ("path_prefix", "/apps/concierge"),
            ("shop", "some-shop.myshopify.com"),
            ("timestamp", &now.to_string()),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        assert_eq!(
            app_proxy_message(&params),
            format!(
                "extra=1,2logged_in_customer_id=42path_prefix=/apps/conciergeshop=some-shop.myshopify.comtimestamp={now}"
            )
        );
        let signature = sign_hex(SECRET, app_proxy_message(&params).as_bytes());
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &params {
            query.append_pair(k, v);
        }
        let query = format!("{}&signature={signature}", query.finish());
        assert!(verify_app_proxy(SECRET, &query, now).is_ok());
        assert_eq!(
            verify_app_proxy(SECRET, &query, now + 91),
            Err(SignatureError::Stale)
        );
        let spoofed = query.replace("logged_in_customer_id=42", "logged_in_customer_id=43");
        assert_eq!(
            verify_app_proxy(SECRET, &spoofed, now),
            Err(SignatureError::Mismatch)
        );
        let doubled = format!("{query}&logged_in_customer_id=43");
        assert_eq!(
            verify_app_proxy(SECRET, &doubled, now),
            Err(SignatureError::Duplicated("logged_in_customer_id".into()))
        );
    }

    #[test]
    fn app_proxy_keys_holding_equals_and_queries_without_path_prefix_are_refused() {
        let now = 1_700_000_000;
        let signed = |params: &[(&str, &str)]| {
            let signature = sign_hex(SECRET, app_proxy_message(&owned(params)).as_bytes());
            let mut query = form_urlencoded::Serializer::new(String::new());
            for (k, v) in params {
                query.append_pair(k, v);
            }
            query.append_pair("signature", &signature);
            query.finish()
        };
        let ts = now.to_string();
        let base = [
            ("path_prefix", "/apps/concierge"),
            ("shop", "some-shop.myshopify.com"),
            ("timestamp", ts.as_str()),
        ];
        assert!(verify_app_proxy(SECRET, &signed(&base), now).is_ok());
        // Two different queries, one signed text.
        let split_key = [&base[..], &[("x=y", "z")]].concat();
        let split_value = [&base[..], &[("x", "y=z")]].concat();
        assert_eq!(
            app_proxy_message(&owned(&split_key)),
            app_proxy_message(&owned(&split_value))
        );
        assert_eq!(
            verify_app_proxy(SECRET, &signed(&split_key), now),
            Err(SignatureError::AmbiguousKey("x=y".into()))
        );
        assert!(verify_app_proxy(SECRET, &signed(&split_value), now).is_ok());
        assert_eq!(
            verify_app_proxy(SECRET, &signed(&base[1..]), now),
            Err(SignatureError::Missing("path_prefix"))
        );
    }

    fn owned(params: &[(&str, &str)]) -> Vec<(String, String)> {
        params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn webhook_hmac_is_over_the_raw_body() {
        let body = br#"{"id":1}"#;
        let header = sign_base64(SECRET, body);
        assert!(verify_webhook(SECRET, body, Some(&header)).is_ok());
        assert_eq!(
            verify_webhook(SECRET, b"{\"id\":2}", Some(&header)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_webhook(SECRET, body, None),
            Err(SignatureError::Missing("X-Shopify-Hmac-Sha256"))
        );
        assert_eq!(
            verify_webhook(SECRET, body, Some("***")),
            Err(SignatureError::Malformed("X-Shopify-Hmac-Sha256"))
        );
    }
}

/// Properties over generated queries: a query signed as Shopify signs it verifies, any changed
/// value does not, and no input makes the parsers panic.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    const SECRET: &[u8] = b"hush";
    const NOW: i64 = 1_780_000_000;

    fn query(params: &[(String, String)]) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in params {
            query.append_pair(k, v);
        }
        query.finish()
    }

    proptest! {
        #[test]
        fn a_signed_app_proxy_query_verifies_and_a_changed_value_does_not(
            shop in "[a-z][a-z0-9-]{0,20}",
            customer in "[0-9]{0,12}",
            extra in proptest::collection::vec(("[a-z_]{1,8}", "\\PC{0,16}"), 0..4),
            tampered in any::<prop::sample::Index>(),
        ) {
            let mut params = vec![
                ("shop".to_owned(), format!("{shop}.myshopify.com")),
                ("logged_in_customer_id".to_owned(), customer),
                ("path_prefix".to_owned(), "/apps/concierge".to_owned()),
                ("timestamp".to_owned(), NOW.to_string()),
            ];
            params.extend(extra.into_iter().map(|(k, v)| (format!("x_{k}"), v)));
            let signature = sign_hex(SECRET, app_proxy_message(&params).as_bytes());
            let mut signed = params.clone();
            signed.push(("signature".to_owned(), signature.clone()));
            prop_assert!(verify_app_proxy(SECRET, &query(&signed), NOW).is_ok());

            let i = tampered.index(params.len());
            params[i].1.push('x');
            params.push(("signature".to_owned(), signature));
            prop_assert!(verify_app_proxy(SECRET, &query(&params), NOW).is_err());
        }

        #[test]
        fn any_query_is_parsed_and_refused_without_panicking(text in "\\PC{0,300}") {
            let _ = parse_query(&text);
            prop_assert!(verify_app_proxy(SECRET, &text, NOW).is_err());
            prop_assert!(verify_oauth_query(SECRET, &text, NOW).is_err());
        }
    }
}
