//! Conversations in the database: the shopper's message is stored (redacted) before anything
//! else happens, each answer with its turn's tool calls, tokens and cost in one transaction,
//! and every query is scoped by the verified shop and visitor.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use super::page::Page;
use super::visitor::Visitor;

/// Who owns a conversation: who answers the shopper next (`conversations.owner`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum Owner {
    Ai,
    Human,
    Closed,
}

/// Who wrote a message (`messages.role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum Role {
    Shopper,
    Assistant,
    /// One of the store's team.
    Agent,
    System,
}

/// Where an assistant turn stands (`turns.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum TurnStatus {
    Running,
    Answered,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: Uuid,
    pub owner: Owner,
    pub locale: Option<String>,
    /// Whether the storefront said the shopper is logged in.
    pub logged_in: bool,
    pub csat: Option<i16>,
    pub created_at: DateTime<Utc>,
    #[serde(skip)]
    pub customer_id: Option<String>,
    #[serde(skip)]
    pub verification_failures: u32,
}

/// A conversation's row, as every query here selects it.
struct ConversationRow {
    id: Uuid,
    owner: Owner,
    locale: Option<String>,
    customer_id: Option<String>,
    csat: Option<i16>,
    verification_failures: i32,
    created_at: DateTime<Utc>,
}

impl From<ConversationRow> for Conversation {
    fn from(row: ConversationRow) -> Self {
        Self {
            id: row.id,
            owner: row.owner,
            locale: row.locale,
            logged_in: row.customer_id.is_some(),
            csat: row.csat,
            created_at: row.created_at,
            customer_id: row.customer_id,
            verification_failures: u32::try_from(row.verification_failures).unwrap_or(0),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredMessage {
    pub id: i64,
    pub role: Role,
    pub text: String,
    /// Citations, product cards and actions shown with an assistant message.
    pub attachments: Value,
    pub created_at: DateTime<Utc>,
}

/// An assistant turn as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnState {
    pub id: i64,
    pub question_id: i64,
    pub answer_id: Option<i64>,
    pub status: TurnStatus,
    /// Since its task last stamped it (see [`abandoned`]).
    #[serde(skip)]
    pub silence: chrono::Duration,
}

/// A turn's row: the time since its last heartbeat (its `updated_at`), in microseconds by the
/// database's clock (the one that stamped it).
struct TurnRow {
    id: i64,
    question_id: i64,
    answer_id: Option<i64>,
    status: TurnStatus,
    silence_us: i64,
}

impl From<TurnRow> for TurnState {
    fn from(row: TurnRow) -> Self {
        Self {
            id: row.id,
            question_id: row.question_id,
            answer_id: row.answer_id,
            status: row.status,
            silence: chrono::Duration::microseconds(row.silence_us),
        }
    }
}

/// Starts a conversation for the visitor (counted in the shop's daily usage, unless it is the
/// merchant's, in the playground).
pub async fn create(
    db: &PgPool,
    visitor: &Visitor,
    locale: Option<&str>,
    address: Option<std::net::IpAddr>,
) -> Result<Conversation, sqlx::Error> {
    let mut tx = db.begin().await?;
    let row = sqlx::query_as!(
        ConversationRow,
        r#"INSERT INTO conversations
               (shop_id, id, visitor_id, customer_id, locale, playground, client_address)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           RETURNING id, owner AS "owner: Owner", locale, customer_id, csat,
                     verification_failures, created_at"#,
        visitor.shop_id,
        Uuid::now_v7(),
        visitor.visitor_id,
        visitor.customer_id,
        locale,
        visitor.playground,
        address.map(|a| a.to_string()),
    )
    .fetch_one(&mut *tx)
    .await?;
    // The merchant's own tries in the playground are not the shop's conversations.
    if !visitor.playground {
        sqlx::query!(
            "INSERT INTO usage_daily (shop_id, day, conversations) VALUES ($1, current_date, 1)
             ON CONFLICT (shop_id, day) DO UPDATE SET conversations = usage_daily.conversations + 1",
            visitor.shop_id,
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(row.into())
}

// Who may see a conversation: the same visitor, and nobody but the logged-in customer once it
// is a customer's conversation. `find`, `accept` and `set_by_shopper` each spell the same condition:
//     shop_id = $1 AND id = $2 AND visitor_id = $3 AND (customer_id IS NULL OR customer_id = $4)

/// The visitor's conversation `id`, if it is theirs: the same visitor, and not a logged-in
/// customer's conversation seen by anyone but that customer.
pub async fn find(
    db: impl sqlx::PgExecutor<'_>,
    visitor: &Visitor,
    id: Uuid,
) -> Result<Option<Conversation>, sqlx::Error> {
    let row = sqlx::query_as!(
        ConversationRow,
        r#"SELECT id, owner AS "owner: Owner", locale, customer_id, csat,
                  verification_failures, created_at
           FROM conversations
           WHERE shop_id = $1 AND id = $2 AND visitor_id = $3
             AND (customer_id IS NULL OR customer_id = $4)"#,
        visitor.shop_id,
        id,
        visitor.visitor_id,
        visitor.customer_id,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(Conversation::from))
}

/// The conversation as the engine needs it (no visitor check: the turn is already ours).
pub async fn load(
    db: &PgPool,
    shop_id: i64,
    id: Uuid,
) -> Result<Option<Conversation>, sqlx::Error> {
    let row = sqlx::query_as!(
        ConversationRow,
        r#"SELECT id, owner AS "owner: Owner", locale, customer_id, csat,
                  verification_failures, created_at
           FROM conversations WHERE shop_id = $1 AND id = $2"#,
        shop_id,
        id,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(Conversation::from))
}

/// Adds a message as it is (`text` already redacted): an agent's reply, or an imported
/// earlier turn.
pub async fn append(
    db: &PgPool,
    shop_id: i64,
    conversation_id: Uuid,
    role: Role,
    text: &str,
) -> Result<StoredMessage, sqlx::Error> {
    sqlx::query_as!(
        StoredMessage,
        r#"INSERT INTO messages (shop_id, conversation_id, role, content) VALUES ($1, $2, $3, $4)
           RETURNING id, role AS "role: Role", content AS text, attachments, created_at"#,
        shop_id,
        conversation_id,
        role as Role,
        text,
    )
    .fetch_one(db)
    .await
}

/// What became of a shopper's message.
#[derive(Debug, Clone, PartialEq)]
pub struct Accepted {
    pub message: StoredMessage,
    pub owner: Owner,
    /// The turn that answers it: new, or the one already running or done for a resent
    /// message; `None` when the assistant does not own the conversation.
    pub turn: Option<TurnState>,
    /// The message was already stored (the widget sent it again).
    pub duplicate: bool,
    /// `turn` was just created: the caller starts it.
    pub new_turn: bool,
}

/// How often a running turn's task stamps its row ([`hold_lease`]).
const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(1);
/// A running turn unstamped for this long has lost its process.
const LEASE: std::time::Duration = std::time::Duration::from_secs(4);

/// A turn may be taken over when it is `running` but its task has stopped stamping it: the
/// process running it died. A resend a few seconds after a crash takes it over, instead of
/// waiting out the longest a turn may run.
pub fn abandoned(turn: &TurnState) -> bool {
    turn.status == TurnStatus::Running && turn.silence.to_std().unwrap_or_default() > LEASE
}

/// Stamps the running turn every [`HEARTBEAT`] for as long as it is polled (the turn's task
/// runs it beside the turn, and drops it when the turn ends); a failed stamp is logged and
/// tried again.
pub async fn hold_lease(db: PgPool, shop_id: i64, turn_id: i64) {
    let mut beat = tokio::time::interval(HEARTBEAT);
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        beat.tick().await;
        let stamped = sqlx::query!(
            "UPDATE turns SET updated_at = now()
             WHERE shop_id = $1 AND id = $2 AND status = 'running'",
            shop_id,
            turn_id,
        )
        .execute(&db)
        .await;
        if let Err(error) = stamped {
            tracing::warn!(%error, turn = turn_id, "could not stamp the running turn");
        }
    }
}

/// A shopper's message as the widget sent it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Incoming<'a> {
    /// Already redacted.
    pub text: &'a str,
    /// The widget's id for it: a resend is stored once.
    pub client_id: Option<&'a str>,
    /// The storefront page it was written from.
    pub page: Option<&'a Page>,
    /// Photos of the conversation (not yet sent) that it carries.
    pub photos: &'a [Uuid],
}

/// Stores the shopper's message and, when the assistant owns the
/// conversation, the turn that will answer it — in one transaction, before any model is
/// called. A message resent with the same `client_id` is stored once; if its turn failed or
/// was abandoned, a new turn answers it.
pub async fn accept(
    db: &PgPool,
    visitor: &Visitor,
    conversation_id: Uuid,
    incoming: Incoming<'_>,
    responder: &str,
) -> Result<Option<Accepted>, sqlx::Error> {
    let mut tx = db.begin().await?;
    // The visitor's conversation (as `find` checks it), touched: the row lock this takes
    // orders concurrent sends of one conversation.
    let Some(conversation) = sqlx::query_as!(
        ConversationRow,
        r#"UPDATE conversations SET last_message_at = now(), customer_id = coalesce(customer_id, $4)
           WHERE shop_id = $1 AND id = $2 AND visitor_id = $3
             AND (customer_id IS NULL OR customer_id = $4)
           RETURNING id, owner AS "owner: Owner", locale, customer_id, csat,
                     verification_failures, created_at"#,
        visitor.shop_id,
        conversation_id,
        visitor.visitor_id,
        visitor.customer_id,
    )
    .fetch_optional(&mut *tx)
    .await?
    .map(Conversation::from) else {
        return Ok(None);
    };
    let inserted = sqlx::query_as!(
        StoredMessage,
        r#"INSERT INTO messages (shop_id, conversation_id, role, content, client_id, page)
           VALUES ($1, $2, 'shopper', $3, $4, $5)
           ON CONFLICT (shop_id, conversation_id, client_id) DO NOTHING
           RETURNING id, role AS "role: Role", content AS text, attachments, created_at"#,
        visitor.shop_id,
        conversation_id,
        incoming.text,
        incoming.client_id,
        incoming
            .page
            .map(|p| serde_json::to_value(p).unwrap_or_default()),
    )
    .fetch_optional(&mut *tx)
    .await?;
    let (message, duplicate) = match inserted {
        Some(message) if !incoming.photos.is_empty() => (
            with_photos(&mut tx, visitor.shop_id, message, incoming.photos).await?,
            false,
        ),
        Some(message) => (message, false),
        None => (
            sqlx::query_as!(
                StoredMessage,
                r#"SELECT id, role AS "role: Role", content AS text, attachments, created_at
                   FROM messages
                   WHERE shop_id = $1 AND conversation_id = $2 AND client_id = $3"#,
                visitor.shop_id,
                conversation_id,
                incoming.client_id,
            )
            .fetch_one(&mut *tx)
            .await?,
            true,
        ),
    };
    let (mut turn, mut new_turn) = (None, false);
    if conversation.owner == Owner::Ai {
        let existing = if duplicate {
            latest_turn(&mut *tx, visitor.shop_id, conversation_id, Some(message.id)).await?
        } else {
            None
        };
        turn = match existing {
            Some(t)
                if t.status == TurnStatus::Answered
                    || (t.status == TurnStatus::Running && !abandoned(&t)) =>
            {
                Some(t)
            }
            stale => {
                if let Some(stale) = stale.filter(|t| t.status == TurnStatus::Running) {
                    sqlx::query!(
                        "UPDATE turns SET status = 'failed', error = 'abandoned'
                         WHERE shop_id = $1 AND id = $2 AND status = 'running'",
                        visitor.shop_id,
                        stale.id,
                    )
                    .execute(&mut *tx)
                    .await?;
                }
                let row = sqlx::query_as!(
                    TurnRow,
                    r#"INSERT INTO turns (shop_id, conversation_id, question_id, responder)
                       VALUES ($1, $2, $3, $4)
                       RETURNING id, question_id, answer_id, status AS "status: TurnStatus",
                                 0::int8 AS "silence_us!""#,
                    visitor.shop_id,
                    conversation_id,
                    message.id,
                    responder,
                )
                .fetch_one(&mut *tx)
                .await?;
                new_turn = true;
                Some(row.into())
            }
        };
    }
    tx.commit().await?;
    Ok(Some(Accepted {
        message,
        owner: conversation.owner,
        turn,
        duplicate,
        new_turn,
    }))
}

/// Binds the conversation's unsent photos `ids` to `message` and lists them in its attachments
/// (a photo already sent, or not of this conversation, is left out).
async fn with_photos(
    tx: &mut sqlx::PgConnection,
    shop_id: i64,
    message: StoredMessage,
    ids: &[Uuid],
) -> Result<StoredMessage, sqlx::Error> {
    sqlx::query_as!(
        StoredMessage,
        r#"WITH bound AS (
               UPDATE attachments a SET message_id = m.id
               FROM messages m
               WHERE m.shop_id = a.shop_id AND m.id = $2 AND a.conversation_id = m.conversation_id
                 AND a.shop_id = $1 AND a.id = ANY($3) AND a.message_id IS NULL
               RETURNING a.id, a.content_type
           )
           UPDATE messages SET attachments = coalesce(
               (SELECT jsonb_agg(jsonb_build_object('type', 'photo', 'id', id,
                                                    'content_type', content_type) ORDER BY id)
                FROM bound),
               '[]'::jsonb)
           WHERE shop_id = $1 AND id = $2
           RETURNING id, role AS "role: Role", content AS text, attachments, created_at"#,
        shop_id,
        message.id,
        ids,
    )
    .fetch_one(&mut *tx)
    .await
}

/// The conversation's latest turn, or its latest turn answering `question` (a message id).
pub async fn latest_turn(
    db: impl sqlx::PgExecutor<'_>,
    shop_id: i64,
    conversation_id: Uuid,
    question: Option<i64>,
) -> Result<Option<TurnState>, sqlx::Error> {
    let row = sqlx::query_as!(
        TurnRow,
        r#"SELECT id, question_id, answer_id, status AS "status: TurnStatus",
                  (extract(epoch FROM now() - updated_at) * 1e6)::int8 AS "silence_us!"
           FROM turns
           WHERE shop_id = $1 AND conversation_id = $2 AND ($3::bigint IS NULL OR question_id = $3)
           ORDER BY id DESC LIMIT 1"#,
        shop_id,
        conversation_id,
        question,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(TurnState::from))
}

/// The conversation's messages up to and including `through` (all when `None`), oldest
/// first, at most the last `limit`.
pub async fn messages(
    db: &PgPool,
    shop_id: i64,
    conversation_id: Uuid,
    through: Option<i64>,
    limit: i64,
) -> Result<Vec<StoredMessage>, sqlx::Error> {
    sqlx::query_as!(
        StoredMessage,
        r#"SELECT id AS "id!", role AS "role!: Role", content AS "text!", attachments AS "attachments!",
                  created_at AS "created_at!"
           FROM (
               SELECT id, role, content, attachments, created_at FROM messages
               WHERE shop_id = $1 AND conversation_id = $2 AND ($3::bigint IS NULL OR id <= $3)
               ORDER BY id DESC LIMIT $4
           ) recent ORDER BY id"#,
        shop_id,
        conversation_id,
        through,
        limit,
    )
    .fetch_all(db)
    .await
}

/// One tool call for the audit trail.
#[derive(Debug, Clone)]
pub struct AuditedCall {
    pub tool: String,
    pub risk: &'static str,
    pub arguments: Value,
    pub outcome: &'static str,
    pub result: Value,
    pub duration_ms: i32,
}

/// How a turn ended, for [`finish`].
#[derive(Debug, Clone)]
pub struct Finished {
    pub shop_id: i64,
    pub conversation_id: Uuid,
    pub turn_id: i64,
    /// The answer (already redacted); `None` stores no message (a failure with nothing said).
    pub answer: Option<(String, Value)>,
    pub failed: Option<String>,
    pub model: Option<String>,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost_usd: Option<f64>,
    pub latency_ms: u64,
    /// From the turn's start to the first text the shopper saw, if any.
    pub first_token_ms: Option<u64>,
    pub calls: Vec<AuditedCall>,
}

/// Stores the answer, the turn's figures, its tool calls and the shop's daily usage in one
/// statement (so one transaction, and one round trip); returns the answer's message id.
pub async fn finish(db: &PgPool, done: &Finished) -> Result<Option<i64>, sqlx::Error> {
    let (text, attachments) = done.answer.clone().unzip();
    let calls = &done.calls;
    let column = |f: fn(&AuditedCall) -> String| calls.iter().map(f).collect::<Vec<_>>();
    let tokens = |n: u64| i32::try_from(n).unwrap_or(i32::MAX);
    let total = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let status = if done.failed.is_some() {
        TurnStatus::Failed
    } else {
        TurnStatus::Answered
    };
    let answer_id = sqlx::query_scalar!(
        r#"WITH answer AS (
               INSERT INTO messages (shop_id, conversation_id, role, content, attachments)
               SELECT $1, $2, 'assistant', $4, $5 WHERE $4::text IS NOT NULL
               RETURNING id
           ), turn AS (
               UPDATE turns SET answer_id = (SELECT id FROM answer), status = $6, error = $7,
                      model = $8, prompt_tokens = $9, completion_tokens = $10,
                      cost_usd = $11::float8, latency_ms = $12, first_token_ms = $21
               WHERE shop_id = $1 AND id = $3
           ), calls AS (
               INSERT INTO tool_calls (shop_id, turn_id, tool, risk, arguments, outcome, result, duration_ms)
               SELECT $1, $3, c.* FROM unnest($15::text[], $16::text[], $17::jsonb[], $18::text[],
                                              $19::jsonb[], $20::int4[])
                   AS c(tool, risk, arguments, outcome, result, duration_ms)
           ), usage AS (
               INSERT INTO usage_daily (shop_id, day, turns, prompt_tokens, completion_tokens, cost_usd)
               VALUES ($1, current_date, 1, $13, $14, coalesce($11::float8, 0))
               ON CONFLICT (shop_id, day) DO UPDATE SET
                   turns = usage_daily.turns + 1,
                   prompt_tokens = usage_daily.prompt_tokens + EXCLUDED.prompt_tokens,
                   completion_tokens = usage_daily.completion_tokens + EXCLUDED.completion_tokens,
                   cost_usd = usage_daily.cost_usd + EXCLUDED.cost_usd
           ), touched AS (
               UPDATE conversations SET last_message_at = now() WHERE shop_id = $1 AND id = $2
           )
           SELECT id AS "id!" FROM answer"#,
        done.shop_id,
        done.conversation_id,
        done.turn_id,
        text,
        attachments,
        status as TurnStatus,
        done.failed,
        done.model,
        tokens(done.prompt_tokens),
        tokens(done.completion_tokens),
        done.cost_usd,
        i32::try_from(done.latency_ms).unwrap_or(i32::MAX),
        total(done.prompt_tokens),
        total(done.completion_tokens),
        &column(|c| c.tool.clone()),
        &column(|c| c.risk.to_owned()),
        &calls.iter().map(|c| c.arguments.clone()).collect::<Vec<_>>(),
        &column(|c| c.outcome.to_owned()),
        &calls.iter().map(|c| c.result.clone()).collect::<Vec<_>>(),
        &calls.iter().map(|c| c.duration_ms).collect::<Vec<_>>(),
        done.first_token_ms
            .map(|ms| i32::try_from(ms).unwrap_or(i32::MAX)),
    )
    .fetch_optional(db)
    .await?;
    Ok(answer_id)
}

/// What a shopper may set on their own conversation.
#[derive(Debug, Clone, Copy)]
pub enum ShopperSets<'a> {
    /// The rating of the conversation (1–5).
    Rating(i16),
    /// An email to reply to when nobody is online.
    Email(&'a str),
}

/// Sets `what` on the visitor's conversation; false when it is not theirs.
pub async fn set_by_shopper(
    db: &PgPool,
    visitor: &Visitor,
    conversation_id: Uuid,
    what: ShopperSets<'_>,
) -> Result<bool, sqlx::Error> {
    let (rating, email) = match what {
        ShopperSets::Rating(rating) => (Some(rating), None),
        ShopperSets::Email(email) => (None, Some(email)),
    };
    let updated = sqlx::query!(
        "UPDATE conversations
         SET csat = coalesce($5, csat), contact_email = coalesce($6, contact_email)
         WHERE shop_id = $1 AND id = $2 AND visitor_id = $3
           AND (customer_id IS NULL OR customer_id = $4)",
        visitor.shop_id,
        conversation_id,
        visitor.visitor_id,
        visitor.customer_id,
        rating,
        email,
    )
    .execute(db)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Photos one conversation may hold.
pub const MAX_PHOTOS_PER_CONVERSATION: i64 = 20;

/// What became of a photo the shopper attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attached {
    /// Stored, to be sent with a message.
    Kept(Uuid),
    /// The conversation is not theirs.
    NotFound,
    /// The conversation holds as many photos as it may.
    Full,
}

/// Stores a (cleaned) photo in the visitor's conversation.
pub async fn attach(
    db: &PgPool,
    visitor: &Visitor,
    conversation_id: Uuid,
    photo: &super::photo::Photo,
) -> Result<Attached, sqlx::Error> {
    let mut tx = db.begin().await?;
    // Locks the conversation, so that concurrent uploads count each other.
    let Some(held) = sqlx::query_scalar!(
        r#"SELECT (SELECT count(*) FROM attachments a
                   WHERE a.shop_id = c.shop_id AND a.conversation_id = c.id) AS "held!"
           FROM conversations c
           WHERE shop_id = $1 AND id = $2 AND visitor_id = $3
             AND (customer_id IS NULL OR customer_id = $4)
           FOR UPDATE"#,
        visitor.shop_id,
        conversation_id,
        visitor.visitor_id,
        visitor.customer_id,
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(Attached::NotFound);
    };
    if held >= MAX_PHOTOS_PER_CONVERSATION {
        return Ok(Attached::Full);
    }
    let id = Uuid::now_v7();
    sqlx::query!(
        "INSERT INTO attachments (shop_id, id, conversation_id, content_type, bytes)
         VALUES ($1, $2, $3, $4, $5)",
        visitor.shop_id,
        id,
        conversation_id,
        photo.content_type,
        photo.bytes.as_ref(),
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Attached::Kept(id))
}

/// A photo of the visitor's conversation: its type and bytes.
pub async fn photo(
    db: &PgPool,
    visitor: &Visitor,
    conversation_id: Uuid,
    id: Uuid,
) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT a.content_type, a.bytes FROM attachments a
         JOIN conversations c ON c.shop_id = a.shop_id AND c.id = a.conversation_id
         WHERE a.shop_id = $1 AND a.conversation_id = $2 AND a.id = $5
           AND c.visitor_id = $3 AND (c.customer_id IS NULL OR c.customer_id = $4)",
        visitor.shop_id,
        conversation_id,
        visitor.visitor_id,
        visitor.customer_id,
        id,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.content_type, r.bytes)))
}
