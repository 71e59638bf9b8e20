//! Encryption at rest for shop credentials: AES-256-GCM with a random 96-bit nonce per
//! message, sealed as `nonce || ciphertext || tag`. The associated data binds a ciphertext
//! to its shop and field, so a value copied into another shop's row, or into another
//! column, does not decrypt.
//!
//! Keys rotate without downtime: `CONCIERGE_ENCRYPTION_KEYS` lists `id:key` pairs, newest
//! first. New values are sealed with the first; any listed key opens what it sealed. Access
//! tokens are refreshed hourly and each refresh re-seals with the newest key, so an old key
//! can be dropped from the list once a refresh period has passed.

use aes_gcm::aead::{Aead, Generate, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};

const NONCE_LEN: usize = 12;

/// The keys credentials are sealed with; the first seals, all open.
#[derive(Clone)]
pub struct Keyring {
    keys: Vec<(String, Aes256Gcm)>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("Keyring")
            .field("key_ids", &ids)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("sealed with key {0:?}, which is no longer configured")]
    UnknownKey(String),
    #[error("ciphertext does not open: tampered, or sealed for another shop or field")]
    Corrupt,
}

/// Why a key list does not parse; the configuration names the setting it came from.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyringError {
    #[error("expected id:base64key entries, newest first")]
    Format,
    #[error("key id {0:?} must be letters, digits, - or _")]
    BadId(String),
    #[error("key {0:?} is not base64")]
    NotBase64(String),
    #[error("key {id:?} must be 32 bytes, got {len}")]
    Length { id: String, len: usize },
    #[error("key id {0:?} appears twice")]
    Duplicate(String),
    #[error("no key given")]
    Empty,
}

/// A sealed value and the id of the key that sealed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    pub blob: Vec<u8>,
}

impl Keyring {
    /// Parses `id:base64key,id:base64key` (newest first); keys are 32 bytes.
    pub fn parse(raw: &SecretString) -> Result<Self, KeyringError> {
        let mut keys = Vec::new();
        for entry in raw
            .expose_secret()
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let (id, key) = entry.split_once(':').ok_or(KeyringError::Format)?;
            if id.is_empty()
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(KeyringError::BadId(id.to_owned()));
            }
            let bytes = STANDARD
                .decode(key)
                .map_err(|_| KeyringError::NotBase64(id.to_owned()))?;
            let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| KeyringError::Length {
                id: id.to_owned(),
                len: bytes.len(),
            })?;
            if keys.iter().any(|(existing, _)| existing == id) {
                return Err(KeyringError::Duplicate(id.to_owned()));
            }
            keys.push((id.to_owned(), cipher));
        }
        if keys.is_empty() {
            return Err(KeyringError::Empty);
        }
        Ok(Self { keys })
    }

    /// A new random key in the `id:base64key` form `parse` reads.
    pub fn generate_entry(id: &str) -> String {
        let key = aes_gcm::Key::<Aes256Gcm>::generate();
        format!("{id}:{}", STANDARD.encode(key))
    }

    /// Seals `plaintext` with the newest key, bound to `context` (e.g. shop and field).
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Sealed {
        let (id, cipher) = &self.keys[0];
        let nonce = Nonce::generate();
        // Encryption fails only past GCM's size limit (64 GiB), far beyond any token.
        let ciphertext = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: context,
                },
            )
            .unwrap_or_default();
        let mut blob = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&ciphertext);
        Sealed {
            key_id: id.clone(),
            blob,
        }
    }

    /// Opens what [`Keyring::seal`] sealed with the same `context`.
    pub fn open(
        &self,
        key_id: &str,
        blob: &[u8],
        context: &[u8],
    ) -> Result<SecretString, CryptoError> {
        let cipher = self
            .keys
            .iter()
            .find(|(id, _)| id == key_id)
            .map(|(_, c)| c)
            .ok_or_else(|| CryptoError::UnknownKey(key_id.to_owned()))?;
        if blob.len() < NONCE_LEN {
            return Err(CryptoError::Corrupt);
        }
        let (nonce, ciphertext) = blob.split_at(NONCE_LEN);
        let nonce = Nonce::try_from(nonce).map_err(|_| CryptoError::Corrupt)?;
        let plaintext = cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: context,
                },
            )
            .map_err(|_| CryptoError::Corrupt)?;
        String::from_utf8(plaintext)
            .map(SecretString::from)
            .map_err(|_| CryptoError::Corrupt)
    }

    /// The id of the key new values are sealed with.
    pub fn current_key_id(&self) -> &str {
        &self.keys[0].0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(entries: &[String]) -> Keyring {
        Keyring::parse(&SecretString::from(entries.join(","))).unwrap()
    }

    #[test]
    fn seals_open_only_with_the_same_key_and_context() {
        let k1 = Keyring::generate_entry("k1");
        let old = ring(std::slice::from_ref(&k1));
        let sealed = old.seal(b"shpat_secret", b"shop-a.myshopify.com/access_token");
        assert_eq!(sealed.key_id, "k1");
        assert!(
            !sealed.blob.windows(6).any(|w| w == b"shpat_"),
            "plaintext visible"
        );
        let opened = old
            .open("k1", &sealed.blob, b"shop-a.myshopify.com/access_token")
            .unwrap();
        assert_eq!(opened.expose_secret(), "shpat_secret");

        // Another shop's row, or another field: refused.
        assert_eq!(
            old.open("k1", &sealed.blob, b"shop-b.myshopify.com/access_token")
                .unwrap_err(),
            CryptoError::Corrupt
        );
        let mut tampered = sealed.blob.clone();
        tampered[20] ^= 1;
        assert_eq!(
            old.open("k1", &tampered, b"shop-a.myshopify.com/access_token")
                .unwrap_err(),
            CryptoError::Corrupt
        );
        assert_eq!(
            old.open("k1", &[1, 2, 3], b"x").unwrap_err(),
            CryptoError::Corrupt
        );

        // Rotation: the new ring seals with k2 and still opens k1's values.
        let rotated = ring(&[Keyring::generate_entry("k2"), k1]);
        assert!(
            rotated
                .open("k1", &sealed.blob, b"shop-a.myshopify.com/access_token")
                .is_ok()
        );
        assert_eq!(rotated.seal(b"x", b"y").key_id, "k2");
        assert_eq!(
            old.open("k2", &rotated.seal(b"x", b"y").blob, b"y")
                .unwrap_err(),
            CryptoError::UnknownKey("k2".into())
        );
    }

    #[test]
    fn bad_key_lists_say_what_is_wrong() {
        let twice = Keyring::generate_entry("k");
        for (bad, expected) in [
            ("", KeyringError::Empty),
            ("k1", KeyringError::Format),
            ("k1:notbase64!", KeyringError::NotBase64("k1".into())),
            (
                "k1:AAAA",
                KeyringError::Length {
                    id: "k1".into(),
                    len: 3,
                },
            ),
            ("bad id:AAAA", KeyringError::BadId("bad id".into())),
            (
                &format!("{twice},{twice}"),
                KeyringError::Duplicate("k".into()),
            ),
        ] {
            let err = Keyring::parse(&SecretString::from(bad.to_owned())).unwrap_err();
            assert_eq!(err, expected, "{bad}");
        }
        let entry = Keyring::generate_entry("k1");
        let key = entry.split_once(':').unwrap().1.to_owned();
        let debug = format!("{:?}", ring(&[entry]));
        assert!(debug.contains("k1") && !debug.contains(&key), "{debug}");
    }
}
