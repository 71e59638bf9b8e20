//! The hosted embedder against a fake OpenAI-compatible server on a random port: answers put
//! back in order and normalised, batching, retries only where they may help, typed errors
//! for answers that do not fit, and the API key sent but never shown.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use concierge::config::EmbeddingsConfig;
use concierge::knowledge::embed::{EmbedError, Embedder, OpenAiEmbedder, RequestPolicy};
use secrecy::SecretString;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::serve;

/// The fake model's own vector length, used when a request does not ask for another.
const NATIVE_DIMENSIONS: usize = 8;
const KEY: &str = "sk-test-0123456789-very-secret";

/// What the fake server does with the next requests.
enum Answer {
    /// This status and body instead of vectors.
    Status(u16, String),
    /// Vectors, but only after this long.
    Slow(Duration),
    /// One dimension too many in every vector.
    WrongDimension,
    /// One vector fewer than texts.
    Fewer,
}

/// A request as the fake server saw it.
struct Seen {
    authorization: Option<String>,
    inputs: Vec<String>,
    dimensions: Option<u64>,
}

#[derive(Default)]
struct Fake {
    /// Answers for the next requests, in order; then vectors.
    script: Mutex<VecDeque<Answer>>,
    seen: Mutex<Vec<Seen>>,
}

impl Fake {
    async fn start() -> (Arc<Self>, String) {
        let fake = Arc::new(Self::default());
        let router = Router::new()
            .route("/v1/embeddings", post(embeddings))
            .with_state(fake.clone());
        let url = format!("{}/v1", serve(router).await);
        (fake, url)
    }

    fn then(&self, answer: Answer) -> &Self {
        self.script.lock().unwrap().push_back(answer);
        self
    }

    fn requests(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

async fn embeddings(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let inputs: Vec<String> = body["input"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    let dimensions = body["dimensions"].as_u64();
    fake.seen.lock().unwrap().push(Seen {
        authorization: headers
            .get("authorization")
            .map(|v| v.to_str().unwrap().to_owned()),
        inputs: inputs.clone(),
        dimensions,
    });
    let answer = fake.script.lock().unwrap().pop_front();
    let mut length = dimensions.map_or(NATIVE_DIMENSIONS, |d| d as usize);
    let mut count = inputs.len();
    match answer {
        Some(Answer::Status(status, body)) => {
            return (StatusCode::from_u16(status).unwrap(), body).into_response();
        }
        Some(Answer::Slow(delay)) => tokio::time::sleep(delay).await,
        Some(Answer::WrongDimension) => length += 1,
        Some(Answer::Fewer) => count -= 1,
        None => {}
    }
    // Last first: the client must put them back by `index`.
    let data: Vec<Value> = inputs
        .iter()
        .take(count)
        .enumerate()
        .rev()
        .map(|(index, text)| json!({"object": "embedding", "index": index, "embedding": raw_vector(text, length)}))
        .collect();
    Json(json!({
        "object": "list",
        "model": body["model"],
        "data": data,
        "usage": {"prompt_tokens": 0, "total_tokens": 0},
    }))
    .into_response()
}

/// The fake model: a vector from the text's hash, deliberately not of length 1.
fn raw_vector(text: &str, length: usize) -> Vec<f32> {
    let hash = Sha256::digest(text.as_bytes());
    (0..length)
        .map(|i| (f32::from(hash[i % hash.len()]) - 127.5) * 3.0)
        .collect()
}

fn expected(text: &str, length: usize) -> Vec<f32> {
    let raw = raw_vector(text, length);
    let norm = raw.iter().map(|x| x * x).sum::<f32>().sqrt();
    raw.iter().map(|x| x / norm).collect()
}

fn assert_close(got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-5, "{got:?} != {want:?}");
    }
}

/// Retries that do not slow the tests down.
fn fast() -> RequestPolicy {
    RequestPolicy {
        timeout: Duration::from_secs(5),
        retries: 3,
        first_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        ..RequestPolicy::default()
    }
}

fn settings(url: &str) -> EmbeddingsConfig {
    EmbeddingsConfig {
        api_key: Some(SecretString::from(KEY)),
        ..EmbeddingsConfig::new(url, "fake-embed")
    }
}

/// An embedder asking for 4 dimensions, so that connecting sends nothing.
async fn connect(url: &str, policy: RequestPolicy) -> OpenAiEmbedder {
    let config = EmbeddingsConfig {
        dimensions: Some(4),
        ..settings(url)
    };
    OpenAiEmbedder::connect_with(&config, policy).await.unwrap()
}

fn texts(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("text number {i}")).collect()
}

#[tokio::test]
async fn vectors_come_back_in_input_order_normalised_and_batched() {
    let (fake, url) = Fake::start().await;
    let embedder = connect(&url, fast()).await;
    assert_eq!(fake.requests(), 0, "nothing is sent while connecting");

    let input = texts(150);
    let vectors = embedder.embed(input.clone()).await.unwrap();
    assert_eq!(vectors.len(), 150);
    for (text, vector) in input.iter().zip(&vectors) {
        assert_close(vector, &expected(text, 4));
        let norm: f32 = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5);
    }
    // 64 texts per request by default.
    {
        let seen = fake.seen.lock().unwrap();
        let sizes: Vec<usize> = seen.iter().map(|s| s.inputs.len()).collect();
        assert_eq!(sizes, [64, 64, 22]);
        assert!(seen.iter().all(|s| s.dimensions == Some(4)));
    }

    assert!(embedder.embed(Vec::new()).await.unwrap().is_empty());
    assert_eq!(fake.requests(), 3, "no request for no texts");
}

#[tokio::test]
async fn requests_are_bounded_by_characters_and_long_texts_cut() {
    let (fake, url) = Fake::start().await;
    let policy = RequestPolicy {
        max_request_chars: 1000,
        ..fast()
    };
    let config = EmbeddingsConfig {
        max_tokens: 200,
        ..settings(&url)
    };
    let embedder = OpenAiEmbedder::connect_with(&config, policy).await.unwrap();
    assert_eq!(fake.requests(), 1, "the length is learnt from one request");
    assert_eq!(embedder.dimensions(), NATIVE_DIMENSIONS);
    assert_eq!(embedder.max_tokens(), 200);

    // 400 characters each: two fit in a request of 1000, and a text over 200 tokens
    // (600 ASCII characters by the estimate) is cut.
    let mut input: Vec<String> = (0..5).map(|i| format!("{i}").repeat(400)).collect();
    input.push("x".repeat(5000));
    input.push(String::new());
    let vectors = embedder.embed(input).await.unwrap();
    assert_eq!(vectors.len(), 7);
    let seen = fake.seen.lock().unwrap();
    let sizes: Vec<usize> = seen[1..].iter().map(|s| s.inputs.len()).collect();
    assert_eq!(sizes, [2, 2, 2, 1]);
    let last = &seen.last().unwrap().inputs;
    assert_eq!(seen[3].inputs[1].len(), 600);
    assert!(embedder.count_tokens(&seen[3].inputs[1]) <= 200);
    assert_eq!(last, &[" "], "an empty text is sent as a space");
    assert!(seen.iter().all(|s| s.dimensions.is_none()));
}

#[tokio::test]
async fn the_length_is_learnt_by_a_probe_and_named_with_the_endpoint() {
    let (fake, url) = Fake::start().await;
    let embedder = OpenAiEmbedder::connect_with(&settings(&url), fast())
        .await
        .unwrap();
    assert_eq!(fake.requests(), 1);
    assert_eq!(embedder.dimensions(), NATIVE_DIMENSIONS);
    let host = url.trim_start_matches("http://");
    assert_eq!(embedder.model(), format!("{host}:fake-embed:8"));

    let asked = connect(&url, fast()).await;
    assert_eq!(asked.model(), format!("{host}:fake-embed:4"));
    assert_ne!(asked.model(), embedder.model());
}

#[tokio::test]
async fn rate_limits_server_errors_and_timeouts_are_retried() {
    let (fake, url) = Fake::start().await;
    let policy = RequestPolicy {
        timeout: Duration::from_millis(300),
        ..fast()
    };
    let embedder = connect(&url, policy).await;
    fake.then(Answer::Status(
        429,
        r#"{"error":{"message":"slow down","type":"rate_limit_error"}}"#.into(),
    ))
    .then(Answer::Status(500, "upstream exploded".into()))
    .then(Answer::Status(429, "Too Many Requests".into()));
    let vectors = embedder.embed(texts(3)).await.unwrap();
    assert_eq!(vectors.len(), 3);
    assert_eq!(fake.requests(), 4);

    fake.then(Answer::Slow(Duration::from_secs(2)));
    let vectors = embedder.embed(texts(2)).await.unwrap();
    assert_eq!(vectors.len(), 2);
    assert_eq!(fake.requests(), 6, "the attempt that timed out was retried");
}

#[tokio::test]
async fn retries_are_bounded() {
    let (fake, url) = Fake::start().await;
    let embedder = connect(&url, fast()).await;
    for _ in 0..10 {
        fake.then(Answer::Status(503, "unavailable".into()));
    }
    let error = embedder.embed(texts(1)).await.unwrap_err();
    assert!(
        matches!(&error, EmbedError::Api { status: 503, message } if message == "unavailable"),
        "{error:?}"
    );
    assert_eq!(fake.requests(), 4, "the first attempt and three retries");
}

#[tokio::test]
async fn a_bad_request_is_not_retried() {
    let (fake, url) = Fake::start().await;
    let embedder = connect(&url, fast()).await;
    fake.then(Answer::Status(
        400,
        r#"{"error":{"message":"This model does not support dimensions","type":"invalid_request_error","param":"dimensions","code":null}}"#.into(),
    ));
    let error = embedder.embed(texts(2)).await.unwrap_err();
    assert!(
        matches!(&error, EmbedError::Api { status: 400, message } if message.contains("does not support dimensions")),
        "{error:?}"
    );
    assert_eq!(fake.requests(), 1);
}

#[tokio::test]
async fn answers_that_do_not_fit_are_typed_errors() {
    let (fake, url) = Fake::start().await;
    let embedder = connect(&url, fast()).await;

    fake.then(Answer::WrongDimension);
    let error = embedder.embed(texts(2)).await.unwrap_err();
    assert!(
        matches!(
            error,
            EmbedError::WrongDimensions {
                expected: 4,
                got: 5
            }
        ),
        "{error:?}"
    );

    fake.then(Answer::Fewer);
    let error = embedder.embed(texts(3)).await.unwrap_err();
    assert!(
        matches!(
            error,
            EmbedError::WrongCount {
                expected: 3,
                got: 2
            }
        ),
        "{error:?}"
    );

    fake.then(Answer::Status(200, "not json".into()));
    let error = embedder.embed(texts(1)).await.unwrap_err();
    assert!(matches!(error, EmbedError::BadResponse(_)), "{error:?}");
    assert_eq!(fake.requests(), 3, "none of these is retried");
}

#[tokio::test]
async fn an_unreachable_api_is_retried_then_reported() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let embedder = connect(&format!("http://{address}/v1"), fast()).await;
    let error = embedder.embed(texts(1)).await.unwrap_err();
    assert!(matches!(error, EmbedError::Unreachable(_)), "{error:?}");
}

#[tokio::test]
async fn the_key_is_sent_as_a_bearer_token_and_never_shown() {
    let (fake, url) = Fake::start().await;
    let embedder = connect(&url, fast()).await;
    embedder.embed(texts(1)).await.unwrap();
    let authorization = fake.seen.lock().unwrap()[0].authorization.clone();
    assert_eq!(authorization, Some(format!("Bearer {KEY}")));
    let debug = format!("{embedder:?}");
    assert!(!debug.contains(KEY), "{debug}");
    assert!(debug.contains("fake-embed"), "{debug}");

    // A server quoting the key it refused does not get it into our errors.
    fake.then(Answer::Status(
        401,
        format!(r#"{{"error":{{"message":"Incorrect API key provided: {KEY}."}}}}"#),
    ));
    let error = embedder.embed(texts(1)).await.unwrap_err();
    assert!(matches!(error, EmbedError::Api { status: 401, .. }));
    assert!(!error.to_string().contains(KEY), "{error}");
    assert!(!format!("{error:?}").contains(KEY), "{error:?}");
    assert_eq!(fake.requests(), 2, "a refused key is not retried");

    // Without a key, no Authorization header at all.
    let keyless = EmbeddingsConfig {
        api_key: None,
        dimensions: Some(4),
        ..settings(&url)
    };
    let embedder = OpenAiEmbedder::connect_with(&keyless, fast())
        .await
        .unwrap();
    embedder.embed(texts(1)).await.unwrap();
    assert_eq!(fake.seen.lock().unwrap()[2].authorization, None);
}

#[tokio::test]
async fn settings_choose_the_hosted_model_and_keep_the_key_secret() {
    let (fake, url) = Fake::start().await;
    let (_, config) = concierge::cli::parse_from([
        "concierge",
        "serve",
        "--embeddings-url",
        &format!("{url}/"),
        "--embeddings-model",
        "fake-embed",
        "--embeddings-api-key",
        KEY,
        "--embeddings-dimensions",
        "16",
    ])
    .unwrap();
    assert!(!format!("{config:?}").contains(KEY));
    let hosted = config.embeddings.as_ref().unwrap();
    assert_eq!(hosted.url, url, "the trailing slash is dropped");
    assert_eq!(hosted.dimensions, Some(16));
    assert_eq!(hosted.max_tokens, 8191);

    let embedder = concierge::knowledge::embed::from_config(&config)
        .await
        .unwrap();
    assert_eq!(embedder.dimensions(), 16);
    assert_eq!(embedder.embed(texts(1)).await.unwrap()[0].len(), 16);
    assert_eq!(fake.requests(), 1);

    let (_, local) = concierge::cli::parse_from(["concierge", "serve"]).unwrap();
    assert!(local.embeddings.is_none());

    let cases: &[(&[&str], &str)] = &[
        (
            &["--embeddings-url", "https://api.example/v1"],
            "CONCIERGE_EMBEDDINGS_MODEL",
        ),
        (&["--embeddings-model", "m"], "CONCIERGE_EMBEDDINGS_URL"),
        (
            &[
                "--embeddings-url",
                "ftp://api.example",
                "--embeddings-model",
                "m",
            ],
            "CONCIERGE_EMBEDDINGS_URL",
        ),
        (
            &[
                "--embeddings-url",
                "https://api.example/v1",
                "--embeddings-model",
                "m",
                "--embeddings-dimensions",
                "3072",
            ],
            "CONCIERGE_EMBEDDINGS_DIMENSIONS",
        ),
        (
            &["--embeddings-dimensions", "0"],
            "CONCIERGE_EMBEDDINGS_DIMENSIONS",
        ),
        (
            &["--embeddings-batch-size", "0"],
            "CONCIERGE_EMBEDDINGS_BATCH_SIZE",
        ),
        (
            &["--embeddings-max-tokens", "lots"],
            "CONCIERGE_EMBEDDINGS_MAX_TOKENS",
        ),
    ];
    for (flags, setting) in cases {
        let args = ["concierge", "serve"].iter().chain(flags.iter());
        match concierge::cli::parse_from(args) {
            Err(concierge::cli::ParseError::Config(error)) => {
                assert_eq!(error.setting, *setting, "{flags:?}: {error}");
            }
            Err(concierge::cli::ParseError::Usage(error)) => panic!("{flags:?}: {error}"),
            Ok(_) => panic!("{flags:?} should be refused"),
        }
    }
}
