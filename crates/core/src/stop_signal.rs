//! The signals that ask a front end to stop through its normal exit path (rclone stopped,
//! batches paused or left to resume): SIGTERM (systemd, `kill`) and SIGINT (Ctrl-C).

/// Waits for SIGTERM or SIGINT (only Ctrl-C where there is no SIGTERM) and names it. Must run
/// inside a tokio runtime.
pub async fn wait() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            return tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = tokio::signal::ctrl_c() => "SIGINT",
            };
        }
        tracing::warn!("cannot watch for SIGTERM; only Ctrl-C stops this process cleanly");
    }
    let _ = tokio::signal::ctrl_c().await;
    "SIGINT"
}
