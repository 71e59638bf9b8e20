//! Outgoing mail: the SMTP server's URL (a secret: it may hold a password) and the sender.

use lettre::AsyncSmtpTransport;
use lettre::Tokio1Executor;
use lettre::message::Mailbox;
use secrecy::SecretString;

use super::{ConfigError, Settings};

#[derive(Debug, Clone)]
pub struct MailConfig {
    /// `smtp://` or `smtps://`, checked; `None` keeps mail unsent.
    pub smtp_url: Option<SecretString>,
    pub from: Mailbox,
}

pub(super) fn from_settings(s: &Settings) -> Result<MailConfig, ConfigError> {
    let smtp_url = match s.smtp_url.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(url) => {
            // The reasons never repeat the URL: it may carry a password.
            let scheme_ok = url.starts_with("smtp://") || url.starts_with("smtps://");
            if !scheme_ok || AsyncSmtpTransport::<Tokio1Executor>::from_url(url).is_err() {
                return Err(ConfigError::new(
                    "CONCIERGE_SMTP_URL",
                    "expected smtp://[user:password@]host[:port][?tls=required] or smtps://…",
                ));
            }
            Some(SecretString::from(url.to_owned()))
        }
    };
    let from = s.mail_from.trim().parse::<Mailbox>().map_err(|_| {
        ConfigError::new(
            "CONCIERGE_MAIL_FROM",
            format!(
                "expected an address such as Concierge <concierge@example.com>, got {:?}",
                s.mail_from
            ),
        )
    })?;
    Ok(MailConfig { smtp_url, from })
}
