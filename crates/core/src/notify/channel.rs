//! The channel interface and how delivery failures are classified.

use std::{future::Future, pin::Pin, time::Duration};

use super::message::{Lang, Notice};

/// A delivery failure. Messages never contain secrets (tokens, passwords, auth headers).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Try again (5xx, 429, connection errors), not before `retry_after` when known.
    #[error("{message}")]
    Retryable { message: String, retry_after: Option<Duration> },
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

    /// A transport error, with the URL removed (it may hold a token).
    pub fn transport(what: &str, e: reqwest::Error) -> SendError {
        SendError::Retryable { message: format!("{what}: {}", e.without_url()), retry_after: None }
    }
}

/// A place notifications go.
pub trait Channel: Send + Sync + 'static {
    /// Short name for logs and the UI ("webhook", "telegram", ...).
    fn name(&self) -> &'static str;
    fn send<'a>(&'a self, notice: &'a Notice, lang: Lang) -> Pin<Box<dyn Future<Output = Result<(), SendError>> + Send + 'a>>;
}
