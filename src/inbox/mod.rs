//! The agents' inbox (issue 14): the store's staff working conversations in the embedded
//! admin. Who an agent is comes from the verified session token's `sub` (an `agents` row per
//! staff member, made on first visit) and, for the name and email, from Shopify's online
//! access token for that staff member; never from the browser.
//!
//! `conversations.rs` lists and shows conversations and changes their hands (each change with
//! its `inbox_audit` row, in one transaction); `replies.rs` holds saved replies and the
//! export; `customer.rs` reads the sidebar's customer live from the Admin API. Live changes go
//! to the shop-wide channel (`Uuid::nil()`), which the inbox's event stream follows.

pub mod conversations;
pub mod customer;
pub mod replies;

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

pub use crate::chat::events::AgentRef;
use crate::chat::events::ChatEvent;
use crate::chat::hub::Hub;

/// A staff member working the inbox (`agents` row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Agent {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    /// `owner` (the store's account owner) or `agent`.
    pub role: String,
    /// `online` or `away`.
    pub availability: String,
}

impl Agent {
    pub fn reference(&self) -> AgentRef {
        AgentRef {
            id: self.id,
            name: self.name.clone(),
        }
    }
}

/// Who Shopify says a staff member is (the online access token's `associated_user`).
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub email: Option<String>,
    pub owner: bool,
}

/// The agent row of staff member `staff_id` (the session token's `sub`), made on first visit;
/// every call counts as being seen.
pub async fn agent_for(db: &PgPool, shop_id: i64, staff_id: &str) -> Result<Agent, sqlx::Error> {
    sqlx::query_as!(
        Agent,
        "INSERT INTO agents (shop_id, staff_id) VALUES ($1, $2)
         ON CONFLICT (shop_id, staff_id) DO UPDATE SET last_seen_at = now()
         RETURNING id, name, email, role, availability",
        shop_id,
        staff_id,
    )
    .fetch_one(db)
    .await
}

/// Fills in the agent's name, email and role from Shopify's word.
pub async fn set_profile(
    db: &PgPool,
    shop_id: i64,
    id: i64,
    profile: &Profile,
) -> Result<Agent, sqlx::Error> {
    sqlx::query_as!(
        Agent,
        "UPDATE agents SET name = $3, email = $4, role = $5
         WHERE shop_id = $1 AND id = $2
         RETURNING id, name, email, role, availability",
        shop_id,
        id,
        profile.name,
        profile.email,
        if profile.owner { "owner" } else { "agent" },
    )
    .fetch_one(db)
    .await
}

/// Sets whether the agent takes conversations (`online`) or not (`away`).
pub async fn set_availability(
    db: &PgPool,
    shop_id: i64,
    id: i64,
    availability: &str,
) -> Result<Agent, sqlx::Error> {
    sqlx::query_as!(
        Agent,
        "UPDATE agents SET availability = $3, last_seen_at = now()
         WHERE shop_id = $1 AND id = $2
         RETURNING id, name, email, role, availability",
        shop_id,
        id,
        availability,
    )
    .fetch_one(db)
    .await
}

/// Stamps the agent as seen now (their inbox's stream is open).
pub async fn touch(db: &PgPool, shop_id: i64, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE agents SET last_seen_at = now() WHERE shop_id = $1 AND id = $2",
        shop_id,
        id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// An agent of the shop, with whether they are online now.
#[derive(Debug, Clone, Serialize)]
pub struct Colleague {
    #[serde(flatten)]
    pub agent: Agent,
    /// Available and seen in the last 90 seconds.
    pub online: bool,
}

/// The shop's agents, by name.
pub async fn agents(db: &PgPool, shop_id: i64) -> Result<Vec<Colleague>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT id, name, email, role, availability,
                  (availability = 'online' AND last_seen_at > now() - interval '90 seconds')
                      AS "online!"
           FROM agents WHERE shop_id = $1 ORDER BY name, id"#,
        shop_id,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Colleague {
            agent: Agent {
                id: r.id,
                name: r.name,
                email: r.email,
                role: r.role,
                availability: r.availability,
            },
            online: r.online,
        })
        .collect())
}

/// Tells every agent of the shop (the shop-wide channel the inbox's stream follows).
pub fn broadcast(hub: &Hub, shop_id: i64, event: ChatEvent) {
    hub.channel(shop_id, Uuid::nil()).push(event);
}

/// How often one party's typing reaches the other, at most.
pub const TYPING_EVERY: Duration = Duration::from_secs(2);

/// When something was last done, per key (in this process).
pub type Stamps<K> = LazyLock<Mutex<HashMap<K, Instant>>>;

/// Whether `who` typing in conversation `id` should be told now: at most once per
/// [`TYPING_EVERY`] (per process).
pub fn typing_due(shop_id: i64, id: Uuid, who: &str) -> bool {
    static LAST: Stamps<(i64, Uuid, String)> = LazyLock::new(Mutex::default);
    let mut last = LAST.lock().unwrap_or_else(PoisonError::into_inner);
    let key = (shop_id, id, who.to_owned());
    if last.get(&key).is_some_and(|at| at.elapsed() < TYPING_EVERY) {
        return false;
    }
    if last.len() > 10_000 {
        last.retain(|_, at| at.elapsed() < TYPING_EVERY);
    }
    last.insert(key, Instant::now());
    true
}
