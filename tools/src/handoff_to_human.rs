//! `handoff_to_human`: hands the conversation to the shop's agents (a read: it moves the
//! conversation, nothing of the shopper's). The store records the move, the contact email and
//! the agents' notification together ([`StoreApi::hand_off`]): agents are told exactly when
//! the conversation is theirs, and never about a handoff that did not happen.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::io::Handoff;
use crate::store::StoreApi;
use crate::text::{looks_like_email, summary};
use crate::{Shown, Tool, ToolError, TurnContext};

/// Characters of the reason the agents are told (their notification is limited to 8000
/// bytes).
const REASON_CHARS: usize = 500;

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

    async fn run(
        args: HandoffArgs,
        _context: &TurnContext,
        store: &dyn StoreApi,
    ) -> Result<Handoff, ToolError> {
        let reason = args.reason.trim();
        if reason.is_empty() {
            return Err(ToolError::Invalid(
                "reason is empty: say why the shopper needs a person".into(),
            ));
        }
        let email = args
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty());
        if let Some(email) = email
            && !looks_like_email(email)
        {
            return Err(ToolError::Invalid(format!(
                "\"{email}\" does not look like an email address; ask the shopper to check it"
            )));
        }
        let settings = store.settings().await?;
        let known_email = store
            .hand_off(&summary(reason, REASON_CHARS), email)
            .await?;
        let agents_available = settings.agents_available;
        let email = email.map(str::to_owned).or(known_email);
        Ok(Handoff {
            agents_available,
            email_needed: !agents_available && email.is_none(),
            email,
            next_open: settings.agents_next_open.filter(|_| !agents_available),
        })
    }

    fn shown(output: &Handoff) -> Shown {
        Shown::Handoff(output.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{FakeStore, context};
    use crate::store::ToolSettings;

    fn args(reason: &str, email: Option<&str>) -> HandoffArgs {
        HandoffArgs {
            reason: reason.into(),
            email: email.map(str::to_owned),
        }
    }

    #[tokio::test]
    async fn outside_hours_an_email_is_needed_until_one_is_known() {
        let store = FakeStore {
            settings: ToolSettings {
                agents_available: false,
                agents_next_open: Some("2026-12-07T17:00:00+00:00".into()),
                ..ToolSettings::default()
            },
            ..FakeStore::default()
        };
        let context = context(None, false);
        let first = HandoffToHuman::run(args("a damaged parcel", None), &context, &store)
            .await
            .unwrap();
        assert_eq!(
            first,
            Handoff {
                agents_available: false,
                email_needed: true,
                email: None,
                next_open: Some("2026-12-07T17:00:00+00:00".into()),
            }
        );
        let second = HandoffToHuman::run(
            args("a damaged parcel", Some(" ada@example.com ")),
            &context,
            &store,
        )
        .await
        .unwrap();
        assert!(!second.email_needed);
        assert_eq!(second.email.as_deref(), Some("ada@example.com"));
        let third = HandoffToHuman::run(args("again", None), &context, &store)
            .await
            .unwrap();
        assert_eq!(
            third.email.as_deref(),
            Some("ada@example.com"),
            "remembered"
        );
        assert_eq!(HandoffToHuman::shown(&third), Shown::Handoff(third.clone()));
    }

    #[tokio::test]
    async fn nothing_is_recorded_for_a_bad_email_or_no_reason() {
        let store = FakeStore::default();
        let context = context(None, false);
        let bad = HandoffToHuman::run(args("help", Some("ada at example")), &context, &store).await;
        assert!(matches!(bad, Err(ToolError::Invalid(m)) if m.contains("ada at example")));
        let empty = HandoffToHuman::run(args("  ", None), &context, &store).await;
        assert!(matches!(empty, Err(ToolError::Invalid(_))));
        assert!(store.handoffs.lock().unwrap().is_empty());
        let long = "why ".repeat(400);
        let handoff = HandoffToHuman::run(args(&long, None), &context, &store)
            .await
            .unwrap();
        assert!(handoff.agents_available && !handoff.email_needed);
        assert!(store.handoffs.lock().unwrap()[0].0.chars().count() <= REASON_CHARS + 1);
    }
}
