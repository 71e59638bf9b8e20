//! Differential test: our signature checks and Shopify's own JavaScript library
//! (`@shopify/shopify-api`, run by `tests/shopify-js/verify.mjs`) must give the same verdict
//! on the same randomized inputs, valid and tampered.
//!
//! Where the library and Shopify's documentation differ, inputs stay where both agree, and
//! the difference is noted: the library also ignores an `hmac` parameter in app-proxy
//! queries and does not check a session token's `iss`/`dest` (we do, as the docs ask);
//! its clock tolerance for tokens is 10 s (ours 5 s), so generated times avoid that band.

use std::process::Stdio;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use concierge::shopify::session_token::{self, Claims};
use concierge::shopify::signature::{
    app_proxy_message, oauth_message, sign_base64, sign_hex, verify_app_proxy, verify_oauth_query,
    verify_webhook,
};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout};

const CASES: usize = 250;

/// splitmix64: small, seedable, good enough to draw test inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn key(&mut self) -> String {
        (0..1 + self.below(8))
            .map(|_| char::from(b'a' + self.below(26) as u8))
            .collect()
    }
    fn value(&mut self) -> String {
        const PIECES: &[&str] = &[
            "a", "Z", "0", "9", " ", "/", "~", "+", "&", "=", "%", "é", "ß", "中", "😀", "-", ".",
            "_", "*", "'", "\"", "?", "#", ",",
        ];
        (0..self.below(12)).map(|_| *self.pick(PIECES)).collect()
    }
    fn secret(&mut self) -> String {
        (0..8 + self.below(40))
            .map(|_| char::from(b'!' + self.below(94) as u8))
            .collect()
    }
    fn shop(&mut self) -> String {
        format!("{}-{}.myshopify.com", self.key(), self.below(1000))
    }
}

struct Oracle {
    _child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Oracle {
    fn start() -> Self {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/shopify-js/verify.mjs");
        let mut child = tokio::process::Command::new("node")
            .arg(script)
            .env("LC_ALL", "C")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node (installed by scripts/setup with tests/shopify-js)");
        let stdin = child.stdin.take().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Self {
            _child: child,
            stdin,
            lines,
        }
    }

    async fn ask(&mut self, request: Value) -> Value {
        let mut line = serde_json::to_vec(&request).unwrap();
        line.push(b'\n');
        self.stdin.write_all(&line).await.unwrap();
        self.stdin.flush().await.unwrap();
        let answer = self
            .lines
            .next_line()
            .await
            .unwrap()
            .expect("an answer per request");
        let answer: Value = serde_json::from_str(&answer).unwrap();
        assert!(
            answer.get("error").is_none() || answer.get("ok").is_some(),
            "oracle refused {request}: {answer}"
        );
        answer
    }

    async fn verdict(&mut self, request: Value) -> bool {
        let answer = self.ask(request.clone()).await;
        answer["ok"]
            .as_bool()
            .unwrap_or_else(|| panic!("no verdict for {request}: {answer}"))
    }
}

/// Both verdicts on one input, and how many inputs each way (both outcomes must be common,
/// or the test proves little).
#[derive(Default)]
struct Tally {
    accepted: usize,
    refused: usize,
}

impl Tally {
    fn record(&mut self, ours: bool, theirs: bool, input: impl std::fmt::Display) {
        assert_eq!(ours, theirs, "verdicts differ on {input}");
        if ours {
            self.accepted += 1;
        } else {
            self.refused += 1;
        }
    }

    fn check(&self, at_least: usize) {
        assert!(
            self.accepted > at_least && self.refused > at_least,
            "{} accepted, {} refused",
            self.accepted,
            self.refused
        );
    }
}

fn seed() -> u64 {
    let seed = std::env::var("DIFFERENTIAL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| chrono::Utc::now().timestamp_nanos_opt().unwrap_or(1) as u64);
    eprintln!("differential seed: {seed} (set DIFFERENTIAL_SEED to replay)");
    seed
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A timestamp clearly inside or clearly outside the 90 s window.
fn timestamp(rng: &mut Rng) -> i64 {
    let offset = if rng.chance(75) {
        rng.below(60) as i64
    } else {
        120 + rng.below(3600) as i64
    };
    if rng.chance(50) {
        now() - offset
    } else {
        now() + offset
    }
}

fn encode_query(params: &[(String, String)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        query.append_pair(k, v);
    }
    query.finish()
}

/// One of the ways a signed message gets tampered with, or none.
fn tamper_hex(rng: &mut Rng, signature: &str) -> String {
    let mut bytes = signature.as_bytes().to_vec();
    let i = rng.below(bytes.len());
    bytes[i] = if bytes[i] == b'0' { b'1' } else { b'0' };
    String::from_utf8(bytes).unwrap()
}

#[tokio::test]
async fn hmac_primitives_match_the_library() {
    let mut rng = Rng(seed());
    let mut oracle = Oracle::start();
    for _ in 0..CASES {
        let secret = rng.secret();
        let message = rng.value().into_bytes();
        for encoding in ["hex", "base64"] {
            let answer = oracle
                .ask(json!({"kind": "sign", "secret": secret, "message_base64": STANDARD.encode(&message), "encoding": encoding}))
                .await;
            let ours = if encoding == "hex" {
                sign_hex(secret.as_bytes(), &message)
            } else {
                sign_base64(secret.as_bytes(), &message)
            };
            assert_eq!(
                answer["signature"].as_str(),
                Some(ours.as_str()),
                "{encoding} of {message:?}"
            );
        }
    }
}

#[tokio::test]
async fn oauth_callback_verdicts_match_the_library() {
    let mut rng = Rng(seed());
    let mut oracle = Oracle::start();
    let mut tally = Tally::default();
    for _ in 0..CASES {
        let secret = rng.secret();
        let mut params = vec![
            ("code".to_owned(), rng.value()),
            ("host".to_owned(), URL_SAFE_NO_PAD.encode(rng.value())),
            ("shop".to_owned(), rng.shop()),
            ("state".to_owned(), rng.value()),
            ("timestamp".to_owned(), timestamp(&mut rng).to_string()),
        ];
        for _ in 0..rng.below(3) {
            let key = rng.key();
            if !params.iter().any(|(k, _)| *k == key) && key != "hmac" && key != "signature" {
                params.push((key, rng.value()));
            }
        }
        let mut hmac = sign_hex(secret.as_bytes(), oauth_message(&params).as_bytes());
        match rng.below(6) {
            0 => hmac = tamper_hex(&mut rng, &hmac),
            1 => hmac = sign_hex(b"another secret", oauth_message(&params).as_bytes()),
            2 => {
                let i = rng.below(params.len());
                params[i].1.push('x');
            }
            _ => {}
        }
        params.push(("hmac".to_owned(), hmac));
        let n = params.len();
        params.swap(rng.below(n), rng.below(n));
        let query = encode_query(&params);
        let ours = verify_oauth_query(secret.as_bytes(), &query, now()).is_ok();
        let theirs = oracle
            .verdict(
                json!({"kind": "oauth_query", "api_key": "k", "secret": secret, "query": query}),
            )
            .await;
        tally.record(ours, theirs, format!("query {query}"));
    }
    tally.check(CASES / 4);
}

#[tokio::test]
async fn app_proxy_verdicts_match_the_library() {
    let mut rng = Rng(seed());
    let mut oracle = Oracle::start();
    let mut tally = Tally::default();
    for _ in 0..CASES {
        let secret = rng.secret();
        let mut params = vec![
            ("path_prefix".to_owned(), "/apps/concierge".to_owned()),
            ("shop".to_owned(), rng.shop()),
            ("timestamp".to_owned(), timestamp(&mut rng).to_string()),
        ];
        if rng.chance(60) {
            params.push((
                "logged_in_customer_id".to_owned(),
                (rng.next() % 10_000_000).to_string(),
            ));
        }
        for _ in 0..rng.below(4) {
            let key = rng.key();
            if ![
                "hmac",
                "signature",
                "shop",
                "timestamp",
                "path_prefix",
                "logged_in_customer_id",
            ]
            .contains(&key.as_str())
            {
                // Storefront parameters may repeat; Shopify signs them joined with ','.
                for _ in 0..1 + rng.below(2) {
                    params.push((key.clone(), rng.value()));
                }
            }
        }
        let mut signature = sign_hex(secret.as_bytes(), app_proxy_message(&params).as_bytes());
        match rng.below(6) {
            0 => signature = tamper_hex(&mut rng, &signature),
            1 => signature = sign_hex(b"another secret", app_proxy_message(&params).as_bytes()),
            2 => params.push(("logged_in_customer_id".to_owned(), "1".to_owned())),
            _ => {}
        }
        params.push(("signature".to_owned(), signature));
        let query = encode_query(&params);
        let ours = verify_app_proxy(secret.as_bytes(), &query, now()).is_ok();
        let theirs = oracle
            .verdict(json!({"kind": "app_proxy", "api_key": "k", "secret": secret, "query": query}))
            .await;
        tally.record(ours, theirs, format!("query {query}"));
    }
    tally.check(CASES / 4);
}

#[tokio::test]
async fn webhook_verdicts_match_the_library() {
    let mut rng = Rng(seed());
    let mut oracle = Oracle::start();
    let mut tally = Tally::default();
    for _ in 0..CASES {
        let secret = rng.secret();
        let mut body = serde_json::to_vec(
            &json!({"id": rng.next() % 1_000_000, "title": rng.value(), "note": rng.value()}),
        )
        .unwrap();
        let mut hmac = Some(sign_base64(secret.as_bytes(), &body));
        match rng.below(6) {
            0 => {
                // Change one ASCII letter of the body (keeps it valid UTF-8).
                if let Some(i) = body.iter().position(|b| *b == b'i') {
                    body[i] = b'j';
                }
            }
            1 => hmac = Some(sign_base64(b"another secret", &body)),
            2 => hmac = None,
            3 => {
                let decoded = STANDARD.decode(hmac.take().unwrap()).unwrap();
                let mut decoded = decoded.clone();
                decoded[rng.below(32)] ^= 1 << rng.below(8);
                hmac = Some(STANDARD.encode(decoded));
            }
            _ => {}
        }
        let ours = verify_webhook(secret.as_bytes(), &body, hmac.as_deref()).is_ok();
        let mut headers = json!({
            "X-Shopify-Topic": "products/update",
            "X-Shopify-Shop-Domain": rng.shop(),
            "X-Shopify-Webhook-Id": uuid::Uuid::new_v4().to_string(),
            "X-Shopify-Event-Id": uuid::Uuid::new_v4().to_string(),
            "X-Shopify-API-Version": "2026-10",
            "X-Shopify-Triggered-At": "2026-11-22T10:00:00Z",
        });
        if let Some(hmac) = &hmac {
            headers["X-Shopify-Hmac-Sha256"] = json!(hmac);
        }
        let theirs = oracle
            .verdict(json!({"kind": "webhook", "api_key": "k", "secret": secret, "body_base64": STANDARD.encode(&body), "headers": headers}))
            .await;
        tally.record(
            ours,
            theirs,
            format!("body {}", String::from_utf8_lossy(&body)),
        );
    }
    tally.check(CASES / 4);
}

#[tokio::test]
async fn session_token_verdicts_match_the_library() {
    let mut rng = Rng(seed());
    let mut oracle = Oracle::start();
    let mut tally = Tally::default();
    for _ in 0..CASES {
        let secret = rng.secret();
        let api_key = rng.key();
        let shop = rng.shop();
        let now = now();
        let claims = Claims {
            iss: format!("https://{shop}/admin"),
            dest: format!("https://{shop}"),
            aud: if rng.chance(85) {
                api_key.clone()
            } else {
                rng.key() + "x"
            },
            sub: (rng.next() % 100_000).to_string(),
            // Clearly valid or clearly expired / not yet valid (outside both leeways).
            exp: if rng.chance(75) {
                now + 30 + rng.below(600) as i64
            } else {
                now - 30 - rng.below(600) as i64
            },
            nbf: if rng.chance(85) {
                now - rng.below(30) as i64
            } else {
                now + 30 + rng.below(600) as i64
            },
            iat: now,
            jti: uuid::Uuid::new_v4().to_string(),
            sid: rng.key(),
        };
        let mut token = session_token::mint(secret.as_bytes(), &claims);
        match rng.below(5) {
            0 => token = session_token::mint(b"another secret", &claims),
            1 => {
                // Flip a bit of the decoded MAC (a flipped base64 character can decode the same).
                let (input, mac) = token.rsplit_once('.').unwrap();
                let mut mac = URL_SAFE_NO_PAD.decode(mac).unwrap();
                mac[rng.below(32)] ^= 1 << rng.below(8);
                token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(mac));
            }
            _ => {}
        }
        let ours = session_token::verify(
            secret.as_bytes(),
            &api_key,
            &token,
            chrono::Utc::now().timestamp(),
        )
        .is_ok();
        let theirs = oracle
            .verdict(json!({"kind": "session_token", "api_key": api_key, "secret": secret, "token": token}))
            .await;
        tally.record(ours, theirs, format!("claims {claims:?}"));
    }
    tally.check(CASES / 5);
}
