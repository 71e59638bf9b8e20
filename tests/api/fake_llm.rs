//! A fake OpenAI-compatible chat endpoint on a random port, for tests of anything that talks
//! to a chat model.
//!
//! It speaks `POST /v1/chat/completions` with `stream: true` as OpenAI does: server-sent
//! events, one `data: {chunk}` per delta, tool calls in fragments keyed by `index` (parallel
//! calls interleaved), the finish reason, then usage in a last chunk with no choices (when
//! `stream_options.include_usage` asks for it) and `data: [DONE]`. Each request takes the next
//! scripted [`Reply`]; with none left it answers 500. Every request is recorded, so a test can
//! check what the model was sent (tool results, the key).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use futures::channel::mpsc;
use serde_json::{Value, json};

use crate::helpers::serve;

/// What the fake does with one request.
#[derive(Debug, Clone)]
pub struct Reply {
    kind: Kind,
    /// Reported as (prompt, completion) tokens.
    usage: (u64, u64),
    /// Between two chunks.
    chunk_delay: Duration,
}

#[derive(Debug, Clone)]
enum Kind {
    /// These text deltas, then `finish_reason: stop`.
    Text(Vec<String>),
    /// These calls (id, name, argument fragments), interleaved, then `tool_calls`.
    ToolCalls(Vec<(String, String, Vec<String>)>),
    /// An error status with this body (and `Retry-After` in seconds).
    Status(u16, String, Option<u64>),
    /// Nothing at all: no headers, no body.
    Hang,
    /// These text deltas, then the connection drops: no finish, no usage, no `[DONE]`.
    CloseAfter(Vec<String>),
    /// These text deltas, then silence on an open connection.
    StallAfter(Vec<String>),
}

impl Reply {
    fn new(kind: Kind) -> Self {
        Self {
            kind,
            usage: (10, 5),
            chunk_delay: Duration::from_millis(2),
        }
    }

    /// Answers in text, streamed as these deltas.
    pub fn text(deltas: &[&str]) -> Self {
        Self::new(Kind::Text(deltas.iter().map(|d| d.to_string()).collect()))
    }

    /// Calls tools: `(id, name, argument fragments)` each, streamed interleaved (the first
    /// fragment of every call, then the second of every call, ...).
    pub fn tool_calls(calls: &[(&str, &str, &[&str])]) -> Self {
        Self::new(Kind::ToolCalls(
            calls
                .iter()
                .map(|(id, name, fragments)| {
                    let fragments = fragments.iter().map(|f| f.to_string()).collect();
                    (id.to_string(), name.to_string(), fragments)
                })
                .collect(),
        ))
    }

    /// One tool call with its arguments in one fragment.
    pub fn tool_call(id: &str, name: &str, arguments: &str) -> Self {
        Self::tool_calls(&[(id, name, &[arguments])])
    }

    /// An error status with an OpenAI-shaped body.
    pub fn status(status: u16) -> Self {
        let body = json!({"error": {"message": format!("scripted {status}"), "type": "fake"}});
        Self::new(Kind::Status(status, body.to_string(), None))
    }

    /// An error status with this body as it is.
    pub fn status_with_body(status: u16, body: &str) -> Self {
        Self::new(Kind::Status(status, body.to_owned(), None))
    }

    /// 429 asking the client to wait `seconds`.
    pub fn rate_limited(seconds: u64) -> Self {
        Self::new(Kind::Status(429, "slow down".into(), Some(seconds)))
    }

    /// Never answers.
    pub fn hang() -> Self {
        Self::new(Kind::Hang)
    }

    /// Streams these text deltas, then drops the connection mid-answer.
    pub fn close_after(deltas: &[&str]) -> Self {
        Self::new(Kind::CloseAfter(
            deltas.iter().map(|d| d.to_string()).collect(),
        ))
    }

    /// Streams these text deltas, then goes quiet with the connection open.
    pub fn stall_after(deltas: &[&str]) -> Self {
        Self::new(Kind::StallAfter(
            deltas.iter().map(|d| d.to_string()).collect(),
        ))
    }

    /// Reports this usage in the last chunk.
    pub fn with_usage(mut self, prompt_tokens: u64, completion_tokens: u64) -> Self {
        self.usage = (prompt_tokens, completion_tokens);
        self
    }

    /// Waits this long between two chunks.
    pub fn with_chunk_delay(mut self, delay: Duration) -> Self {
        self.chunk_delay = delay;
        self
    }
}

/// A request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub authorization: Option<String>,
    pub body: Value,
}

#[derive(Default)]
struct Inner {
    script: Mutex<VecDeque<Reply>>,
    seen: Mutex<Vec<Seen>>,
}

/// The fake endpoint; [`FakeLlm::url`] is its API base (`http://127.0.0.1:PORT/v1`).
pub struct FakeLlm {
    pub url: String,
    inner: Arc<Inner>,
}

impl FakeLlm {
    pub async fn start() -> Self {
        let inner = Arc::new(Inner::default());
        let router = Router::new()
            .route("/v1/chat/completions", post(completions))
            .with_state(inner.clone());
        let url = format!("{}/v1", serve(router).await);
        Self { url, inner }
    }

    /// Queues the reply to the next unanswered request.
    pub fn then(&self, reply: Reply) -> &Self {
        self.inner.script.lock().unwrap().push_back(reply);
        self
    }

    /// Queues `reply` for each of the next `times` requests.
    pub fn then_times(&self, times: usize, reply: Reply) -> &Self {
        for _ in 0..times {
            self.then(reply.clone());
        }
        self
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<Seen> {
        self.inner.seen.lock().unwrap().clone()
    }

    pub fn request_count(&self) -> usize {
        self.inner.seen.lock().unwrap().len()
    }

    /// The messages of request `n` (from 0).
    pub fn messages(&self, n: usize) -> Vec<Value> {
        let seen = self.inner.seen.lock().unwrap();
        seen[n].body["messages"].as_array().unwrap().clone()
    }
}

async fn completions(
    State(fake): State<Arc<Inner>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let include_usage = body["stream_options"]["include_usage"] == json!(true);
    let model = body["model"].as_str().unwrap_or_default().to_owned();
    assert_eq!(body["stream"], json!(true), "the fake only streams");
    fake.seen.lock().unwrap().push(Seen {
        authorization: headers
            .get(header::AUTHORIZATION)
            .map(|v| v.to_str().unwrap().to_owned()),
        body,
    });
    let reply = fake.script.lock().unwrap().pop_front();
    let Some(reply) = reply else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the fake has no scripted reply",
        )
            .into_response();
    };
    let mut events = Vec::new();
    let drop_connection = matches!(reply.kind, Kind::CloseAfter(_));
    let stall = matches!(reply.kind, Kind::StallAfter(_));
    let choice_chunk = |choices: Value| chunk(&model, choices, Value::Null);
    match reply.kind {
        Kind::Status(status, body, retry_after) => {
            let mut response = (StatusCode::from_u16(status).unwrap(), body).into_response();
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, seconds.to_string().parse().unwrap());
            }
            return response;
        }
        Kind::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return StatusCode::GATEWAY_TIMEOUT.into_response();
        }
        Kind::Text(deltas) => {
            events.push(choice_chunk(delta(
                json!({"role": "assistant", "content": ""}),
            )));
            for text in deltas {
                events.push(choice_chunk(delta(json!({"content": text}))));
            }
            events.push(choice_chunk(finish("stop")));
        }
        Kind::ToolCalls(calls) => {
            events.push(choice_chunk(delta(
                json!({"role": "assistant", "content": null}),
            )));
            let rounds = calls
                .iter()
                .map(|(_, _, f)| f.len().max(1))
                .max()
                .unwrap_or(0);
            for round in 0..rounds {
                for (index, (id, name, fragments)) in calls.iter().enumerate() {
                    // A call without fragments still needs its first delta.
                    let arguments = match fragments.get(round) {
                        Some(arguments) => arguments.as_str(),
                        None if round == 0 => "",
                        None => continue,
                    };
                    let call = if round == 0 {
                        json!({"index": index, "id": id, "type": "function",
                               "function": {"name": name, "arguments": arguments}})
                    } else {
                        json!({"index": index, "function": {"arguments": arguments}})
                    };
                    events.push(choice_chunk(delta(json!({"tool_calls": [call]}))));
                }
            }
            events.push(choice_chunk(finish("tool_calls")));
        }
        Kind::CloseAfter(deltas) | Kind::StallAfter(deltas) => {
            events.push(choice_chunk(delta(
                json!({"role": "assistant", "content": ""}),
            )));
            for text in deltas {
                events.push(choice_chunk(delta(json!({"content": text}))));
            }
        }
    }
    if !drop_connection && !stall {
        if include_usage {
            let (prompt, completion) = reply.usage;
            let usage = json!({"prompt_tokens": prompt, "completion_tokens": completion,
                               "total_tokens": prompt + completion});
            events.push(chunk(&model, json!([]), usage));
        }
        events.push("data: [DONE]\n\n".to_owned());
    }

    let (sender, receiver) = mpsc::unbounded::<Result<Bytes, std::io::Error>>();
    let delay = reply.chunk_delay;
    tokio::spawn(async move {
        for event in events {
            if sender.unbounded_send(Ok(Bytes::from(event))).is_err() {
                return;
            }
            tokio::time::sleep(delay).await;
        }
        if drop_connection {
            // An error in the body makes the server abort the response mid-stream.
            let _ = sender.unbounded_send(Err(std::io::Error::other("scripted disconnect")));
        }
        if stall {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            drop(sender);
        }
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from_stream(receiver))
        .unwrap()
}

fn delta(delta: Value) -> Value {
    json!([{"index": 0, "delta": delta, "finish_reason": null}])
}

fn finish(reason: &str) -> Value {
    json!([{"index": 0, "delta": {}, "finish_reason": reason}])
}

fn chunk(model: &str, choices: Value, usage: Value) -> String {
    let chunk = json!({
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": model,
        "choices": choices,
        "usage": usage,
    });
    format!("data: {chunk}\n\n")
}
