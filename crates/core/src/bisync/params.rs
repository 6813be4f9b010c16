//! The `sync/bisync` call of a run, the pair's working folder, and stale locks.
//!
//! Every pair has its own working folder (`<work>/bisync/<key>`), named by a hash of its two
//! sides and its filter: bisync's listings describe exactly that, so a pair whose sides or
//! filter change starts over with a resync instead of reading listings of something else.

use std::path::{Path, PathBuf};

use rcmd_types::{ConflictRule, PairSpec, CHECK_FILE};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::store::RunSpec;
use crate::remote_path::RemotePath;

/// The conflict suffix: losers are renamed `name.conflict1`, `name.conflict2`, ...
pub const CONFLICT_SUFFIX: &str = "conflict";

/// The working folder of `spec` below `work` (not created).
pub fn session_dir(work: &Path, spec: &PairSpec) -> PathBuf {
    let mut h = Sha256::new();
    h.update(spec.path1.trim().as_bytes());
    h.update([0]);
    h.update(spec.path2.trim().as_bytes());
    h.update([0]);
    h.update(serde_json::to_vec(&spec.filter).unwrap_or_default());
    let hex: String = h.finalize().iter().take(10).map(|b| format!("{b:02x}")).collect();
    work.join("bisync").join(hex)
}

/// Whether bisync's listings of both sides are in `dir` (a run can go on from them).
pub fn has_listings(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    let names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    ["path1.lst", "path2.lst"]
        .iter()
        .all(|end| names.iter().any(|n| n.ends_with(&format!(".{end}"))))
}

/// After a resync: its listings become the backup listings (`.lst-old`) too, so a first run
/// that is interrupted can be recovered (`recover` reverts to them) instead of needing
/// another resync; rclone writes them only after a normal run.
pub fn keep_backup_listings(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.filter_map(|e| e.ok()) {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".path1.lst") || name.ends_with(".path2.lst") {
            let old = dir.join(format!("{name}-old"));
            if let Err(err) = std::fs::copy(&path, &old) {
                tracing::warn!(listing = %path.display(), error = %err, "cannot keep a backup of the listing");
            }
        }
    }
}

/// Whether the lock file `body` (bisync's JSON: `PID`, `TimeExpires`) was left by a process
/// that is gone: `alive` says whether a pid is a running rclone.
pub fn is_stale_lock(body: &str, alive: impl Fn(u32) -> bool) -> bool {
    let pid = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("PID")?.as_str()?.trim().parse::<u32>().ok())
        // a lock written before its first renewal holds the bare pid
        .or_else(|| body.trim().parse::<u32>().ok());
    match pid {
        Some(pid) => !alive(pid),
        // unreadable: bisync itself treats it as expired only with a lock timeout, which
        // every run of ours has
        None => false,
    }
}

/// Expires the locks in `dir` whose rclone is gone (killed mid-run): the lock gets an
/// expiry in the past, so bisync itself distrusts the listings of the interrupted run and
/// recovers from the ones before it (`recover`). Returns how many were expired. Only the
/// holder of the pair's batch lease calls this: no run of ours is live then.
pub fn expire_stale_locks(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut expired = 0;
    for e in entries.filter_map(|e| e.ok()) {
        let path = e.path();
        if path.extension().and_then(|x| x.to_str()) != Some("lck") {
            continue;
        }
        let Ok(body) = std::fs::read_to_string(&path) else {
            continue;
        };
        if !is_stale_lock(&body, rclone_alive) {
            continue;
        }
        let mut v: Value = serde_json::from_str(&body).unwrap_or_else(|_| json!({}));
        v["TimeExpires"] = json!("1970-01-01T00:00:01Z");
        if std::fs::write(&path, v.to_string()).is_ok() {
            tracing::info!(lock = %path.display(), "expired the lock of a bisync run whose rclone is gone");
            expired += 1;
        }
    }
    expired
}

/// Whether `pid` is a running rclone.
fn rclone_alive(pid: u32) -> bool {
    use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System};
    let mut sys = System::new();
    let p = Pid::from_u32(pid);
    sys.refresh_processes_specifics(ProcessesToUpdate::Some(&[p]), true, ProcessRefreshKind::nothing());
    sys.process(p)
        .is_some_and(|proc| proc.name().to_string_lossy().to_ascii_lowercase().contains("rclone"))
}

/// The `sync/bisync` parameters of `run` with its working folder `dir`.
pub fn params(
    run: &RunSpec,
    p1: &RemotePath,
    p2: &RemotePath,
    dir: &Path,
    dry_run: bool,
) -> Result<Map<String, Value>, crate::compare::FilterError> {
    let s = &run.spec;
    let mut p = Map::new();
    p.insert("path1".into(), json!(p1.to_string()));
    p.insert("path2".into(), json!(p2.to_string()));
    p.insert("workdir".into(), json!(dir.display().to_string()));
    // rclone's RC default is 0 %: every delete would stop the run
    p.insert("maxDelete".into(), json!(s.guard.max_percent.min(100)));
    p.insert("resilient".into(), json!(true));
    p.insert("recover".into(), json!(true));
    p.insert("maxLock".into(), json!(format!("{}m", s.lock_minutes.max(2))));
    p.insert("conflictLoser".into(), json!("num"));
    p.insert("conflictSuffix".into(), json!(CONFLICT_SUFFIX));
    p.insert(
        "conflictResolve".into(),
        json!(match s.conflicts {
            ConflictRule::KeepBoth => "none",
            ConflictRule::NewerWins => "newer",
        }),
    );
    let mut filter = crate::compare::filter::to_rclone(&s.filter)?;
    if s.check_access {
        // the marker is always synchronised, whatever the includes say
        if let Some(rules) = filter.get_mut("FilterRule").and_then(Value::as_array_mut) {
            rules.insert(1, json!(format!("+ /{CHECK_FILE}")));
        }
        // rclone's own check too, unless a size or age limit could hide the marker (the
        let f = &s.filter;
        // engine's check before the run covers that case); not on a resync, which places the
        // markers itself (its preview runs before they exist)
        let limited = [&f.min_size, &f.max_size, &f.min_age, &f.max_age]
            .iter()
            .any(|v| v.as_deref().is_some_and(|v| !v.trim().is_empty()));
        if !limited && run.resync.is_none() {
            p.insert("checkAccess".into(), json!(true));
            p.insert("checkFilename".into(), json!(CHECK_FILE));
        }
    }
    if let Some(b) = &run.backup1 {
        p.insert("backupDir1".into(), json!(b));
    }
    if let Some(b) = &run.backup2 {
        p.insert("backupDir2".into(), json!(b));
    }
    if let Some(mode) = run.resync {
        p.insert("resync".into(), json!(true));
        p.insert("resyncMode".into(), json!(mode.as_str()));
    }
    if dry_run {
        p.insert("dryRun".into(), json!(true));
    }
    // the backups' folder is never synchronised (it may be inside a side at a remote's root)
    p.insert("_filter".into(), filter);
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_is_stale_only_when_its_pid_is_gone() {
        let body =
            r#"{"Session":"x","PID":"4242","TimeRenewed":"2026-12-07T10:00:00Z","TimeExpires":"2026-12-07T10:05:00Z"}"#;
        assert!(is_stale_lock(body, |_| false));
        assert!(!is_stale_lock(body, |pid| pid == 4242));
        assert!(is_stale_lock("4242", |_| false));
        assert!(!is_stale_lock("garbage", |_| false));
    }

    #[test]
    fn the_working_folder_follows_sides_and_filter() {
        let work = Path::new("/w");
        let a = PairSpec::new("a", "r:x", "s:y");
        let mut b = a.clone();
        b.name = "renamed".into();
        assert_eq!(session_dir(work, &a), session_dir(work, &b));
        b.filter.exclude.push("*.tmp".into());
        assert_ne!(session_dir(work, &a), session_dir(work, &b));
        let c = PairSpec::new("a", "s:y", "r:x");
        assert_ne!(session_dir(work, &a), session_dir(work, &c));
    }
}
