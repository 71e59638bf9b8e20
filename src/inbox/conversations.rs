//! Conversations as the inbox sees them: the lists and their counts, one conversation's
//! transcript (messages with the assistant's tool calls and the shopper's photos, notes, the
//! audit trail), who is viewing it, and the changes agents make — each change and its audit
//! row in one transaction, under the conversation's row lock.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{Agent, AgentRef};
use crate::chat::events::Entry;
use crate::chat::store::{Owner, Role, StoredMessage};
use crate::config::ShopifyConfig;
use crate::shopify::ShopDomain;

/// How long after opening a conversation an agent counts as viewing it.
const VIEWING_SECS: f64 = 60.0;

/// A conversation in the inbox's lists.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub id: Uuid,
    /// The last message's first 140 characters.
    pub preview: String,
    /// The logged-in customer the storefront vouched for (the name as last read from the
    /// Admin API, see `customer::name_customers`; the email is read live, in the sidebar).
    pub customer: Option<Customer>,
    /// An email the shopper gave for follow-up.
    pub contact_email: Option<String>,
    pub owner: Owner,
    pub assignee: Option<AgentRef>,
    /// Since when the shopper has waited for a person (`None`: nobody waits).
    pub waiting_since: Option<DateTime<Utc>>,
    pub last_message_at: DateTime<Utc>,
    /// Shopper messages this agent has not read.
    pub unread: i64,
    pub locale: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Customer {
    /// Shopify's customer id (the number of `gid://shopify/Customer/…`).
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
}

/// Which list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    NeedsPerson,
    Ai,
    Mine,
    Closed,
    All,
}

impl View {
    fn as_str(self) -> &'static str {
        match self {
            Self::NeedsPerson => "needs_person",
            Self::Ai => "ai",
            Self::Mine => "mine",
            Self::Closed => "closed",
            Self::All => "all",
        }
    }
}

/// Where a page of a list starts: after the conversation last seen (newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub last_message_at: DateTime<Utc>,
    pub id: Uuid,
}

impl Cursor {
    pub fn of(summary: &Summary) -> Self {
        Self {
            last_message_at: summary.last_message_at,
            id: summary.id,
        }
    }

    /// `{rfc3339}_{uuid}`, as [`Cursor::encode`] writes it.
    pub fn parse(text: &str) -> Option<Self> {
        let (at, id) = text.rsplit_once('_')?;
        Some(Self {
            last_message_at: DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc),
            id: Uuid::parse_str(id).ok()?,
        })
    }

    pub fn encode(&self) -> String {
        format!(
            "{}_{}",
            self.last_message_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            self.id
        )
    }
}

/// What a list asks for.
#[derive(Debug, Clone, Default)]
pub struct Filter<'a> {
    pub view: Option<View>,
    /// Words in a message or the contact email.
    pub search: Option<&'a str>,
    pub before: Option<Cursor>,
    /// One conversation only.
    pub id: Option<Uuid>,
    pub limit: i64,
}

/// How many conversations each view holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub needs_person: i64,
    pub ai: i64,
    pub mine: i64,
    pub closed: i64,
}

/// `%text%` for ILIKE, with the pattern's own characters escaped.
fn contains(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The conversations `filter` selects, as `agent` sees them, newest first.
pub async fn list(
    db: &PgPool,
    shop_id: i64,
    agent: i64,
    filter: &Filter<'_>,
) -> Result<Vec<Summary>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT s.id AS "id!", s.owner AS "owner!: Owner", s.assignee_id, s.assignee_name,
                  s.customer_id, c.customer_name AS "customer_name?", s.contact_email, s.locale,
                  s.last_message_at AS "last_message_at!", s.preview AS "preview!",
                  s.waiting_since, s.unread AS "unread!"
           FROM inbox_summaries($1, $2) s
           LEFT JOIN conversations c ON c.shop_id = $1 AND c.id = s.id
           WHERE CASE $3::text
                   WHEN 'needs_person' THEN s.needs_person
                   WHEN 'ai' THEN s.owner = 'ai'
                   WHEN 'mine' THEN s.mine
                   WHEN 'closed' THEN s.owner = 'closed'
                   ELSE true END
             AND ($4::text IS NULL OR s.contact_email ILIKE $4 OR EXISTS (
                   SELECT 1 FROM messages m
                   WHERE m.shop_id = $1 AND m.conversation_id = s.id AND m.content ILIKE $4))
             AND ($5::timestamptz IS NULL OR (s.last_message_at, s.id) < ($5, $6::uuid))
             AND ($7::uuid IS NULL OR s.id = $7)
           ORDER BY s.last_message_at DESC, s.id DESC
           LIMIT $8"#,
        shop_id,
        agent,
        filter.view.unwrap_or(View::All).as_str(),
        filter.search.map(contains),
        filter.before.map(|c| c.last_message_at),
        filter.before.map(|c| c.id),
        filter.id,
        filter.limit,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Summary {
            id: r.id,
            preview: r.preview,
            customer: r.customer_id.map(|id| Customer {
                id,
                name: r.customer_name,
                email: None,
            }),
            contact_email: r.contact_email,
            owner: r.owner,
            assignee: r
                .assignee_id
                .zip(r.assignee_name)
                .map(|(id, name)| AgentRef { id, name }),
            waiting_since: r.waiting_since,
            last_message_at: r.last_message_at,
            unread: r.unread,
            locale: r.locale,
        })
        .collect())
}

/// One conversation of the shop as `agent` sees it; `None` when the shop has no such
/// conversation in the inbox.
pub async fn summary(
    db: &PgPool,
    shop_id: i64,
    agent: i64,
    id: Uuid,
) -> Result<Option<Summary>, sqlx::Error> {
    let filter = Filter {
        id: Some(id),
        limit: 1,
        ..Filter::default()
    };
    Ok(list(db, shop_id, agent, &filter).await?.pop())
}

/// How many conversations each view holds for `agent`.
pub async fn counts(db: &PgPool, shop_id: i64, agent: i64) -> Result<Counts, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE s.needs_person) AS "needs_person!",
                  count(*) FILTER (WHERE s.owner = 'ai') AS "ai!",
                  count(*) FILTER (WHERE s.mine) AS "mine!",
                  count(*) FILTER (WHERE s.owner = 'closed') AS "closed!"
           FROM inbox_summaries($1, $2) s"#,
        shop_id,
        agent,
    )
    .fetch_one(db)
    .await?;
    Ok(Counts {
        needs_person: row.needs_person,
        ai: row.ai,
        mine: row.mine,
        closed: row.closed,
    })
}

/// The agent a message's attachments name (`{"type": "agent", "id", "name"}`), for an agent's
/// reply.
fn author(attachments: &Value) -> Option<AgentRef> {
    attachments.as_array()?.iter().find_map(|a| {
        (a["type"] == "agent").then(|| AgentRef {
            id: a["id"].as_i64().unwrap_or_default(),
            name: a["name"].as_str().unwrap_or_default().to_owned(),
        })
    })
}

/// The photos among a message's attachments, with where an agent downloads them.
fn photos(conversation: Uuid, attachments: &Value) -> Vec<Value> {
    attachments
        .as_array()
        .map(|all| {
            all.iter()
                .filter(|a| a["type"] == "photo")
                .map(|a| {
                    json!({
                        "id": a["id"],
                        "url": format!("/api/inbox/conversations/{conversation}/attachments/{}",
                                       a["id"].as_str().unwrap_or_default()),
                        "content_type": a["content_type"],
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What an audit row says, as a line of the transcript.
fn described(action: &str, agent: &str, detail: &Value) -> String {
    match action {
        "take" => format!("{agent} took over the conversation"),
        "hand_back" => format!("{agent} handed the conversation back to the assistant"),
        "assign" => format!(
            "{agent} assigned the conversation to {}",
            detail["assignee_name"].as_str().unwrap_or("a colleague")
        ),
        "close" => format!("{agent} closed the conversation"),
        "reopen" => format!("{agent} reopened the conversation"),
        other => format!("{agent}: {other}"),
    }
}

/// The whole conversation for an agent: messages (the assistant's with their tool calls, the
/// shopper's with their photos), internal notes and the audit trail's events, in time order.
pub async fn transcript(
    db: &PgPool,
    shop_id: i64,
    conversation: Uuid,
) -> Result<Vec<Entry>, sqlx::Error> {
    let messages = sqlx::query!(
        r#"SELECT m.id, m.role AS "role: Role", m.content, m.attachments, m.created_at,
                  coalesce((SELECT jsonb_agg(jsonb_build_object(
                                'name', t.tool, 'arguments', t.arguments, 'result', t.result,
                                'status', t.outcome) ORDER BY t.id)
                            FROM turns u JOIN tool_calls t ON t.shop_id = u.shop_id AND t.turn_id = u.id
                            WHERE u.shop_id = m.shop_id AND u.conversation_id = m.conversation_id
                              AND u.answer_id = m.id), '[]'::jsonb) AS "tool_calls!"
           FROM messages m WHERE m.shop_id = $1 AND m.conversation_id = $2 ORDER BY m.id"#,
        shop_id,
        conversation,
    )
    .fetch_all(db)
    .await?;
    let notes = sqlx::query!(
        "SELECT id, agent_id, agent_name, content, created_at FROM inbox_notes
         WHERE shop_id = $1 AND conversation_id = $2 ORDER BY id",
        shop_id,
        conversation,
    )
    .fetch_all(db)
    .await?;
    let audit = sqlx::query!(
        "SELECT id, agent_id, agent_name, action, detail, created_at FROM inbox_audit
         WHERE shop_id = $1 AND conversation_id = $2 AND action NOT IN ('reply', 'note')
         ORDER BY id",
        shop_id,
        conversation,
    )
    .fetch_all(db)
    .await?;
    let mut entries: Vec<Entry> = messages
        .into_iter()
        .map(|m| Entry {
            tool_calls: m.tool_calls.as_array().cloned().unwrap_or_default(),
            ..entry(
                conversation,
                &StoredMessage {
                    id: m.id,
                    role: m.role,
                    text: m.content,
                    attachments: m.attachments,
                    created_at: m.created_at,
                },
            )
        })
        .collect();
    entries.extend(notes.into_iter().map(|n| Entry {
        id: n.id,
        role: "note".into(),
        text: n.content,
        agent: n.agent_id.map(|id| AgentRef {
            id,
            name: n.agent_name.clone(),
        }),
        created_at: n.created_at,
        tool_calls: Vec::new(),
        attachments: Vec::new(),
    }));
    entries.extend(audit.into_iter().map(|a| Entry {
        id: a.id,
        role: "event".into(),
        text: described(&a.action, &a.agent_name, &a.detail),
        agent: a.agent_id.map(|id| AgentRef {
            id,
            name: a.agent_name.clone(),
        }),
        created_at: a.created_at,
        tool_calls: Vec::new(),
        attachments: Vec::new(),
    }));
    // Stable: messages keep their order among equal times.
    entries.sort_by_key(|e| e.created_at);
    Ok(entries)
}

/// The agent opened the conversation: everything in it is read, and they count as viewing
/// it for a minute. Returns who is viewing it now (them included).
pub async fn open(
    db: &PgPool,
    shop_id: i64,
    agent: i64,
    conversation: Uuid,
) -> Result<Vec<AgentRef>, sqlx::Error> {
    sqlx::query!(
        "INSERT INTO inbox_reads (shop_id, agent_id, conversation_id, read_through)
         SELECT $1, $2, $3, coalesce(max(id), 0) FROM messages
         WHERE shop_id = $1 AND conversation_id = $3
         ON CONFLICT (shop_id, agent_id, conversation_id) DO UPDATE
         SET read_through = EXCLUDED.read_through, viewed_at = now()",
        shop_id,
        agent,
        conversation,
    )
    .execute(db)
    .await?;
    viewers(db, shop_id, conversation).await
}

/// The agents who opened the conversation in the last minute.
pub async fn viewers(
    db: &PgPool,
    shop_id: i64,
    conversation: Uuid,
) -> Result<Vec<AgentRef>, sqlx::Error> {
    sqlx::query_as!(
        AgentRef,
        "SELECT a.id, a.name FROM inbox_reads r
         JOIN agents a ON a.shop_id = r.shop_id AND a.id = r.agent_id
         WHERE r.shop_id = $1 AND r.conversation_id = $2
           AND r.viewed_at > now() - make_interval(secs => $3)
         ORDER BY r.viewed_at",
        shop_id,
        conversation,
        VIEWING_SECS,
    )
    .fetch_all(db)
    .await
}

/// Where the shopper wrote from (the latest page a message reported).
pub async fn page(
    db: &PgPool,
    shop_id: i64,
    conversation: Uuid,
) -> Result<Option<Value>, sqlx::Error> {
    let page = sqlx::query_scalar!(
        "SELECT page FROM messages
         WHERE shop_id = $1 AND conversation_id = $2 AND page IS NOT NULL
         ORDER BY id DESC LIMIT 1",
        shop_id,
        conversation,
    )
    .fetch_optional(db)
    .await?
    .flatten();
    Ok(page.map(|p| json!({ "url": p["url"], "title": p["template"] })))
}

/// What the conversation proved of an order: the order number and email of its latest
/// successful `get_order_status` call (the proof an anonymous shopper gives).
pub async fn proof(
    db: &PgPool,
    shop_id: i64,
    conversation: Uuid,
) -> Result<Option<Value>, sqlx::Error> {
    let arguments = sqlx::query_scalar!(
        "SELECT t.arguments FROM tool_calls t
         JOIN turns u ON u.shop_id = t.shop_id AND u.id = t.turn_id
         WHERE t.shop_id = $1 AND u.conversation_id = $2
           AND t.tool = 'get_order_status' AND t.outcome = 'ok'
         ORDER BY t.id DESC LIMIT 1",
        shop_id,
        conversation,
    )
    .fetch_optional(db)
    .await?;
    Ok(arguments.map(|a| json!({ "order": a["order_number"], "email": a["email"] })))
}

/// What an agent does to a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The agent answers from now on.
    Take,
    /// The assistant answers the shopper's next message.
    HandBack,
    /// A colleague (an agent id of the shop) answers from now on.
    Assign(i64),
    Close,
    Reopen,
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Take => "take",
            Self::HandBack => "hand_back",
            Self::Assign(_) => "assign",
            Self::Close => "close",
            Self::Reopen => "reopen",
        }
    }
}

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("no such conversation")]
    NotFound,
    #[error("no such agent in this shop")]
    UnknownAgent,
    /// The conversation is not in a state the change applies to.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// The reply's mail to the shopper could not be queued, so the reply was not stored
    /// either.
    #[error("the reply's mail could not be queued")]
    Mail(#[source] anyhow::Error),
}

/// The conversation's owner and assignee, locked for a change.
async fn lock(
    tx: &mut PgConnection,
    shop_id: i64,
    conversation: Uuid,
) -> Result<(Owner, Option<i64>), Refused> {
    let row = sqlx::query!(
        r#"SELECT owner AS "owner: Owner", assignee_id FROM conversations
           WHERE shop_id = $1 AND id = $2 AND NOT playground FOR UPDATE"#,
        shop_id,
        conversation,
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Refused::NotFound)?;
    Ok((row.owner, row.assignee_id))
}

/// Sets the conversation's owner and assignee.
async fn set_hands(
    tx: &mut PgConnection,
    shop_id: i64,
    conversation: Uuid,
    owner: Owner,
    assignee: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE conversations SET owner = $3, assignee_id = $4 WHERE shop_id = $1 AND id = $2",
        shop_id,
        conversation,
        owner as Owner,
        assignee,
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Writes one audit row.
async fn audit(
    tx: &mut PgConnection,
    shop_id: i64,
    conversation: Uuid,
    agent: &Agent,
    action: &str,
    detail: Value,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO inbox_audit (shop_id, conversation_id, agent_id, agent_name, action, detail)
         VALUES ($1, $2, $3, $4, $5, $6)",
        shop_id,
        conversation,
        agent.id,
        agent.name,
        action,
        detail,
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Applies `action` by `agent`, with its audit row; returns the new owner and assignee.
pub async fn change(
    db: &PgPool,
    shop_id: i64,
    agent: &Agent,
    conversation: Uuid,
    action: &Action,
) -> Result<(Owner, Option<AgentRef>), Refused> {
    let mut tx = db.begin().await?;
    let (owner, _) = lock(&mut tx, shop_id, conversation).await?;
    let closed = owner == Owner::Closed;
    let conflict = |why: &str| Err(Refused::Conflict(why.to_owned()));
    let mut detail = json!({});
    let (owner, assignee) = match action {
        Action::Take | Action::HandBack | Action::Assign(_) if closed => {
            return conflict("the conversation is closed: reopen it first");
        }
        Action::Close if closed => return conflict("the conversation is already closed"),
        Action::Reopen if !closed => return conflict("the conversation is not closed"),
        Action::Take | Action::Reopen => (Owner::Human, Some(agent.reference())),
        Action::HandBack => (Owner::Ai, None),
        Action::Close => (Owner::Closed, None),
        Action::Assign(id) => {
            let colleague = sqlx::query_as!(
                AgentRef,
                "SELECT id, name FROM agents WHERE shop_id = $1 AND id = $2",
                shop_id,
                id,
            )
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Refused::UnknownAgent)?;
            detail = json!({ "assignee_id": colleague.id, "assignee_name": colleague.name });
            (Owner::Human, Some(colleague))
        }
    };
    set_hands(
        &mut tx,
        shop_id,
        conversation,
        owner,
        assignee.as_ref().map(|a| a.id),
    )
    .await?;
    audit(&mut tx, shop_id, conversation, agent, action.name(), detail).await?;
    tx.commit().await?;
    Ok((owner, assignee))
}

/// What an agent's reply did.
pub struct Replied {
    pub message: StoredMessage,
    /// The reply took the conversation (it had nobody assigned).
    pub took: bool,
}

/// The first word of a name: what the shopper sees of the agent.
pub fn first_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or_default()
}

/// Stores `agent`'s reply (`text` already redacted). Only the assignee replies; a reply to a
/// conversation nobody is assigned takes it (audited as a takeover). A shopper who left an
/// email gets the reply by mail, queued in the reply's own transaction: the reply and its
/// mail are stored together or not at all.
pub async fn reply(
    db: &PgPool,
    shopify: &ShopifyConfig,
    shop_id: i64,
    shop: &ShopDomain,
    agent: &Agent,
    conversation: Uuid,
    text: &str,
) -> Result<Replied, Refused> {
    let mut tx = db.begin().await?;
    let (owner, assignee) = lock(&mut tx, shop_id, conversation).await?;
    if owner == Owner::Closed {
        return Err(Refused::Conflict(
            "the conversation is closed: reopen it first".into(),
        ));
    }
    let took = match assignee {
        Some(id) if id == agent.id => false,
        Some(_) => {
            return Err(Refused::Conflict(
                "another agent is assigned: only the assignee replies".into(),
            ));
        }
        None => {
            set_hands(&mut tx, shop_id, conversation, Owner::Human, Some(agent.id)).await?;
            audit(&mut tx, shop_id, conversation, agent, "take", json!({})).await?;
            true
        }
    };
    // What the shopper's widget shows of the agent: their first name.
    let by = json!([{ "type": "agent", "id": agent.id, "name": first_name(&agent.name) }]);
    let message = sqlx::query_as!(
        StoredMessage,
        r#"INSERT INTO messages (shop_id, conversation_id, role, content, attachments)
           VALUES ($1, $2, 'agent', $3, $4)
           RETURNING id, role AS "role: Role", content AS text, attachments, created_at"#,
        shop_id,
        conversation,
        text,
        by,
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE conversations SET last_message_at = now() WHERE shop_id = $1 AND id = $2",
        shop_id,
        conversation,
    )
    .execute(&mut *tx)
    .await?;
    audit(
        &mut tx,
        shop_id,
        conversation,
        agent,
        "reply",
        json!({ "message_id": message.id }),
    )
    .await?;
    crate::mail::reply_to_shopper(&mut tx, shopify, shop_id, shop, conversation, text)
        .await
        .map_err(Refused::Mail)?;
    tx.commit().await?;
    Ok(Replied { message, took })
}

/// Stores an internal note (`text` already redacted) with its audit row.
pub async fn note(
    db: &PgPool,
    shop_id: i64,
    agent: &Agent,
    conversation: Uuid,
    text: &str,
) -> Result<Entry, Refused> {
    let mut tx = db.begin().await?;
    lock(&mut tx, shop_id, conversation).await?;
    let row = sqlx::query!(
        "INSERT INTO inbox_notes (shop_id, conversation_id, agent_id, agent_name, content)
         VALUES ($1, $2, $3, $4, $5) RETURNING id, created_at",
        shop_id,
        conversation,
        agent.id,
        agent.name,
        text,
    )
    .fetch_one(&mut *tx)
    .await?;
    audit(
        &mut tx,
        shop_id,
        conversation,
        agent,
        "note",
        json!({ "note_id": row.id }),
    )
    .await?;
    tx.commit().await?;
    Ok(Entry {
        id: row.id,
        role: "note".into(),
        text: text.to_owned(),
        agent: Some(agent.reference()),
        created_at: row.created_at,
        tool_calls: Vec::new(),
        attachments: Vec::new(),
    })
}

/// An agent's entry for a stored message of the conversation.
pub fn entry(conversation: Uuid, message: &StoredMessage) -> Entry {
    Entry {
        id: message.id,
        role: match message.role {
            Role::Shopper => "shopper",
            Role::Assistant => "assistant",
            Role::Agent => "agent",
            Role::System => "event",
        }
        .to_owned(),
        text: message.text.clone(),
        agent: author(&message.attachments),
        created_at: message.created_at,
        tool_calls: Vec::new(),
        attachments: photos(conversation, &message.attachments),
    }
}

/// Whether the shop has conversation `id` in the inbox.
pub async fn exists(db: &PgPool, shop_id: i64, id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM conversations
                          WHERE shop_id = $1 AND id = $2 AND NOT playground) AS "exists!""#,
        shop_id,
        id,
    )
    .fetch_one(db)
    .await
}

/// A photo of the shop's conversation: its type and bytes.
pub async fn photo(
    db: &PgPool,
    shop_id: i64,
    conversation: Uuid,
    id: Uuid,
) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT a.content_type, a.bytes FROM attachments a
         JOIN conversations c ON c.shop_id = a.shop_id AND c.id = a.conversation_id
         WHERE a.shop_id = $1 AND a.conversation_id = $2 AND a.id = $3 AND NOT c.playground",
        shop_id,
        conversation,
        id,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.content_type, r.bytes)))
}
