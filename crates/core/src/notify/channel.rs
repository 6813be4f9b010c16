//! The channel interface and how delivery failures are classified.

use std::{future::Future, pin::Pin, time::Duration};

use super::message::{Lang, Notice};

/// A delivery failure. Messages never contain secrets (tokens, passwords, auth headers).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Try again (5xx, 429, connection errors), not before `retry_after` when known.
    #[error("{message}")]
    Retryable {
        message: String,
        retry_after: Option<Duration>,
    },
    /// Will not work without the user (bad URL, token, chat, credentials).
    #[error("{message}")]
    Permanent { message: String },
}

impl SendError {
    /// By HTTP status: 408, 429 and 5xx are retryable, other failures permanent.
    pub fn from_status(status: u16, message: String, retry_after: Option<Duration>) -> SendError {
        if status == 408 || status == 429 || status >= 500 {
            SendError::Retryable { message, retry_after }
        } else {
            SendError::Permanent { message }
        }
    }

    /// A transport error, with the URL removed (it may hold a token). An untrusted server
    /// certificate is permanent: retrying cannot fix it.
    pub fn transport(what: &str, e: reqwest::Error) -> SendError {
        if crate::net::is_certificate_error(&e) {
            return SendError::Permanent {
                message: format!(
                    "{what}: the server's TLS certificate is not trusted; if the server uses a private CA, add its certificate as the CA file in the notification settings"
                ),
            };
        }
        SendError::Retryable {
            message: format!("{what}: {}", e.without_url()),
            retry_after: None,
        }
    }
}

/// A channel whose configuration cannot work (e.g. an unreadable CA file): every send fails
/// with the reason, so "Send test" and the delivery status show it.
pub struct Misconfigured {
    pub name: &'static str,
    pub reason: String,
}

impl Channel for Misconfigured {
    fn name(&self) -> &'static str {
        self.name
    }

    fn send<'a>(&'a self, _: &'a Notice, _: Lang) -> Pin<Box<dyn Future<Output = Result<(), SendError>> + Send + 'a>> {
        Box::pin(std::future::ready(Err(SendError::Permanent {
            message: format!("{}: {}", self.name, self.reason),
        })))
    }
}

/// A place notifications go.
pub trait Channel: Send + Sync + 'static {
    /// Short name for logs and the UI ("webhook", "telegram", ...).
    fn name(&self) -> &'static str;
    fn send<'a>(
        &'a self,
        notice: &'a Notice,
        lang: Lang,
    ) -> Pin<Box<dyn Future<Output = Result<(), SendError>> + Send + 'a>>;
}
