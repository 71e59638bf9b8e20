//! One OpenAI-compatible chat endpoint (OpenAI, Azure's v1 API, vLLM, Ollama, llama.cpp
//! server, LiteLLM, ...), spoken through `async-openai` with streaming.
//!
//! As for hosted embeddings, our own transport sits under the crate: it reads nothing from
//! the environment, sends no `Authorization` header without a key (and marks it sensitive),
//! and turns every error status into one typed error whatever its body holds. One call here
//! is one attempt: retries and fallbacks are the [`Fallback`](super::Fallback) chain's, which
//! knows whether anything was already forwarded.
//!
//! There is no overall time limit on a request, since a long answer streams for a while;
//! instead [`Endpoint::timeout`] bounds each silence: the wait for the answer to begin and
//! the gap between two chunks.

use std::time::{Duration, Instant};

use async_openai::Client;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionMessageToolCall, ChatCompletionMessageToolCalls,
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestAssistantMessageContent,
    ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage,
    ChatCompletionRequestSystemMessageContent, ChatCompletionRequestToolMessage,
    ChatCompletionRequestToolMessageContent, ChatCompletionRequestUserMessage,
    ChatCompletionRequestUserMessageContent, ChatCompletionStreamOptions, ChatCompletionTool,
    ChatCompletionTools, CreateChatCompletionRequest, FunctionCall, FunctionObject,
};
use futures::StreamExt;
use secrecy::{ExposeSecret, SecretString};

use super::assemble::{Assembler, Chunk};
use super::{
    ChatModel, EventSink, Message, ModelError, ModelEvent, ModelFuture, ModelRequest, ModelTurn,
    Role,
};

/// Where a chat model is and how to reach it: the app's defaults, or a shop's own.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// A short label for logs, metrics and [`ModelTurn::endpoint`] (`"primary"`, `"openai"`).
    pub name: String,
    /// The API's base, e.g. `https://api.openai.com/v1`; `/chat/completions` is appended.
    pub base_url: String,
    /// Sent as a bearer token; `None` for servers without authentication (a local Ollama).
    pub api_key: Option<SecretString>,
    /// The model's name at the API.
    pub model: String,
    /// The longest silence tolerated: before the answer begins and between two chunks.
    pub timeout: Duration,
}

impl Endpoint {
    /// Defaults that suit hosted APIs: no key, a 30-second silence limit.
    pub fn new(
        name: impl Into<String>,
        base_url: impl Into<String>,
        model: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            base_url: base_url.into(),
            api_key: None,
            model: model.into(),
            timeout: Duration::from_secs(30),
        }
    }

    pub fn with_api_key(mut self, key: SecretString) -> Self {
        self.api_key = Some(key);
        self
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// A client for one [`Endpoint`]; each [`ChatModel::stream`] is one attempt.
pub struct OpenAiChat {
    client: Client<crate::openai::ApiConfig>,
    endpoint: Endpoint,
}

impl std::fmt::Debug for OpenAiChat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiChat")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl OpenAiChat {
    /// Builds the client; nothing is sent until the first request.
    pub fn new(endpoint: Endpoint) -> Result<Self, ModelError> {
        let mut endpoint = endpoint;
        endpoint.base_url = endpoint.base_url.trim().trim_end_matches('/').to_owned();
        endpoint.model = endpoint.model.trim().to_owned();
        let base = &endpoint.base_url;
        let url = reqwest::Url::parse(base).map_err(|e| {
            ModelError::Config(format!("{}: the API URL {base:?}: {e}", endpoint.name))
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(ModelError::Config(format!(
                "{}: the API URL {base:?} is not http(s)",
                endpoint.name
            )));
        }
        if endpoint.model.is_empty() {
            return Err(ModelError::Config(format!(
                "{}: no model name",
                endpoint.name
            )));
        }
        if endpoint.timeout.is_zero() {
            return Err(ModelError::Config(format!(
                "{}: a zero timeout",
                endpoint.name
            )));
        }
        let transport = transport(endpoint.timeout)?;
        let client =
            crate::openai::client(&endpoint.base_url, endpoint.api_key.as_ref(), transport)
                .map_err(|e| ModelError::Config(format!("{}: {e}", endpoint.name)))?;
        Ok(Self { client, endpoint })
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    async fn attempt(
        &self,
        request: &ModelRequest,
        sink: &mut (dyn FnMut(ModelEvent) + Send),
    ) -> Result<ModelTurn, ModelError> {
        let started = Instant::now();
        let silence = self.endpoint.timeout;
        let body = self.wire_request(request);
        let chat = self.client.chat();
        let opening = chat.create_stream_byot::<_, Chunk>(body);
        let mut stream = match tokio::time::timeout(silence, opening).await {
            Err(_) => return Err(self.timed_out()),
            Ok(Err(error)) => return Err(self.classify(error)),
            Ok(Ok(stream)) => stream,
        };
        let mut first_output = None;
        let mut forward = |event: ModelEvent| {
            first_output.get_or_insert_with(|| started.elapsed());
            sink(event);
        };
        let mut assembler = Assembler::default();
        loop {
            let chunk = match tokio::time::timeout(silence, stream.next()).await {
                Err(_) => return Err(self.timed_out()),
                Ok(None) => break,
                Ok(Some(Err(error))) => return Err(self.classify(error)),
                Ok(Some(Ok(chunk))) => chunk,
            };
            assembler
                .push(chunk, &mut forward)
                .map_err(|message| self.interrupted(message))?;
        }
        let answer = assembler
            .finish(&mut forward)
            .map_err(|message| self.interrupted(message))?;
        Ok(ModelTurn {
            text: answer.text,
            tool_calls: answer.tool_calls,
            usage: answer.usage,
            finish: answer.finish,
            model: self.endpoint.model.clone(),
            endpoint: self.endpoint.name.clone(),
            latency: started.elapsed(),
            first_output,
        })
    }

    /// The request as the API wants it: streamed, with usage in the last chunk.
    fn wire_request(&self, request: &ModelRequest) -> CreateChatCompletionRequest {
        let tools: Vec<ChatCompletionTools> = request
            .tools
            .iter()
            .map(|tool| {
                ChatCompletionTools::Function(ChatCompletionTool {
                    function: FunctionObject {
                        name: tool.name.clone(),
                        description: Some(tool.description.clone()),
                        parameters: Some(tool.parameters.clone()),
                        strict: None,
                    },
                })
            })
            .collect();
        CreateChatCompletionRequest {
            model: self.endpoint.model.clone(),
            messages: request.messages.iter().map(wire_message).collect(),
            tools: (!tools.is_empty()).then_some(tools),
            temperature: request.temperature,
            stream: Some(true),
            stream_options: Some(ChatCompletionStreamOptions {
                include_usage: Some(true),
                include_obfuscation: None,
            }),
            ..CreateChatCompletionRequest::default()
        }
    }

    fn timed_out(&self) -> ModelError {
        ModelError::Timeout {
            endpoint: self.endpoint.name.clone(),
            waited: self.endpoint.timeout,
        }
    }

    fn interrupted(&self, message: String) -> ModelError {
        ModelError::Interrupted {
            endpoint: self.endpoint.name.clone(),
            message: self.redact(message),
        }
    }

    fn classify(&self, error: OpenAIError) -> ModelError {
        let endpoint = self.endpoint.name.clone();
        match error {
            OpenAIError::Boxed(boxed) => match boxed.downcast::<crate::openai::HttpStatus>() {
                Ok(status) => ModelError::Api {
                    endpoint,
                    status: status.status,
                    message: self.redact(status.message),
                    retry_after: status.retry_after,
                },
                Err(other) => ModelError::Unreachable {
                    endpoint,
                    source: other,
                },
            },
            // reqwest's message names the URL, which holds no secret.
            OpenAIError::Reqwest(error) => ModelError::Unreachable {
                endpoint,
                source: error.into(),
            },
            // Not the content: a chunk of the answer has no place in an error message.
            OpenAIError::JSONDeserialize(error, _) => ModelError::BadResponse {
                endpoint,
                message: format!("not a chat completion chunk: {error}"),
            },
            OpenAIError::StreamError(error) => self.interrupted(error.to_string()),
            other => ModelError::BadResponse {
                endpoint,
                message: other.to_string(),
            },
        }
    }

    /// Some servers quote the credential they rejected.
    fn redact(&self, mut message: String) -> String {
        if let Some(key) = &self.endpoint.api_key {
            let key = key.expose_secret();
            if !key.is_empty() {
                message = message.replace(key, "[REDACTED]");
            }
        }
        message
    }
}

impl ChatModel for OpenAiChat {
    fn stream<'a>(&'a self, request: &'a ModelRequest, sink: EventSink<'a>) -> ModelFuture<'a> {
        Box::pin(self.attempt(request, sink))
    }
}

fn wire_message(message: &Message) -> ChatCompletionRequestMessage {
    let content = message.content.clone();
    match message.role {
        Role::System => ChatCompletionRequestMessage::System(ChatCompletionRequestSystemMessage {
            content: ChatCompletionRequestSystemMessageContent::Text(content),
            name: None,
        }),
        Role::User => ChatCompletionRequestMessage::User(ChatCompletionRequestUserMessage {
            content: ChatCompletionRequestUserMessageContent::Text(content),
            name: None,
        }),
        Role::Assistant => {
            let tool_calls: Vec<ChatCompletionMessageToolCalls> = message
                .tool_calls
                .iter()
                .map(|call| {
                    ChatCompletionMessageToolCalls::Function(ChatCompletionMessageToolCall {
                        id: call.id.clone(),
                        function: FunctionCall {
                            name: call.name.clone(),
                            arguments: call.arguments.clone(),
                        },
                    })
                })
                .collect();
            // Content may be left out only when there are tool calls.
            let content = (!content.is_empty() || tool_calls.is_empty())
                .then_some(ChatCompletionRequestAssistantMessageContent::Text(content));
            ChatCompletionRequestMessage::Assistant(ChatCompletionRequestAssistantMessage {
                content,
                tool_calls: (!tool_calls.is_empty()).then_some(tool_calls),
                ..ChatCompletionRequestAssistantMessage::default()
            })
        }
        Role::Tool => ChatCompletionRequestMessage::Tool(ChatCompletionRequestToolMessage {
            content: ChatCompletionRequestToolMessageContent::Text(content),
            tool_call_id: message.tool_call_id.clone().unwrap_or_default(),
        }),
    }
}

fn transport(silence: Duration) -> Result<reqwest::Client, ModelError> {
    // reqwest is built without a TLS crypto provider; a no-op when the app installed one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .connect_timeout(silence.min(Duration::from_secs(10)))
        .user_agent(concat!("concierge/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ModelError::Config(format!("cannot build the HTTP client: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ToolCall;

    #[test]
    fn settings_that_cannot_work_are_refused() {
        for (url, model) in [
            ("ftp://x.example", "m"),
            ("not a url", "m"),
            ("http://x", " "),
        ] {
            assert!(
                matches!(
                    OpenAiChat::new(Endpoint::new("e", url, model)),
                    Err(ModelError::Config(_))
                ),
                "{url} {model}"
            );
        }
        let bad_key = Endpoint::new("e", "http://x", "m").with_api_key("a\nb".into());
        assert!(matches!(
            OpenAiChat::new(bad_key),
            Err(ModelError::Config(_))
        ));
    }

    #[test]
    fn assistant_messages_with_only_tool_calls_send_no_content() {
        let call = ToolCall {
            id: "c1".into(),
            name: "search".into(),
            arguments: "{}".into(),
        };
        let wire = serde_json::to_value(wire_message(&Message::assistant("", vec![call])))
            .unwrap_or_default();
        assert_eq!(wire["role"], "assistant");
        assert!(wire.get("content").is_none(), "{wire}");
        assert_eq!(wire["tool_calls"][0]["type"], "function");
        assert_eq!(wire["tool_calls"][0]["function"]["name"], "search");
        let wire = serde_json::to_value(wire_message(&Message::tool("c1", "{\"ok\":1}")))
            .unwrap_or_default();
        assert_eq!(wire["tool_call_id"], "c1");
        assert_eq!(wire["content"], "{\"ok\":1}");
    }

    #[test]
    fn keys_never_show_in_debug_output() {
        let endpoint =
            Endpoint::new("e", "http://x", "m").with_api_key("sk-very-secret-123".into());
        let chat = OpenAiChat::new(endpoint);
        assert!(!format!("{chat:?}").contains("sk-very-secret"));
    }
}
