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

    fn send<'a>(
        &'a self,
        notice: &'a Notice,
        lang: Lang,
    ) -> Pin<Box<dyn Future<Output = Result<(), SendError>> + Send + 'a>> {
        let (title, body) = (notice.title(lang).to_owned(), notice.body(lang));
        Box::pin(async move {
            // a blocking D-Bus call: keep it off the async workers
            let shown = tokio::task::spawn_blocking(move || {
                notify_rust::Notification::new()
                    .appname("RCMD")
                    .summary(&title)
                    .body(&body)
                    .show()
                    .map(|_| ())
            })
            .await;
            match shown {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(SendError::Permanent {
                    message: format!("desktop notifications are unavailable: {e}"),
                }),
                Err(e) => Err(SendError::Permanent {
                    message: format!("desktop notification failed: {e}"),
                }),
            }
        })
    }
}

/// Whether a desktop session can show notifications: always on macOS and Windows; on other
/// systems a D-Bus session bus must be reachable (`DBUS_SESSION_BUS_ADDRESS`, or the bus
/// socket systemd puts in `$XDG_RUNTIME_DIR`, which notify-rust also finds).
pub fn session_available() -> bool {
    if cfg!(any(target_os = "macos", target_os = "windows")) {
        return true;
    }
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|a| !a.is_empty()) {
        return true;
    }
    let runtime = std::env::var_os("XDG_RUNTIME_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(format!("/run/user/{}", current_uid())));
    runtime.join("bus").exists()
}

#[cfg(unix)]
fn current_uid() -> u32 {
    use std::os::unix::fs::MetadataExt;
    // the owner of our own /proc entry, without a libc call
    std::fs::metadata("/proc/self").map(|m| m.uid()).unwrap_or(0)
}

#[cfg(not(unix))]
fn current_uid() -> u32 {
    0
}
