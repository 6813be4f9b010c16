//! Desktop notifications (notify-rust: the freedesktop notification service on Linux,
//! Notification Center on macOS, toasts on Windows). Where no service runs, sending fails
//! with a permanent error that is logged and shown once; nothing crashes.

use std::{future::Future, pin::Pin};

use super::{
    channel::{Channel, SendError},
    message::{Lang, Notice},
};

pub struct Desktop;

impl Channel for Desktop {
    fn name(&self) -> &'static str {
        "desktop"
    }

    fn send<'a>(&'a self, notice: &'a Notice, lang: Lang) -> Pin<Box<dyn Future<Output = Result<(), SendError>> + Send + 'a>> {
        let (title, body) = (notice.title(lang).to_owned(), notice.body(lang));
        Box::pin(async move {
            // a blocking D-Bus call: keep it off the async workers
            let shown = tokio::task::spawn_blocking(move || {
                notify_rust::Notification::new().appname("RCMD").summary(&title).body(&body).show().map(|_| ())
            })
            .await;
            match shown {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(SendError::Permanent { message: format!("desktop notifications are unavailable: {e}") }),
                Err(e) => Err(SendError::Permanent { message: format!("desktop notification failed: {e}") }),
            }
        })
    }
}
