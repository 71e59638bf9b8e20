//! The link in an agent's mailed reply that reopens the conversation in the storefront's
//! widget, on whatever device the shopper reads the mail.
//!
//! The conversation belongs to the anonymous visitor that started it, on one browser; the
//! mail is read anywhere. So the link carries `?concierge_conversation=<token>`, where the
//! token is `<conversation id>.<expiry>.<HMAC>` keyed with a key derived from the app secret
//! for this one purpose and bound to the shop. Only the server can make one; whoever holds a
//! valid one (the mail's recipient) is granted the conversation by the widget's session
//! (`GET /proxy/session?resume=`). A bare id, another shop's token, an expired or altered one
//! grants nothing.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;
use uuid::Uuid;

use crate::shopify::ShopDomain;
use crate::shopify::signature::{HmacSha256, hmac_sha256};

/// How long a mailed link reopens its conversation.
pub const RESUME_TTL_SECS: i64 = 30 * 24 * 60 * 60;

/// The MAC of `shop`'s conversation `id` until `expires`.
fn mac(app_secret: &[u8], shop: &ShopDomain, id: Uuid, expires: i64) -> HmacSha256 {
    let mut key = hmac_sha256(app_secret);
    key.update(b"concierge resume link v1");
    let mut mac = hmac_sha256(&key.finalize().into_bytes());
    mac.update(format!("{}\n{id}\n{expires}", shop.as_str()).as_bytes());
    mac
}

/// A token reopening `shop`'s conversation `id`, valid for [`RESUME_TTL_SECS`] from `now`.
pub fn resume_token(app_secret: &[u8], shop: &ShopDomain, id: Uuid, now: i64) -> String {
    let expires = now + RESUME_TTL_SECS;
    let signature = mac(app_secret, shop, id, expires).finalize().into_bytes();
    format!("{id}.{expires}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// The conversation a resume token of `shop` names, if the server made it and it is unexpired.
pub fn verify_resume(app_secret: &[u8], shop: &ShopDomain, token: &str, now: i64) -> Option<Uuid> {
    let mut parts = token.splitn(3, '.');
    let id = Uuid::parse_str(parts.next()?).ok()?;
    let expires: i64 = parts.next()?.parse().ok()?;
    let signature = URL_SAFE_NO_PAD.decode(parts.next()?).ok()?;
    if expires < now {
        return None;
    }
    mac(app_secret, shop, id, expires)
        .verify_slice(&signature)
        .ok()
        .map(|()| id)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"app secret";

    fn shop(name: &str) -> ShopDomain {
        ShopDomain::parse(name).unwrap()
    }

    #[test]
    fn only_an_unaltered_unexpired_token_of_the_same_shop_names_its_conversation() {
        let (demo, id, now) = (shop("demo.myshopify.com"), Uuid::new_v4(), 1_800_000_000);
        let token = resume_token(SECRET, &demo, id, now);
        assert!(token.starts_with(&id.to_string()));
        assert_eq!(verify_resume(SECRET, &demo, &token, now + 60), Some(id));
        // Expired, another shop, another secret, a bare id, another conversation's id.
        assert_eq!(
            verify_resume(SECRET, &demo, &token, now + RESUME_TTL_SECS + 1),
            None
        );
        assert_eq!(
            verify_resume(SECRET, &shop("other.myshopify.com"), &token, now),
            None
        );
        assert_eq!(verify_resume(b"another", &demo, &token, now), None);
        assert_eq!(verify_resume(SECRET, &demo, &id.to_string(), now), None);
        let other = token.replacen(&id.to_string(), &Uuid::new_v4().to_string(), 1);
        assert_eq!(verify_resume(SECRET, &demo, &other, now), None);
        // A later expiry, or any changed signature character.
        let later = token.replacen(
            &format!(".{}.", now + RESUME_TTL_SECS),
            &format!(".{}.", now + 2 * RESUME_TTL_SECS),
            1,
        );
        assert_eq!(verify_resume(SECRET, &demo, &later, now), None);
        let (signed, signature) = token.rsplit_once('.').unwrap();
        let flipped = if signature.starts_with('A') { "B" } else { "A" };
        let altered = format!("{signed}.{flipped}{}", &signature[1..]);
        assert_eq!(verify_resume(SECRET, &demo, &altered, now), None);
    }
}
