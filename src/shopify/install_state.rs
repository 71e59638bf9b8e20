//! `InstallState`: where a shop is in its life with the app, as `shops.install_state` stores
//! it (the column's CHECK lists the same three values).

use serde::Serialize;

/// A shop's install state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum InstallState {
    /// A row exists (the OAuth dance began) but no grant is stored yet.
    Installing,
    /// Credentials are stored: the app works for this shop.
    Installed,
    /// `app/uninstalled` arrived: credentials are gone, data stays until `shop/redact`.
    Uninstalled,
}
