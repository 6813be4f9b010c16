//! Logging for every front end: tracing to stderr, and for the app also to a daily-rotated
//! file in its log folder (14 files kept, read back by the log view). The filter comes from
//! `RUST_LOG`, else the front end's default level. rclone's own output arrives under target
//! `rclone`, so the file holds app and rclone lines. Secrets never reach either: they are
//! wrapped in a type that prints `***`. Colours only on a terminal without `NO_COLOR`
//! (journald and files get plain text).

use std::path::Path;

use tracing_subscriber::{fmt, layer::SubscriberExt, util::SubscriberInitExt, EnvFilter, Layer};

/// Keeps the file writer flushing. Drop it last: dropping waits for the lines still queued,
/// so a process that ends without unwinding (an event loop calling `exit`) must drop it
/// before it ends or its last lines are lost.
#[must_use = "dropping the guard stops the file writer"]
pub struct LogGuard(#[allow(dead_code)] Option<tracing_appender::non_blocking::WorkerGuard>);

/// Installs the subscriber: stderr at `default_level` (unless `RUST_LOG` says otherwise),
/// and files `rcmd.<date>.log` in `files` when given. Without a writable log folder, logs go
/// to stderr only (and that is said there). A second call changes nothing.
pub fn init(default_level: &str, files: Option<&Path>) -> LogGuard {
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none();
    let stderr = fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_filter(filter());
    let Some(dir) = files else {
        let _ = tracing_subscriber::registry().with(stderr).try_init();
        return LogGuard(None);
    };
    let file = std::fs::create_dir_all(dir).map_err(|e| e.to_string()).and_then(|()| {
        tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix("rcmd")
            .filename_suffix("log")
            .max_log_files(14)
            .build(dir)
            .map_err(|e| e.to_string())
    });
    match file {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let file_layer = fmt::layer().with_writer(writer).with_ansi(false).with_filter(filter());
            let _ = tracing_subscriber::registry().with(stderr).with(file_layer).try_init();
            tracing::info!(dir = %dir.display(), "logging to files");
            LogGuard(Some(guard))
        }
        Err(e) => {
            let _ = tracing_subscriber::registry().with(stderr).try_init();
            tracing::warn!(dir = %dir.display(), error = %e, "cannot write log files; logging to stderr only");
            LogGuard(None)
        }
    }
}
