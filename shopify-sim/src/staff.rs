//! The demo store's staff: the people a session token can stand for. The admin frame signs
//! its session tokens for one of them (`?staff=<key>`, the store owner by default), and token
//! exchange for an *online* access token answers that person as Shopify's `associated_user`,
//! which is how an app learns who is using its embedded admin.

use serde_json::{Value, json};

/// A staff member of every simulated shop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Staff {
    /// What `?staff=` on the admin frame names.
    pub key: &'static str,
    /// Shopify's user id: the session token's `sub`.
    pub id: u64,
    pub first_name: &'static str,
    pub last_name: &'static str,
    /// The part before `@`; the domain is the shop's (`morgan@harbor-and-pine.myshopify.com`).
    pub mailbox: &'static str,
    pub account_owner: bool,
}

/// The store owner first (the admin frame's default), then two colleagues.
pub const STAFF: [Staff; 3] = [
    Staff {
        key: "owner",
        id: 70_001,
        first_name: "Morgan",
        last_name: "Reyes",
        mailbox: "morgan",
        account_owner: true,
    },
    Staff {
        key: "priya",
        id: 70_002,
        first_name: "Priya",
        last_name: "Shah",
        mailbox: "priya",
        account_owner: false,
    },
    Staff {
        key: "tom",
        id: 70_003,
        first_name: "Tom",
        last_name: "Becker",
        mailbox: "tom",
        account_owner: false,
    },
];

/// The staff member `?staff=` names (by key or user id); the owner when it names nobody.
pub fn by_key(key: Option<&str>) -> Staff {
    key.and_then(|key| {
        STAFF
            .into_iter()
            .find(|s| s.key == key || s.id.to_string() == key)
    })
    .unwrap_or(STAFF[0])
}

impl Staff {
    /// The user's full name, as the admin shows it.
    pub fn name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    /// The user's email at `shop`.
    pub fn email(&self, shop: &str) -> String {
        format!("{}@{shop}", self.mailbox)
    }
}

/// Shopify's `associated_user` for user `id` of `shop`: a demo staff member, or (for an id
/// minted by a test) a collaborator-less stand-in named after the id, so every valid session
/// token has a person behind it as on Shopify.
pub fn associated_user(shop: &str, id: u64) -> Value {
    let (first, last, email, owner) = match STAFF.iter().find(|s| s.id == id) {
        Some(s) => (
            s.first_name.to_owned(),
            s.last_name.to_owned(),
            s.email(shop),
            s.account_owner,
        ),
        None => (
            "Staff".to_owned(),
            id.to_string(),
            format!("staff-{id}@{shop}"),
            false,
        ),
    };
    json!({
        "id": id,
        "first_name": first,
        "last_name": last,
        "email": email,
        "email_verified": true,
        "account_owner": owner,
        "locale": "en",
        "collaborator": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_are_distinct_and_the_owner_is_the_default() {
        assert_eq!(by_key(None), STAFF[0]);
        assert_eq!(by_key(Some("nobody")), STAFF[0]);
        assert_eq!(by_key(Some("priya")).id, 70_002);
        assert_eq!(by_key(Some("70003")).key, "tom");
        let mut ids: Vec<u64> = STAFF.iter().map(|s| s.id).collect();
        ids.dedup();
        assert_eq!(ids.len(), STAFF.len());
        assert_eq!(STAFF.iter().filter(|s| s.account_owner).count(), 1);
    }

    #[test]
    fn associated_user_names_demo_staff_and_stand_ins() {
        let user = associated_user("a.myshopify.com", 70_002);
        assert_eq!(user["first_name"], "Priya");
        assert_eq!(user["email"], "priya@a.myshopify.com");
        assert_eq!(user["account_owner"], false);
        let other = associated_user("a.myshopify.com", 42);
        assert_eq!(other["last_name"], "42");
        assert_eq!(other["id"], 42);
    }
}
