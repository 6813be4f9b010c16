//! Email over SMTP (lettre): plain, STARTTLS or implicit TLS, with optional login.

use std::{future::Future, pin::Pin, time::Duration};

use lettre::{
    message::header::ContentType, transport::smtp::authentication::Credentials, AsyncSmtpTransport, AsyncTransport,
    Message, Tokio1Executor,
};
use serde::{Deserialize, Serialize};

use super::{
    channel::{Channel, SendError},
    message::{Lang, Notice},
};
use crate::secret::Secret;

/// How the SMTP connection is protected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// No encryption (only for servers on a trusted network or loopback).
    None,
    /// Upgrade with STARTTLS (usually port 587).
    #[default]
    StartTls,
    /// TLS from the start (usually port 465).
    Tls,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct EmailConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub user: Option<String>,
    /// Kept in the OS keyring by the app, never logged.
    #[serde(skip)]
    pub password: Option<Secret>,
    pub from: String,
    pub to: Vec<String>,
    /// Send the login over an unencrypted connection to a host that is not on this machine.
    /// Off unless the user asked for it: the password would cross the network in clear.
    #[serde(default)]
    pub allow_plaintext_login: bool,
}

impl std::fmt::Debug for EmailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from", &self.from)
            .field("to", &self.to)
            .field("allow_plaintext_login", &self.allow_plaintext_login)
            .finish()
    }
}

pub struct Email {
    cfg: EmailConfig,
}

impl Email {
    pub fn new(cfg: EmailConfig) -> Self {
        Email { cfg }
    }

    /// Whether the login would cross the network unencrypted without the user's consent
    /// (a host on this machine is exempt: nothing leaves it).
    fn plaintext_login_refused(&self) -> bool {
        let loopback = matches!(self.cfg.host.as_str(), "localhost" | "127.0.0.1" | "::1" | "[::1]");
        self.cfg.security == SmtpSecurity::None
            && self.cfg.password.is_some()
            && !loopback
            && !self.cfg.allow_plaintext_login
    }

    fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, SendError> {
        if self.plaintext_login_refused() {
            return Err(SendError::Permanent {
                message: "email: refusing to send the SMTP password over an unencrypted connection; choose STARTTLS or TLS, or allow an unencrypted login explicitly".into(),
            });
        }
        let bad = |e: lettre::transport::smtp::Error| SendError::Permanent {
            message: format!("email: {e}"),
        };
        let builder = match self.cfg.security {
            SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.cfg.host),
            SmtpSecurity::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&self.cfg.host).map_err(bad)?
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&self.cfg.host).map_err(bad)?,
        };
        let mut builder = builder.port(self.cfg.port).timeout(Some(Duration::from_secs(20)));
        if let (Some(user), Some(pass)) = (&self.cfg.user, &self.cfg.password) {
            builder = builder.credentials(Credentials::new(user.clone(), pass.expose().to_owned()));
        }
        Ok(builder.build())
    }

    fn message(&self, notice: &Notice, lang: Lang) -> Result<Message, SendError> {
        let addr = |a: &str| {
            a.parse().map_err(|_| SendError::Permanent {
                message: format!("email: {a:?} is not an email address"),
            })
        };
        let mut m = Message::builder()
            .from(addr(&self.cfg.from)?)
            .subject(notice.title(lang));
        for to in &self.cfg.to {
            m = m.to(addr(to)?);
        }
        m.header(ContentType::TEXT_PLAIN)
            .body(notice.body(lang))
            .map_err(|e| SendError::Permanent {
                message: format!("email: {e}"),
            })
    }
}

impl Channel for Email {
    fn name(&self) -> &'static str {
        "email"
    }

    fn send<'a>(
        &'a self,
        notice: &'a Notice,
        lang: Lang,
    ) -> Pin<Box<dyn Future<Output = Result<(), SendError>> + Send + 'a>> {
        Box::pin(async move {
            if self.cfg.to.is_empty() {
                return Err(SendError::Permanent {
                    message: "email: no recipient set".into(),
                });
            }
            let message = self.message(notice, lang)?;
            match self.transport()?.send(message).await {
                Ok(_) => Ok(()),
                // 5xx replies will not change by retrying; 4xx, timeouts and connection errors may
                Err(e) if e.is_permanent() => Err(SendError::Permanent {
                    message: format!("email: {e}"),
                }),
                Err(e) => Err(SendError::Retryable {
                    message: format!("email: {e}"),
                    retry_after: None,
                }),
            }
        })
    }
}
