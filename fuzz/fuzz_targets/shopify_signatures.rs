//! What Shopify signs, as an attacker can send it: app-proxy and OAuth queries, webhook bodies
//! with their HMAC header, and App Bridge session tokens (JWT). The first byte picks the
//! parser; the rest is the input.
//!
//! Properties: nothing panics; whatever a query holds, signing it the way Shopify does makes
//! the signature match (what we sign is what we check), and a changed value then fails;
//! a verified query has the single `path_prefix` and `=`-free keys the checker promises; a
//! webhook body verifies under its own HMAC and not once changed; a session token minted for
//! any shop name verifies exactly when the name is a valid shop domain, and not once changed.

#![no_main]

use concierge_fuzz::shopify::ShopDomain;
use concierge_fuzz::shopify::hs256::{self as session_token, Claims};
use concierge_fuzz::shopify::signature::{
    SignatureError, app_proxy_message, oauth_message, parse_query, sign_base64, sign_hex,
    verify_app_proxy, verify_oauth_query, verify_webhook,
};
use libfuzzer_sys::fuzz_target;

const SECRET: &[u8] = b"fuzz-secret";
const API_KEY: &str = "fuzz-api-key";
const NOW: i64 = 1_780_000_000;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    match mode % 4 {
        0 => app_proxy(&text),
        1 => oauth(&text),
        2 => webhook(rest, &text),
        _ => session(&text),
    }
});

/// `k=v&` for each pair, percent-encoded (what a browser or Shopify sends), ready for the
/// signature to be appended.
fn serialize(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}&", encode(k), encode(v)))
        .collect()
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn app_proxy(query: &str) {
    if let Ok(params) = verify_app_proxy(SECRET, query, NOW) {
        assert_verified_app_proxy(&params);
    }
    // Signed as Shopify signs it, the same parameters must not fail on the signature.
    let params: Vec<(String, String)> = parse_query(query)
        .into_iter()
        .filter(|(k, _)| k != "signature")
        .collect();
    let signature = sign_hex(SECRET, app_proxy_message(&params).as_bytes());
    let signed = format!("{}signature={signature}", serialize(&params));
    let verdict = verify_app_proxy(SECRET, &signed, NOW);
    assert_ne!(verdict, Err(SignatureError::Mismatch), "{signed:?}");
    assert_ne!(verdict, Err(SignatureError::Malformed("signature")));
    if let Ok(verified) = &verdict {
        assert_verified_app_proxy(verified);
        // One changed value, and the signature no longer holds.
        if let Some(i) = params.iter().position(|(k, _)| k != "timestamp") {
            let mut changed = params.clone();
            changed[i].1.push('x');
            let tampered = format!("{}signature={signature}", serialize(&changed));
            assert!(
                verify_app_proxy(SECRET, &tampered, NOW).is_err(),
                "{tampered:?}"
            );
        }
    }
}

fn assert_verified_app_proxy(params: &[(String, String)]) {
    assert!(params.iter().all(|(k, _)| !k.contains('=')));
    for key in ["path_prefix", "timestamp", "signature"] {
        assert_eq!(params.iter().filter(|(k, _)| k == key).count(), 1, "{key}");
    }
}

fn oauth(query: &str) {
    if let Ok(params) = verify_oauth_query(SECRET, query, NOW) {
        // Hex in either case names the same MAC.
        let hmac = params.iter().find(|(k, _)| k == "hmac").map(|(_, v)| v);
        assert_eq!(
            hmac.map(|h| h.to_ascii_lowercase()),
            Some(sign_hex(SECRET, oauth_message(&params).as_bytes()))
        );
    }
    let params: Vec<(String, String)> = parse_query(query)
        .into_iter()
        .filter(|(k, _)| k != "hmac" && k != "signature")
        .collect();
    let hmac = sign_hex(SECRET, oauth_message(&params).as_bytes());
    let signed = format!("{}hmac={hmac}", serialize(&params));
    let verdict = verify_oauth_query(SECRET, &signed, NOW);
    assert_ne!(verdict, Err(SignatureError::Mismatch), "{signed:?}");
    assert_ne!(verdict, Err(SignatureError::Malformed("hmac")));
    if verdict.is_ok()
        && let Some(i) = params.iter().position(|(k, _)| k != "timestamp")
    {
        let mut changed = params.clone();
        changed[i].1.push('x');
        let tampered = format!("{}hmac={hmac}", serialize(&changed));
        assert!(verify_oauth_query(SECRET, &tampered, NOW).is_err());
    }
}

fn webhook(body: &[u8], as_header: &str) {
    // Any header text: refused (an HMAC cannot be guessed), never a panic.
    let _ = verify_webhook(SECRET, body, Some(as_header));
    let header = sign_base64(SECRET, body);
    assert_eq!(verify_webhook(SECRET, body, Some(&header)), Ok(()));
    let mut changed = body.to_vec();
    match changed.first_mut() {
        Some(first) => *first ^= 1,
        None => changed.push(b' '),
    }
    assert_eq!(
        verify_webhook(SECRET, &changed, Some(&header)),
        Err(SignatureError::Mismatch)
    );
}

fn session(text: &str) {
    // As a token: refused or verified, never a panic; a verified one names a valid shop.
    if let Ok(token) = session_token::verify(SECRET, API_KEY, text, NOW) {
        assert_eq!(token.claims.aud, API_KEY);
        assert!(ShopDomain::parse(token.shop.as_str()).is_ok());
    }
    let _ = session_token::open::<serde_json::Value>(SECRET, text);
    // As the parts of a genuine token: it verifies exactly when the shop is valid.
    let shop = format!(
        "{}.myshopify.com",
        text.split('.').next().unwrap_or_default()
    );
    let dest = format!("https://{shop}");
    let claims = Claims {
        iss: format!("{dest}/admin"),
        dest,
        aud: API_KEY.to_owned(),
        sub: text.to_owned(),
        exp: NOW + 60,
        nbf: NOW - 5,
        iat: NOW - 5,
        jti: text.to_owned(),
        sid: text.to_owned(),
    };
    let token = session_token::mint(SECRET, &claims);
    let verdict = session_token::verify(SECRET, API_KEY, &token, NOW);
    match ShopDomain::parse(&shop) {
        Ok(expected) => {
            let verified = verdict.expect("a genuine token for a valid shop");
            assert_eq!(verified.shop, expected);
            assert_eq!(verified.claims, claims);
        }
        Err(_) => assert_eq!(
            verdict.err(),
            Some(session_token::SessionTokenError::Destination)
        ),
    }
    // Any one character of it changed: refused.
    let at = text.len() % token.len();
    let mut changed: Vec<u8> = token.clone().into_bytes();
    changed[at] = if changed[at] == b'A' { b'B' } else { b'A' };
    if let Ok(changed) = String::from_utf8(changed)
        && changed != token
    {
        assert!(session_token::verify(SECRET, API_KEY, &changed, NOW).is_err());
    }
}
