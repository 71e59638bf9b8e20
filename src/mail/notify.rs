//! The mails of a handoff nobody is there to take (issue 14): the store's team is told, with
//! a link to the conversation in the admin, and each later reply of an agent is mailed to the
//! shopper's contact email, with a link back to the store's chat. One mail per reply (not
//! batched): a shopper who left reads the answer as soon as it is written.

use sqlx::PgConnection;
use uuid::Uuid;

use secrecy::ExposeSecret;

use super::resume::resume_token;
use super::{Mail, queue};
use crate::config::ShopifyConfig;
use crate::shopify::ShopDomain;

/// Where the conversation opens in the store's admin (the app's inbox, framed by Shopify).
pub fn admin_link(shopify: &ShopifyConfig, shop: &ShopDomain, conversation_id: Uuid) -> String {
    format!(
        "{}/admin/apps/{}/inbox/{conversation_id}",
        shopify.shop_base(shop.as_str()),
        shopify.api_key
    )
}

/// The store's storefront, where the widget picks the conversation up again, on any device:
/// the link carries a signed resume token (`super::resume`), not the bare id.
pub fn shopper_link(shopify: &ShopifyConfig, shop: &ShopDomain, conversation_id: Uuid) -> String {
    let token = resume_token(
        shopify.api_secret.expose_secret().as_bytes(),
        shop,
        conversation_id,
        chrono::Utc::now().timestamp(),
    );
    format!(
        "{}/?concierge_conversation={token}",
        shopify.shop_base(shop.as_str())
    )
}

/// The store's name as mails say it: its myshopify handle.
fn store_name(shop: &ShopDomain) -> &str {
    shop.as_str().trim_end_matches(".myshopify.com")
}

/// What a handoff nobody can take now tells the team.
pub struct Unattended<'a> {
    pub shop_id: i64,
    pub shop: &'a ShopDomain,
    pub conversation_id: Uuid,
    /// The team's address.
    pub team: &'a str,
    pub reason: &'a str,
    /// The shopper's email, if known yet.
    pub contact: Option<&'a str>,
}

/// Queues the team's notice of a handoff nobody is there to take, on the handoff's
/// transaction `tx`.
pub async fn handoff_unattended(
    tx: &mut PgConnection,
    shopify: &ShopifyConfig,
    handoff: Unattended<'_>,
) -> anyhow::Result<i64> {
    let contact = handoff
        .contact
        .unwrap_or("not given yet (the chat is asking for it)");
    let text = format!(
        "A shopper asked for a person on {store}, and nobody is available right now.\n\n\
         Why: {reason}\n\
         Shopper's email: {contact}\n\n\
         Open the conversation to reply (your reply is emailed to the shopper):\n{link}\n",
        store = store_name(handoff.shop),
        reason = handoff.reason,
        link = admin_link(shopify, handoff.shop, handoff.conversation_id),
    );
    let mail = Mail {
        to: handoff.team.to_owned(),
        subject: format!(
            "A shopper is waiting for a reply ({})",
            store_name(handoff.shop)
        ),
        text,
    };
    queue(tx, handoff.shop_id, mail).await
}

/// Queues an agent's reply `text` to the shopper of `conversation_id` on `tx`, if the
/// conversation has a contact email; returns whether it did.
pub async fn reply_to_shopper(
    tx: &mut PgConnection,
    shopify: &ShopifyConfig,
    shop_id: i64,
    shop: &ShopDomain,
    conversation_id: Uuid,
    text: &str,
) -> anyhow::Result<bool> {
    let contact = sqlx::query_scalar!(
        "SELECT contact_email FROM conversations WHERE shop_id = $1 AND id = $2",
        shop_id,
        conversation_id,
    )
    .fetch_optional(&mut *tx)
    .await?
    .flatten();
    let Some(contact) = contact else {
        return Ok(false);
    };
    let text = format!(
        "{text}\n\n--\nThe {store} team answered your question in the store's chat. \
         Continue the conversation there:\n{link}\n",
        store = store_name(shop),
        link = shopper_link(shopify, shop, conversation_id),
    );
    let mail = Mail {
        to: contact,
        subject: format!("A reply from {}", store_name(shop)),
        text,
    };
    queue(tx, shop_id, mail).await?;
    Ok(true)
}
