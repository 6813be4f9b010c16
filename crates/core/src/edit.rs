//! Edit (F4): a remote file fetched into a private folder, opened in the system's editor, and
//! uploaded back each time it is saved. Before each upload the remote file is looked at again:
//! if it is no longer the version that was opened (someone else changed it), the upload waits
//! for the user's answer and never replaces it unasked. Fetch and upload go through the
//! resilient layer (copy jobs with retries, breakers and the stall watchdog).

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, SystemTime},
};

use rcmd_types::{EditEvent, FileEntry};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::{
    remote_path::RemotePath,
    resilience::layer::Resilient,
    view::{self, ViewError},
    Error,
};

/// The largest file F4 edits.
pub const EDIT_MAX_BYTES: i64 = 256 * 1024 * 1024;
/// How often the local copy is looked at for a save.
pub const POLL: Duration = Duration::from_millis(700);

/// The open edit sessions of this app; each runs until stopped or the app ends.
#[derive(Default)]
pub struct Edits {
    next: AtomicU64,
    sessions: Mutex<HashMap<u64, Session>>,
}

struct Session {
    cancel: CancellationToken,
    answers: mpsc::Sender<bool>,
}

/// Size and time of a version of the remote file.
fn version(e: &FileEntry) -> (i64, String) {
    (e.size, e.mod_time.clone())
}

/// Size and modification time of the local copy (a save changes one of them).
fn local_state(path: &Path) -> Option<(u64, SystemTime)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.len(), m.modified().ok()?))
}

impl Edits {
    /// Fetches `file` into `root` (a private folder per session), opens it with the system's
    /// editor and watches it; `sink` hears every [`EditEvent`]. Returns the session's id.
    pub async fn start(
        self: &Arc<Self>,
        rc: Arc<Resilient>,
        file: RemotePath,
        root: &Path,
        sink: impl Fn(EditEvent) + Send + Sync + 'static,
    ) -> Result<u64, Error> {
        let spec = file.to_string();
        let cancel = CancellationToken::new();
        let entry = view::file_entry(&rc, &file, EDIT_MAX_BYTES, &cancel).await?;
        let id = self.next.fetch_add(1, Ordering::SeqCst) + 1;
        let dir = root.join(format!("{id}-{:016x}", rand::random::<u64>()));
        view::private_dir(&dir)?;
        let local = dir.join(&entry.name);
        rc.download(&file, &local, &cancel).await?;
        // the copy as fetched, read before anyone can save it: a save right after "opened"
        // (before the watcher's first look) is still a change
        let fetched = local_state(&local);
        view::open_copy(&local, root)?;
        let (tx, rx) = mpsc::channel(1);
        self.sessions.lock().unwrap_or_else(|p| p.into_inner()).insert(
            id,
            Session {
                cancel: cancel.clone(),
                answers: tx,
            },
        );
        sink(EditEvent::Opened { id, spec: spec.clone() });
        let me = Arc::clone(self);
        let watch = Watch {
            id,
            spec,
            rc,
            file,
            local,
            opened: version(&entry),
            fetched,
        };
        tokio::spawn(async move {
            watch.run(rx, &cancel, &sink).await;
            me.sessions.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
            sink(EditEvent::Stopped { id, spec: watch.spec });
        });
        Ok(id)
    }

    /// The answer to a [`EditEvent::RemoteChanged`]: upload the edit anyway, or keep the
    /// remote file. `false` when no session waits for one.
    pub fn answer(&self, id: u64, upload: bool) -> bool {
        let sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        sessions.get(&id).is_some_and(|s| s.answers.try_send(upload).is_ok())
    }

    /// Stops watching session `id` (the local copy stays where it is).
    pub fn stop(&self, id: u64) {
        if let Some(s) = self.sessions.lock().unwrap_or_else(|p| p.into_inner()).get(&id) {
            s.cancel.cancel();
        }
    }

    /// Stops every session (the app quits).
    pub fn stop_all(&self) {
        for s in self.sessions.lock().unwrap_or_else(|p| p.into_inner()).values() {
            s.cancel.cancel();
        }
    }
}

struct Watch {
    id: u64,
    spec: String,
    rc: Arc<Resilient>,
    file: RemotePath,
    local: PathBuf,
    /// The remote version the edit is based on (after each upload: the uploaded one).
    opened: (i64, String),
    /// The local copy's size and time right after the fetch.
    fetched: Option<(u64, SystemTime)>,
}

impl Watch {
    async fn run(&self, mut answers: mpsc::Receiver<bool>, cancel: &CancellationToken, sink: &impl Fn(EditEvent)) {
        let mut seen = self.fetched;
        let mut opened = self.opened.clone();
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(POLL) => {}
            }
            let now = local_state(&self.local);
            if now == seen || now.is_none() {
                continue;
            }
            // an editor may write in several steps: upload once the file holds still
            tokio::time::sleep(POLL).await;
            let settled = local_state(&self.local);
            if settled != now {
                continue;
            }
            seen = settled;
            match self.save(&mut opened, &mut answers, cancel, sink).await {
                Ok(()) => {}
                Err(e) => sink(EditEvent::Failed {
                    id: self.id,
                    spec: self.spec.clone(),
                    message: e.to_string(),
                }),
            }
        }
    }

    /// Uploads the saved copy, unless the remote file changed since `opened` and the user
    /// keeps it.
    async fn save(
        &self,
        opened: &mut (i64, String),
        answers: &mut mpsc::Receiver<bool>,
        cancel: &CancellationToken,
        sink: &impl Fn(EditEvent),
    ) -> Result<(), Error> {
        let (id, spec) = (self.id, self.spec.clone());
        let remote_now = self.rc.stat(&self.file, cancel).await?;
        if remote_now.as_ref().map(version).as_ref() != Some(&*opened) {
            sink(EditEvent::RemoteChanged { id, spec: spec.clone() });
            let upload = tokio::select! {
                _ = cancel.cancelled() => return Ok(()),
                a = answers.recv() => a.unwrap_or(false),
            };
            if !upload {
                sink(EditEvent::Kept { id, spec });
                return Ok(());
            }
        }
        self.rc.upload(&self.local, &self.file, cancel).await?;
        let after = self
            .rc
            .stat(&self.file, cancel)
            .await?
            .ok_or(ViewError::Gone { path: spec.clone() })?;
        *opened = version(&after);
        sink(EditEvent::Uploaded {
            id,
            spec,
            size: after.size,
        });
        Ok(())
    }
}
