//! The merchant's handoff keywords: a question naming one ("chargeback", "lawyer") goes to
//! the shop's agents whatever model the shop uses, and without asking any model.
//!
//! It runs as a [`ChatModel`] in place of the shop's chain, so the handoff takes the one road
//! every tool call takes (the tool loop, `handoff_to_human` through the tool host, the audit
//! row, the widget's handoff event, an email asked for outside business hours). Its first step
//! calls the tool; its second hands the result to the local responder, which words the reply
//! in the shopper's language.

use std::sync::Arc;
use std::time::Instant;

use llm::{
    ChatModel, EventSink, FinishReason, ModelEvent, ModelFuture, ModelRequest, ModelTurn, Role,
    ToolCall,
};

/// Hands the conversation over because the question named `keyword`.
pub struct ForcedHandoff {
    keyword: String,
    wording: Arc<dyn ChatModel>,
}

/// What the turn records as its model.
const NAME: &str = "handoff-rule";

impl ForcedHandoff {
    pub fn new(keyword: &str, wording: Arc<dyn ChatModel>) -> Self {
        Self {
            keyword: keyword.to_owned(),
            wording,
        }
    }

    fn call(&self) -> ToolCall {
        let reason = format!("the shopper wrote \"{}\", a handoff keyword", self.keyword);
        ToolCall {
            id: "rule_1".to_owned(),
            name: tools::HANDOFF_TO_HUMAN.to_owned(),
            arguments: serde_json::json!({ "reason": reason }).to_string(),
        }
    }
}

impl ChatModel for ForcedHandoff {
    fn stream<'a>(&'a self, request: &'a ModelRequest, sink: EventSink<'a>) -> ModelFuture<'a> {
        let last_user = request.messages.iter().rposition(|m| m.role == Role::User);
        let answered =
            last_user.is_some_and(|i| request.messages[i..].iter().any(|m| m.role == Role::Tool));
        if answered {
            return self.wording.stream(request, sink);
        }
        let started = Instant::now();
        let call = self.call();
        sink(ModelEvent::ToolCallStarted {
            id: call.id.clone(),
            name: call.name.clone(),
        });
        Box::pin(async move {
            Ok(ModelTurn {
                text: String::new(),
                tool_calls: vec![call],
                usage: None,
                finish: FinishReason::ToolCalls,
                model: NAME.to_owned(),
                endpoint: NAME.to_owned(),
                latency: started.elapsed(),
                first_output: Some(started.elapsed()),
            })
        })
    }
}
