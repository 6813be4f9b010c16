//! Logging: tracing to stderr and to a daily-rotated file in the app's log folder (14 files
//! kept), filter from `RUST_LOG` (default `info`). rclone's own output arrives under target
//! `rclone`, so the file holds app and rclone lines. Secrets never reach either: they are
//! wrapped in a type that prints `***`.

use tracing_subscriber::{fmt, layer::SubscriberExt, util::SubscriberInitExt, EnvFilter, Layer};

/// Keeps the file writer flushing; hold it until the app exits.
pub type Guard = Option<tracing_appender::non_blocking::WorkerGuard>;

/// Installs the subscriber. Without a writable log folder, logs go to stderr only (and that
/// is said on stderr).
pub fn init() -> Guard {
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none();
    let stderr = fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_filter(filter());
    let dir = rcmd_core::app_dirs::log_dir();
    let file = std::fs::create_dir_all(&dir).map_err(|e| e.to_string()).and_then(|()| {
        tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix("rcmd")
            .filename_suffix("log")
            .max_log_files(14)
            .build(&dir)
            .map_err(|e| e.to_string())
    });
    match file {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let file_layer = fmt::layer().with_writer(writer).with_ansi(false).with_filter(filter());
            let _ = tracing_subscriber::registry().with(stderr).with(file_layer).try_init();
            tracing::info!(dir = %dir.display(), "logging to files");
            Some(guard)
        }
        Err(e) => {
            let _ = tracing_subscriber::registry().with(stderr).try_init();
            tracing::warn!(dir = %dir.display(), error = %e, "cannot write log files; logging to stderr only");
            None
        }
    }
}
