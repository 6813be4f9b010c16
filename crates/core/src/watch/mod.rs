//! Watch mode: schedules whose source is a local folder also run when it changes.
//!
//! [`Watches`] keeps one folder watch per watched schedule (started, changed and stopped as
//! the schedules are), each turning settled bursts of changes into [`Scheduler::trigger`]
//! calls: the schedule's own run, with its overlap rule forced to "wait" (a change during a
//! run queues one more run; one waits at most). The schedule's cron stays as the periodic
//! full run, because events can be missed (a full queue, a folder changed while RCMD was
//! not running). What cannot be watched (no local folder, the system's watch limit) is said
//! per schedule in [`WatchStatus`]; its clock runs go on.

mod debounce;

use std::{
    collections::HashMap,
    path::PathBuf,
    sync::{Arc, Mutex},
    time::Duration,
};

use rcmd_types::{BatchKind, ScheduleSpec, WatchStatus, WatchTrigger};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

pub use debounce::{explain, Watch};

use crate::{
    remote_path::{RemotePath, LOCAL_DISK},
    resilience::layer::Resilient,
    schedule::Scheduler,
};

struct Running {
    /// The folders and quiet time the watch was started with.
    key: String,
    task: Option<tokio::task::AbortHandle>,
    status: Arc<Mutex<WatchStatus>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(t) = &self.task {
            t.abort();
        }
    }
}

/// The watches of one engine. Cheap to clone.
#[derive(Clone)]
pub struct Watches {
    scheduler: Scheduler,
    rc: Arc<Resilient>,
    running: Arc<Mutex<HashMap<i64, Running>>>,
}

impl Watches {
    pub fn new(scheduler: Scheduler, rc: Arc<Resilient>) -> Self {
        Watches {
            scheduler,
            rc,
            running: Arc::default(),
        }
    }

    /// Every watched schedule and where its watch stands.
    pub fn status(&self) -> Vec<WatchStatus> {
        let mut out: Vec<WatchStatus> = self
            .running
            .lock()
            .map(|r| {
                r.values()
                    .filter_map(|w| w.status.lock().ok().map(|s| s.clone()))
                    .collect()
            })
            .unwrap_or_default();
        out.sort_by_key(|s| s.schedule_id);
        out
    }

    /// Brings the watches in line with the schedules: new watched schedules start, changed
    /// ones restart, removed or disabled ones stop.
    pub async fn refresh(&self) {
        let all = match self.scheduler.store().all().await {
            Ok(a) => a,
            Err(e) => return warn!(error = %e, "cannot read the schedules to watch"),
        };
        let mut wanted = HashMap::new();
        for s in all.into_iter().filter(|s| s.spec.enabled) {
            let Some(trigger) = s.spec.watch else { continue };
            let folders = self.folders(&s.spec).await;
            wanted.insert(s.id, (s.spec.name.clone(), trigger, folders));
        }
        let Ok(mut running) = self.running.lock() else { return };
        running.retain(|id, _| wanted.contains_key(id));
        for (id, (name, trigger, folders)) in wanted {
            let key = format!("{folders:?}|{}", trigger.quiet_secs);
            if running.get(&id).is_some_and(|r| r.key == key) {
                continue;
            }
            running.insert(id, self.start(id, name, trigger, folders, key));
        }
    }

    /// Refreshes every `every` in the background (inside a tokio runtime).
    pub fn keep_refreshed(self, every: Duration) {
        tokio::spawn(async move {
            loop {
                self.refresh().await;
                tokio::time::sleep(every).await;
            }
        });
    }

    fn start(
        &self,
        id: i64,
        name: String,
        trigger: WatchTrigger,
        folders: Result<Vec<PathBuf>, String>,
        key: String,
    ) -> Running {
        let status = Arc::new(Mutex::new(WatchStatus {
            schedule_id: id,
            name: name.clone(),
            folders: folders
                .as_ref()
                .map(|f| f.iter().map(|p| p.display().to_string()).collect())
                .unwrap_or_default(),
            problem: None,
            triggered: 0,
        }));
        let quiet = Duration::from_secs(trigger.quiet_secs.max(1) as u64);
        let watch = folders.and_then(|f| Watch::start(&f, quiet, quiet * WatchTrigger::MAX_DELAY_FACTOR));
        let mut watch = match watch {
            Ok(w) => w,
            Err(problem) => {
                warn!(schedule = %name, %problem, "not watched");
                if let Ok(mut s) = status.lock() {
                    s.problem = Some(problem);
                }
                return Running {
                    key,
                    task: None,
                    status,
                };
            }
        };
        info!(schedule = %name, quiet_s = quiet.as_secs(), "watching");
        let (scheduler, st) = (self.scheduler.clone(), status.clone());
        let task = tokio::spawn(async move {
            while let Some(path) = watch.next().await {
                match scheduler.trigger(id, &format!("changed: {}", path.display())).await {
                    Ok(Some(_)) => {
                        if let Ok(mut s) = st.lock() {
                            s.triggered += 1;
                        }
                    }
                    Ok(None) => {}
                    Err(e) => warn!(schedule = id, error = %e, "cannot start the run of a change"),
                }
            }
        });
        Running {
            key,
            task: Some(task.abort_handle()),
            status,
        }
    }

    /// The local folders `spec` runs from: the source of a copy, move or sync; the local
    /// sides of a two-way pair.
    async fn folders(&self, spec: &ScheduleSpec) -> Result<Vec<PathBuf>, String> {
        let sides = match (spec.kind, spec.pair) {
            (BatchKind::Bisync, Some(pair)) => {
                let store = crate::bisync::PairStore::new(self.scheduler.store().batches().clone());
                match store.get(pair).await {
                    Ok(Some(p)) => vec![p.spec.path1, p.spec.path2],
                    Ok(None) => return Err(format!("its pair {pair} is gone")),
                    Err(e) => return Err(e.to_string()),
                }
            }
            _ => vec![spec.src.clone()],
        };
        let mut out = Vec::new();
        let mut why = Vec::new();
        for side in &sides {
            match self.local_folder(side).await {
                Ok(p) => out.push(p),
                Err(e) => why.push(e),
            }
        }
        if out.is_empty() {
            return Err(why.join("; "));
        }
        Ok(out)
    }

    /// The folder on this computer behind `spec` (`:local:` paths, `local` remotes, aliases
    /// of local folders).
    async fn local_folder(&self, spec: &str) -> Result<PathBuf, String> {
        let p = RemotePath::parse(spec).map_err(|e| e.to_string())?;
        let not_local =
            || format!("{spec} is not a folder on this computer: watch mode needs one (remotes send no change events)");
        if p.remote.as_str() == LOCAL_DISK {
            return absolute(&p.spec_path()).ok_or_else(not_local);
        }
        let name = p.remote.as_str().to_owned();
        let cfg: Value = self
            .rc
            .call(&[], &CancellationToken::new(), |c| {
                let name = name.clone();
                async move { Ok(c.call::<_, Value>("config/get", &json!({ "name": name })).await?) }
            })
            .await
            .map_err(|e| e.to_string())?;
        let root = match cfg.get("type").and_then(Value::as_str) {
            Some("local") => String::new(),
            Some("alias") => cfg.get("remote").and_then(Value::as_str).unwrap_or_default().to_owned(),
            _ => return Err(not_local()),
        };
        let joined = match (root.is_empty(), p.path().is_empty()) {
            (true, _) => p.spec_path(),
            (false, true) => root,
            (false, false) => format!("{}/{}", root.trim_end_matches('/'), p.path()),
        };
        absolute(&joined).ok_or_else(not_local)
    }
}

/// `path` when it is absolute on this system.
fn absolute(path: &str) -> Option<PathBuf> {
    let p = PathBuf::from(path);
    p.is_absolute().then_some(p)
}
