//! Putting a streamed answer back together: text forwarded as it comes, tool calls assembled
//! from their fragments, usage and the finish reason kept for the end.
//!
//! The chunk types are ours and lenient: compatible servers omit fields OpenAI always sends,
//! name finish reasons of their own, and some leave out a tool call's `index` (then a new
//! `id` starts a new call and a fragment without one continues the last). Parallel tool calls
//! arrive interleaved, so fragments are joined by `index`, never by arrival order.

use serde::Deserialize;

use super::{FinishReason, ModelEvent, ToolCall, Usage};

/// One `data:` event of a chat completion stream.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Chunk {
    choices: Option<Vec<Choice>>,
    usage: Option<ChunkUsage>,
    /// Some servers report a failure inside the stream, after a 200.
    error: Option<serde_json::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Choice {
    index: u32,
    delta: Option<Delta>,
    finish_reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Delta {
    content: Option<String>,
    refusal: Option<String>,
    tool_calls: Option<Vec<ToolCallDelta>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ToolCallDelta {
    index: Option<u32>,
    id: Option<String>,
    function: Option<FunctionDelta>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FunctionDelta {
    name: Option<String>,
    arguments: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ChunkUsage {
    prompt_tokens: u64,
    completion_tokens: u64,
    prompt_tokens_details: Option<PromptTokensDetails>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PromptTokensDetails {
    cached_tokens: Option<u64>,
}

/// A tool call whose fragments are still arriving.
#[derive(Debug)]
struct PartialCall {
    index: u32,
    id: Option<String>,
    name: String,
    arguments: String,
    announced: bool,
}

/// The answer so far.
#[derive(Debug, Default)]
pub(super) struct Assembler {
    text: String,
    /// In order of first appearance; looked up by `index`.
    calls: Vec<PartialCall>,
    usage: Option<Usage>,
    finish: Option<FinishReason>,
}

/// The assembled answer.
pub(super) struct Assembled {
    pub(super) text: String,
    pub(super) tool_calls: Vec<ToolCall>,
    pub(super) usage: Option<Usage>,
    pub(super) finish: FinishReason,
}

impl Assembler {
    /// Takes in one chunk, forwarding its text and newly named tool calls. An error is the
    /// message of a failure the endpoint reported in the stream.
    pub(super) fn push(
        &mut self,
        chunk: Chunk,
        sink: &mut dyn FnMut(ModelEvent),
    ) -> Result<(), String> {
        if let Some(error) = chunk.error {
            let message = error
                .get("message")
                .and_then(|m| m.as_str())
                .map_or_else(|| error.to_string(), str::to_owned);
            return Err(message.chars().take(500).collect());
        }
        if let Some(usage) = chunk.usage {
            // Servers that report usage on every chunk report running totals: keep the last.
            self.usage = Some(Usage {
                prompt_tokens: usage.prompt_tokens,
                completion_tokens: usage.completion_tokens,
                cached_prompt_tokens: usage
                    .prompt_tokens_details
                    .and_then(|d| d.cached_tokens)
                    .unwrap_or(0),
            });
        }
        // One answer was asked for (`n` is not sent): other choices are not ours.
        for choice in chunk.choices.unwrap_or_default() {
            if choice.index != 0 {
                continue;
            }
            if let Some(delta) = choice.delta {
                for text in [delta.content, delta.refusal].into_iter().flatten() {
                    if !text.is_empty() {
                        self.text.push_str(&text);
                        sink(ModelEvent::TextDelta(text));
                    }
                }
                for fragment in delta.tool_calls.unwrap_or_default() {
                    self.add_fragment(fragment, sink);
                }
            }
            if let Some(reason) = choice.finish_reason {
                self.finish = Some(finish_reason(reason));
            }
        }
        Ok(())
    }

    fn add_fragment(&mut self, fragment: ToolCallDelta, sink: &mut dyn FnMut(ModelEvent)) {
        let index = fragment.index.unwrap_or_else(|| {
            let continues_last = self.calls.last().is_some_and(|last| {
                fragment.id.is_none() || fragment.id.as_deref() == last.id.as_deref()
            });
            let last_index = self.calls.iter().map(|c| c.index).max();
            match last_index {
                Some(last) if continues_last => last,
                Some(last) => last.saturating_add(1),
                None => 0,
            }
        });
        let position = match self.calls.iter().position(|c| c.index == index) {
            Some(position) => position,
            None => {
                self.calls.push(PartialCall {
                    index,
                    id: None,
                    name: String::new(),
                    arguments: String::new(),
                    announced: false,
                });
                self.calls.len() - 1
            }
        };
        let Some(call) = self.calls.get_mut(position) else {
            return;
        };
        if let Some(id) = fragment.id.filter(|id| !id.is_empty()) {
            call.id.get_or_insert(id);
        }
        if let Some(function) = fragment.function {
            if let Some(name) = function.name {
                call.name.push_str(&name);
            }
            if let Some(arguments) = function.arguments {
                call.arguments.push_str(&arguments);
            }
        }
        if !call.announced
            && !call.name.is_empty()
            && let Some(id) = &call.id
        {
            call.announced = true;
            sink(ModelEvent::ToolCallStarted {
                id: id.clone(),
                name: call.name.clone(),
            });
        }
    }

    /// The whole answer, once the stream has ended; an error when it ended before the model
    /// said it had finished, or with a tool call that has no name.
    pub(super) fn finish(mut self, sink: &mut dyn FnMut(ModelEvent)) -> Result<Assembled, String> {
        let Some(finish) = self.finish else {
            return Err("the stream ended before the model finished".into());
        };
        self.calls.sort_by_key(|c| c.index);
        let mut tool_calls = Vec::with_capacity(self.calls.len());
        for call in self.calls {
            if call.name.is_empty() {
                return Err(format!("tool call {} has no name", call.index));
            }
            // A server that sends no ids still needs them: results must quote one.
            let id = call.id.unwrap_or_else(|| format!("call_{}", call.index));
            if !call.announced {
                sink(ModelEvent::ToolCallStarted {
                    id: id.clone(),
                    name: call.name.clone(),
                });
            }
            tool_calls.push(ToolCall {
                id,
                name: call.name,
                arguments: call.arguments,
            });
        }
        Ok(Assembled {
            text: self.text,
            tool_calls,
            usage: self.usage,
            finish,
        })
    }
}

fn finish_reason(reason: String) -> FinishReason {
    match reason.as_str() {
        "stop" => FinishReason::Stop,
        "tool_calls" | "function_call" => FinishReason::ToolCalls,
        "length" => FinishReason::Length,
        "content_filter" => FinishReason::ContentFilter,
        _ => FinishReason::Other(reason),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn run(chunks: &[serde_json::Value]) -> (Result<Assembled, String>, Vec<ModelEvent>) {
        let mut events = Vec::new();
        let mut sink = |event| events.push(event);
        let mut assembler = Assembler::default();
        for chunk in chunks {
            let chunk: Chunk = serde_json::from_value(chunk.clone()).unwrap_or_default();
            if let Err(e) = assembler.push(chunk, &mut sink) {
                return (Err(e), events);
            }
        }
        let result = assembler.finish(&mut sink);
        (result, events)
    }

    #[test]
    fn interleaved_parallel_calls_are_joined_by_index() {
        let (result, events) = run(&[
            json!({"choices": [{"index": 0, "delta": {"role": "assistant"}}]}),
            json!({"choices": [{"index": 0, "delta": {"tool_calls": [
                {"index": 0, "id": "a", "type": "function", "function": {"name": "one", "arguments": "{\"x\""}}]}}]}),
            json!({"choices": [{"index": 0, "delta": {"tool_calls": [
                {"index": 1, "id": "b", "type": "function", "function": {"name": "two", "arguments": "{"}}]}}]}),
            json!({"choices": [{"index": 0, "delta": {"tool_calls": [
                {"index": 0, "function": {"arguments": ": 1}"}}]}}]}),
            json!({"choices": [{"index": 0, "delta": {"tool_calls": [
                {"index": 1, "function": {"arguments": "}"}}]}}]}),
            json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}),
            json!({"choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 3,
                "prompt_tokens_details": {"cached_tokens": 2}}}),
        ]);
        let assembled = result.unwrap_or_else(|e| panic!("{e}"));
        let calls: Vec<_> = assembled
            .tool_calls
            .iter()
            .map(|c| (c.id.as_str(), c.name.as_str(), c.arguments.as_str()))
            .collect();
        assert_eq!(calls, [("a", "one", "{\"x\": 1}"), ("b", "two", "{}")]);
        assert_eq!(assembled.finish, FinishReason::ToolCalls);
        assert_eq!(
            assembled.usage,
            Some(Usage {
                prompt_tokens: 7,
                completion_tokens: 3,
                cached_prompt_tokens: 2
            })
        );
        assert_eq!(events.len(), 2);
    }

    #[test]
    fn calls_without_index_or_id_still_assemble() {
        let (result, _) = run(&[
            json!({"choices": [{"delta": {"tool_calls": [
                {"id": "a", "function": {"name": "one", "arguments": "{}"}},
                {"id": "b", "function": {"name": "two", "arguments": "{"}}]}}]}),
            json!({"choices": [{"delta": {"tool_calls": [{"function": {"arguments": "}"}}]}}]}),
            json!({"choices": [{"delta": {"tool_calls": [
                {"index": 5, "function": {"name": "three", "arguments": "{}"}}]}}]}),
            json!({"choices": [{"delta": {}, "finish_reason": "eos"}]}),
        ]);
        let assembled = result.unwrap_or_else(|e| panic!("{e}"));
        let calls: Vec<_> = assembled
            .tool_calls
            .iter()
            .map(|c| (c.id.as_str(), c.arguments.as_str()))
            .collect();
        assert_eq!(calls, [("a", "{}"), ("b", "{}"), ("call_5", "{}")]);
        assert_eq!(assembled.finish, FinishReason::Other("eos".into()));
    }

    #[test]
    fn a_stream_without_a_finish_reason_or_with_an_error_fails() {
        let (result, events) = run(&[json!({"choices": [{"delta": {"content": "Hel"}}]})]);
        assert!(result.is_err());
        assert_eq!(events, [ModelEvent::TextDelta("Hel".into())]);
        let (result, _) = run(&[json!({"error": {"message": "overloaded"}})]);
        assert_eq!(result.err().as_deref(), Some("overloaded"));
    }
}
