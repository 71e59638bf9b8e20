//! Saved replies (with `{{first_name}}` and `{{order_number}}` filled per conversation) and
//! the conversation export (transcript and audit trail, as JSON or CSV).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use crate::chat::events::Entry;

/// A reply the shop's agents reuse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavedReply {
    pub id: i64,
    pub title: String,
    pub text: String,
}

pub async fn saved(db: &PgPool, shop_id: i64) -> Result<Vec<SavedReply>, sqlx::Error> {
    sqlx::query_as!(
        SavedReply,
        "SELECT id, title, content AS text FROM saved_replies WHERE shop_id = $1 ORDER BY title, id",
        shop_id,
    )
    .fetch_all(db)
    .await
}

pub async fn save(
    db: &PgPool,
    shop_id: i64,
    title: &str,
    text: &str,
) -> Result<SavedReply, sqlx::Error> {
    sqlx::query_as!(
        SavedReply,
        "INSERT INTO saved_replies (shop_id, title, content) VALUES ($1, $2, $3)
         RETURNING id, title, content AS text",
        shop_id,
        title,
        text,
    )
    .fetch_one(db)
    .await
}

/// Deletes a saved reply; false when the shop has none by that id.
pub async fn delete(db: &PgPool, shop_id: i64, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "DELETE FROM saved_replies WHERE shop_id = $1 AND id = $2",
        shop_id,
        id
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn one(db: &PgPool, shop_id: i64, id: i64) -> Result<Option<SavedReply>, sqlx::Error> {
    sqlx::query_as!(
        SavedReply,
        "SELECT id, title, content AS text FROM saved_replies WHERE shop_id = $1 AND id = $2",
        shop_id,
        id,
    )
    .fetch_optional(db)
    .await
}

/// What a saved reply's variables stand for in one conversation.
#[derive(Debug, Clone, Default)]
pub struct Variables {
    pub first_name: Option<String>,
    pub order_number: Option<String>,
}

/// The reply with its variables filled; a variable with no value becomes empty, and the
/// space or comma left before it goes too ("Hi {{first_name}}," → "Hi,").
pub fn fill(text: &str, vars: &Variables) -> String {
    let mut out = text.to_owned();
    for (name, value) in [
        ("{{first_name}}", &vars.first_name),
        ("{{order_number}}", &vars.order_number),
    ] {
        match value {
            Some(value) => out = out.replace(name, value),
            None => {
                out = out.replace(&format!(" {name}"), "").replace(name, "");
            }
        }
    }
    out
}

/// One audit row, as exported.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub agent_id: Option<i64>,
    pub agent_name: String,
    pub action: String,
    pub detail: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// The conversation's audit trail, oldest first.
pub async fn audit(
    db: &PgPool,
    shop_id: i64,
    conversation: Uuid,
) -> Result<Vec<AuditRow>, sqlx::Error> {
    sqlx::query_as!(
        AuditRow,
        "SELECT id, agent_id, agent_name, action, detail, created_at FROM inbox_audit
         WHERE shop_id = $1 AND conversation_id = $2 ORDER BY id",
        shop_id,
        conversation,
    )
    .fetch_all(db)
    .await
}

/// The export as CSV: one row per transcript line, then one per audit row
/// (`kind,id,created_at,role_or_action,agent,text`).
pub fn csv(transcript: &[Entry], audit: &[AuditRow]) -> Result<String, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["kind", "id", "created_at", "role", "agent", "text"])?;
    for e in transcript {
        out.write_record([
            "message",
            &e.id.to_string(),
            &e.created_at.to_rfc3339(),
            &e.role,
            e.agent.as_ref().map_or("", |a| a.name.as_str()),
            &e.text,
        ])?;
    }
    for a in audit {
        out.write_record([
            "audit",
            &a.id.to_string(),
            &a.created_at.to_rfc3339(),
            &a.action,
            &a.agent_name,
            &a.detail.to_string(),
        ])?;
    }
    let bytes = out.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_filled_and_missing_ones_leave_no_gap() {
        let vars = Variables {
            first_name: Some("Ada".into()),
            order_number: Some("#1043".into()),
        };
        assert_eq!(
            fill(
                "Hi {{first_name}}, order {{order_number}} ships today.",
                &vars
            ),
            "Hi Ada, order #1043 ships today."
        );
        assert_eq!(
            fill("Hi {{first_name}}, thanks!", &Variables::default()),
            "Hi, thanks!"
        );
    }
}
