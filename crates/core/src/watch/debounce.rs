//! One watched folder: file-system events (inotify, FSEvents, ReadDirectoryChangesW through
//! the `notify` crate) coalesced into runs.
//!
//! Events only say "something changed": they go through a channel of one slot, so a burst of
//! 10,000 changes costs 10,000 failed `try_send`s and nothing else. A run is asked for once
//! the folder has been quiet for the quiet time, or at the latest `MAX_DELAY_FACTOR` times
//! that after the first change of a burst that never pauses.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use notify::{event::EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::{sync::mpsc, time::Instant};

/// The backups' folder and rclone's partial files are never a reason to run.
fn relevant(ev: &notify::Event) -> bool {
    if matches!(ev.kind, EventKind::Access(_) | EventKind::Other) {
        return false;
    }
    ev.paths.iter().any(|p| {
        let s = p.to_string_lossy();
        !s.contains("/.rcmd-backup") && !s.ends_with(".partial")
    })
}

/// Why a folder cannot be watched, in the user's words.
pub fn explain(folder: &Path, e: &notify::Error) -> String {
    match &e.kind {
        notify::ErrorKind::MaxFilesWatch => {
            let limit = std::fs::read_to_string("/proc/sys/fs/inotify/max_user_watches")
                .map(|l| l.trim().to_owned())
                .unwrap_or_else(|_| "?".into());
            format!(
                "{} has more folders than the system lets one user watch (fs.inotify.max_user_watches = {limit}); raise it (e.g. `sudo sysctl fs.inotify.max_user_watches=524288`, and in /etc/sysctl.d to keep it), then save the schedule again. Until then it runs by its clock only",
                folder.display()
            )
        }
        notify::ErrorKind::PathNotFound => format!("{} does not exist", folder.display()),
        notify::ErrorKind::Io(io) if io.raw_os_error() == Some(24) => format!(
            "the system's limit of watch instances is reached (fs.inotify.max_user_instances) while watching {}: raise it, or close other programs that watch folders",
            folder.display()
        ),
        _ => format!("cannot watch {}: {e}", folder.display()),
    }
}

/// A live watch: dropping it stops the events.
pub struct Watch {
    _watcher: RecommendedWatcher,
    rx: mpsc::Receiver<PathBuf>,
    quiet: Duration,
    max_delay: Duration,
}

impl Watch {
    /// Starts watching `folders` (recursively).
    pub fn start(folders: &[PathBuf], quiet: Duration, max_delay: Duration) -> Result<Watch, String> {
        let (tx, rx) = mpsc::channel::<PathBuf>(1);
        let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| match res {
            Ok(ev) if relevant(&ev) => {
                let _ = tx.try_send(ev.paths.first().cloned().unwrap_or_default());
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "folder watch error"),
        })
        .map_err(|e| format!("cannot start watching: {e}"))?;
        for f in folders {
            watcher.watch(f, RecursiveMode::Recursive).map_err(|e| explain(f, &e))?;
        }
        Ok(Watch {
            _watcher: watcher,
            rx,
            quiet,
            max_delay: max_delay.max(quiet),
        })
    }

    /// Waits for the next burst of changes to settle; the first changed path. `None` when
    /// the watch ended.
    pub async fn next(&mut self) -> Option<PathBuf> {
        let first_path = self.rx.recv().await?;
        let first = Instant::now();
        let mut last = first;
        loop {
            let deadline = (last + self.quiet).min(first + self.max_delay);
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(_)) => last = Instant::now(),
                Ok(None) => return None,
                Err(_) => return Some(first_path),
            }
        }
    }
}
