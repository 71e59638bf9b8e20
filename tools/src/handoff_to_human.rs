//! `handoff_to_human`: hands the conversation to the shop's agents (a read: it moves the
//! conversation, nothing of the shopper's).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Tool;
use crate::io::Handoff;

pub struct HandoffToHuman;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandoffArgs {
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl Tool for HandoffToHuman {
    const NAME: &'static str = "handoff_to_human";
    const DESCRIPTION: &'static str = "Hand the conversation to the shop's support team.";
    const TIMEOUT: Duration = Duration::from_secs(5);
    type Args = HandoffArgs;
    type Output = Handoff;

    fn parameters() -> Value {
        json!({
            "type": "object",
            "properties": {
                "reason": {"type": "string"},
                "email": {"type": "string", "description": "for a reply outside business hours"}
            },
            "required": ["reason"],
            "additionalProperties": false
        })
    }
}
