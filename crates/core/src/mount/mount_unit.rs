//! One mount as the supervision loop drives it: `mount/mount` through the resilient layer,
//! a probe of the mount point with a deadline, rclone's own list, the remote's health and
//! the uploads still pending in its VFS cache.

use std::{
    path::PathBuf,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use rcmd_types::{BreakerState, MountSpec};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use super::{
    os,
    probe::{Probe, Prober},
    unit::{Health, StartError, Unit},
    MountsConfig,
};
use crate::{
    remote_path::{RemoteName, RemotePath},
    resilience::layer::Resilient,
    Error,
};

pub struct MountUnit {
    pub spec: MountSpec,
    pub mount_point: PathBuf,
    /// The remote whose breaker the mount shares (`None` for a local folder).
    pub remote: Option<RemotePath>,
    pub rc: Arc<Resilient>,
    pub cfg: MountsConfig,
    prober: Prober,
    last_remote_check: Mutex<Option<Instant>>,
    /// Where rclone mounted it (on Windows `*` becomes the drive letter it chose).
    actual: Mutex<Option<PathBuf>>,
}

impl MountUnit {
    pub fn new(spec: MountSpec, rc: Arc<Resilient>, cfg: MountsConfig) -> Self {
        MountUnit {
            mount_point: PathBuf::from(&spec.mount_point),
            remote: remote_of(&spec.fs),
            spec,
            rc,
            cfg,
            prober: Prober::default(),
            last_remote_check: Mutex::new(None),
            actual: Mutex::new(None),
        }
    }

    /// Where it is mounted: what rclone answered, else the spec's mount point.
    pub fn where_mounted(&self) -> PathBuf {
        self.actual
            .lock()
            .ok()
            .and_then(|a| a.clone())
            .unwrap_or_else(|| self.mount_point.clone())
    }

    fn remotes(&self) -> Vec<&RemoteName> {
        self.remote.iter().map(|r| &r.remote).collect()
    }

    /// `mount/mount`'s parameters.
    pub fn params(&self) -> Value {
        let mut vfs = json!({ "CacheMode": self.spec.cache_mode.rclone_value(), "ReadOnly": self.spec.read_only });
        if !self.spec.cache_max_size.is_empty() {
            vfs["CacheMaxSize"] = json!(self.spec.cache_max_size);
        }
        let mut p = json!({ "fs": self.spec.fs, "mountPoint": self.spec.mount_point, "vfsOpt": vfs });
        if !self.spec.mount_type.is_empty() {
            p["mountType"] = json!(self.spec.mount_type);
        }
        p
    }

    /// Uploads not done yet in the mount's VFS cache (queued or in progress).
    pub async fn pending(&self) -> Result<(u64, Vec<String>), Error> {
        self.cache().await.map(|c| (c.pending, c.names))
    }

    /// The mount's VFS cache: pending uploads (with their names when there are any) and size.
    pub async fn cache(&self) -> Result<CacheFigures, Error> {
        let (fs, timeout) = (json!({ "fs": self.spec.fs }), self.cfg.call_timeout);
        let stats = rc_call(&self.rc, &[], "vfs/stats", fs.clone(), timeout).await?;
        let cache = &stats["diskCache"];
        let count = cache["uploadsInProgress"].as_u64().unwrap_or(0) + cache["uploadsQueued"].as_u64().unwrap_or(0);
        let bytes = cache["bytesUsed"].as_u64().unwrap_or(0);
        let mut names = vec![];
        if count > 0 {
            let q = rc_call(&self.rc, &[], "vfs/queue", fs, timeout).await;
            if let Ok(q) = q {
                names = q["queue"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|i| i["name"].as_str().map(str::to_owned)).collect())
                    .unwrap_or_default();
            }
        }
        Ok(CacheFigures {
            pending: count,
            names,
            bytes,
        })
    }

    /// `mount/unmount` of this mount point.
    pub async fn rc_unmount(&self, timeout: Duration) -> Result<(), Error> {
        let params = json!({ "mountPoint": self.where_mounted() });
        rc_call(&self.rc, &[], "mount/unmount", params, timeout).await.map(drop)
    }

    /// Whether rclone lists this mount point (`None`: rclone did not answer).
    pub async fn listed(&self) -> Option<bool> {
        let list = rc_call(&self.rc, &[], "mount/listmounts", json!({}), self.cfg.call_timeout)
            .await
            .ok()?;
        let want = self.where_mounted();
        let want = want.as_path();
        Some(list["mountPoints"].as_array().is_some_and(|a| {
            a.iter()
                .any(|m| m["MountPoint"].as_str().map(std::path::Path::new) == Some(want))
        }))
    }

    /// Asks the remote (a stat of its root, through its breaker) at most every
    /// `remote_every`; the answer counts for the breaker. `Some(why)` when the breaker is
    /// not closed.
    async fn remote_trouble(&self) -> Option<String> {
        let root = self.remote.as_ref()?;
        let due = {
            let mut last = self.last_remote_check.lock().ok()?;
            let due = last.is_none_or(|t| t.elapsed() >= self.cfg.remote_every);
            if due {
                *last = Some(Instant::now());
            }
            due
        };
        if due {
            let cancel = CancellationToken::new();
            // a name that is not there: a stat of the root itself is answered from rclone's
            // cache without asking the server
            let probe = root.join(".rcmd-alive-check").ok()?;
            let _ = self
                .rc
                .call_once(&[&root.remote], &cancel, |c| {
                    let probe = probe.clone();
                    async move { Ok(crate::ops::probe(&c, &probe, true).await?) }
                })
                .await;
        }
        let snap = self.rc.breakers().snapshot(root.remote.as_str());
        (snap.state != BreakerState::Closed).then(|| {
            let why = snap
                .last_failure
                .map(|f| format!(": {}", f.message))
                .unwrap_or_default();
            format!(
                "remote {} does not answer{why}; reads and uploads wait until it is back",
                root.remote
            )
        })
    }
}

impl Unit for MountUnit {
    async fn start(&self) -> Result<(), StartError> {
        if let Some(m) = os::missing_fuse(&self.spec.mount_type) {
            return Err(StartError::Permanent(m));
        }
        if cfg!(unix) {
            // left over by a daemon that died (ours before a crash, or another program's)
            if !matches!(
                self.prober.probe(&self.mount_point, self.cfg.probe_deadline).await,
                Probe::NotMounted
            ) {
                match self.listed().await {
                    Some(true) => return Ok(()),
                    _ => {
                        let _ = os::force_unmount(&self.mount_point, self.cfg.call_timeout).await;
                    }
                }
            }
            // in a thread with a deadline, like the probe: a folder above the mount point may
            // be another mount that hangs
            let (mp, shown) = (self.mount_point.clone(), self.spec.mount_point.clone());
            let prepared = tokio::time::timeout(
                self.cfg.probe_deadline,
                tokio::task::spawn_blocking(move || prepare_mount_point(&mp, &shown)),
            )
            .await;
            match prepared {
                Ok(Ok(r)) => r?,
                _ => {
                    return Err(StartError::Transient(format!(
                        "the mount point {} does not answer (a folder above it hangs)",
                        self.spec.mount_point
                    )))
                }
            }
        }
        let r = rc_call(
            &self.rc,
            &self.remotes(),
            "mount/mount",
            self.params(),
            self.cfg.mount_timeout,
        )
        .await;
        match r {
            Ok(v) => {
                if let (Some(mp), Ok(mut a)) = (v["mountPoint"].as_str(), self.actual.lock()) {
                    *a = Some(PathBuf::from(mp));
                }
                Ok(())
            }
            Err(e) => {
                let msg = format!("cannot mount: {}", rclone_message(&e));
                if is_permanent(&msg) {
                    Err(StartError::Permanent(msg))
                } else {
                    Err(StartError::Transient(msg))
                }
            }
        }
    }

    async fn check(&self) -> Health {
        let probe = self.prober.probe(&self.where_mounted(), self.cfg.probe_deadline).await;
        if probe != Probe::Alive {
            return Health::Dead(probe.describe());
        }
        if self.listed().await == Some(false) {
            return Health::Dead("rclone no longer lists the mount (it was restarted or unmounted it)".into());
        }
        let degraded = self.remote_trouble().await;
        let cache = self.cache().await.unwrap_or_default();
        Health::Alive {
            degraded,
            pending: cache.pending,
            cache_bytes: cache.bytes,
        }
    }

    async fn clear(&self) {
        if let Err(e) = os::force_unmount(&self.where_mounted(), self.cfg.call_timeout).await {
            tracing::debug!(error = %e, "force unmount");
        }
        let _ = self.rc_unmount(Duration::from_secs(5)).await;
    }
}

/// Checks that `mp` is empty (FUSE on Linux mounts over a non-empty folder and hides what is
/// in it) and creates it. Blocking.
fn prepare_mount_point(mp: &std::path::Path, shown: &str) -> Result<(), StartError> {
    if std::fs::read_dir(mp).is_ok_and(|mut d| d.next().is_some()) {
        return Err(StartError::Permanent(format!(
            "the mount point {shown} is not empty: choose an empty or new folder"
        )));
    }
    std::fs::create_dir_all(mp)
        .map_err(|e| StartError::Permanent(format!("cannot create the mount point {shown}: {e}")))
}

/// What `vfs/stats` says about a mount's cache.
#[derive(Clone, Debug, Default)]
pub struct CacheFigures {
    pub pending: u64,
    /// The pending files' names (asked only when some are pending).
    pub names: Vec<String>,
    /// rclone counts it on its cache-poll interval (`--vfs-cache-poll-interval`, 1 min), so
    /// it lags behind fresh writes.
    pub bytes: u64,
}

/// The remote part of a mount's `fs` (`remote:path`), `None` for a local folder.
pub fn remote_of(fs: &str) -> Option<RemotePath> {
    let (head, _) = fs.split_once(':')?;
    // a Windows drive (`C:\x`) is a local folder
    if head.len() == 1 || head.contains(['/', '\\']) {
        return None;
    }
    RemotePath::parse(fs).ok()
}

/// One RC call with a deadline, one attempt, through `remotes`' breakers (none: no breaker).
pub(crate) async fn rc_call(
    rc: &Resilient,
    remotes: &[&RemoteName],
    path: &str,
    params: Value,
    timeout: Duration,
) -> Result<Value, Error> {
    let cancel = CancellationToken::new();
    rc.call_once(remotes, &cancel, |c| {
        let params = params.clone();
        async move { Ok(c.call_with_timeout(path, &params, Some(timeout)).await?) }
    })
    .await
}

/// rclone's own message (without the HTTP wrapping, and never the echoed input, which may
/// hold a password), else the error as shown.
pub(crate) fn rclone_message(e: &Error) -> String {
    match e {
        Error::Rc(rc) => match rc.as_ref() {
            crate::rc::RcError::Api { message, .. } => message.clone(),
            other => other.to_string(),
        },
        other => other.to_string(),
    }
}

/// Errors no retry will fix: the user must change the mount.
fn is_permanent(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    [
        "not empty",
        "didn't find section in config",
        "not a directory",
        "unknown mount type",
        "permission denied",
        "already mounted",
        "is already in use",
    ]
    .iter()
    .any(|s| m.contains(s))
}
