//! Records of running sidecars, so that one left behind by a hard kill of its owner is found
//! and stopped at the next start, on every platform.
//!
//! Each owning process (app, CLI, rproxy) keeps one file `<owner pid>.json` in a folder of
//! its data directory, naming itself and its rclone by pid *and* start time, plus rclone's
//! executable. At start every record is read: a record whose owner still runs is left alone
//! (two processes may share a data directory); otherwise its rclone is stopped if, and only
//! if, the process with that pid is still the same rclone (same start time and executable:
//! a reused pid is never killed), and the record is removed.
//!
//! On Linux the parent-death signal already stops the sidecar with its owner; this is the
//! second line there and the only one elsewhere (plus the Job Object on Windows).

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use serde::{Deserialize, Serialize};
use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind};

/// One process, by pid and start time: on Linux the kernel's start time in clock ticks since
/// boot (`/proc/<pid>/stat`, exact; sysinfo's seconds since the epoch are derived from the
/// uptime and can differ by one between two reads), elsewhere seconds since the epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProcessId {
    pub pid: u32,
    pub started: u64,
}

/// What an owner writes about its running sidecar.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub owner: ProcessId,
    pub sidecar: ProcessId,
    pub exe: PathBuf,
}

/// What [`reap`] did with one record.
#[derive(Clone, Debug, PartialEq)]
pub enum Reaped {
    /// The owner still runs: left alone.
    OwnerAlive,
    /// The sidecar had already ended (or its pid now belongs to another program): record removed.
    Gone,
    /// A left-behind sidecar was stopped.
    Stopped { pid: u32 },
    /// A left-behind sidecar did not end even when killed: record kept, tried again next start.
    StillRunning { pid: u32 },
}

fn probe(pids: &[u32]) -> System {
    let mut sys = System::new();
    let pids: Vec<Pid> = pids.iter().map(|p| Pid::from_u32(*p)).collect();
    sys.refresh_processes_specifics(
        ProcessesToUpdate::Some(&pids),
        true,
        ProcessRefreshKind::nothing().with_exe(UpdateKind::Always),
    );
    sys
}

/// Linux: state, thread count and start time of process `pid` from `/proc/<pid>/stat`
/// ("pid (comm) state ppid ...": fields 3, 20 and 22; comm may hold spaces and ')').
#[cfg(target_os = "linux")]
fn stat(pid: u32) -> Option<(char, u64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let threads = fields.nth(16)?.parse().ok()?;
    let started = fields.nth(1)?.parse().ok()?;
    Some((state, threads, started))
}

/// The start time of process `pid` (see [`ProcessId`]).
fn start_time(sys: &System, pid: u32) -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        let _ = sys;
        stat(pid).map(|(_, _, started)| started)
    }
    #[cfg(not(target_os = "linux"))]
    sys.process(Pid::from_u32(pid)).map(|p| p.start_time())
}

/// The pid and start time of a running process, `None` if it does not run.
pub fn identify(pid: u32) -> Option<ProcessId> {
    let sys = probe(&[pid]);
    start_time(&sys, pid).map(|started| ProcessId { pid, started })
}

/// True if process `id` still runs. A zombie does not count, but on Linux only once all its
/// threads are gone: a Go program's main thread shows `Z` while other threads still run (and
/// its parent cannot wait() for it yet).
fn same_process(sys: &System, id: &ProcessId) -> bool {
    #[cfg(target_os = "linux")]
    {
        let _ = sys;
        match stat(id.pid) {
            Some((state, threads, started)) if started == id.started => match state {
                'X' => false,
                'Z' => threads > 1,
                _ => true,
            },
            _ => false,
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        start_time(sys, id.pid) == Some(id.started)
            && sys
                .process(Pid::from_u32(id.pid))
                .is_some_and(|p| p.status() != sysinfo::ProcessStatus::Zombie)
    }
}

fn record_path(dir: &Path, owner: u32) -> PathBuf {
    dir.join(format!("{owner}.json"))
}

/// Writes this process's record for its sidecar `pid` started from `exe` (atomically: a
/// torn record would be skipped at the next start).
pub fn record(dir: &Path, pid: u32, exe: &Path) -> std::io::Result<()> {
    let me = std::process::id();
    let (Some(owner), Some(sidecar)) = (identify(me), identify(pid)) else {
        return Err(std::io::Error::other(format!(
            "cannot read the start time of process {pid}"
        )));
    };
    let exe = exe.canonicalize().unwrap_or_else(|_| exe.to_owned());
    let text = serde_json::to_vec(&Record { owner, sidecar, exe }).map_err(std::io::Error::other)?;
    std::fs::create_dir_all(dir)?;
    let path = record_path(dir, me);
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, &path)
}

/// Removes this process's record (its sidecar ended normally).
pub fn forget(dir: &Path) {
    let _ = std::fs::remove_file(record_path(dir, std::process::id()));
}

/// Reads every record in `dir` and stops the sidecars whose owners are gone (see the module
/// docs). Blocking: up to `grace` per stopped sidecar before it is killed.
pub fn reap(dir: &Path, grace: Duration) -> Vec<(PathBuf, Reaped)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut done = Vec::new();
    for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let rec: Option<Record> = std::fs::read(&path).ok().and_then(|b| serde_json::from_slice(&b).ok());
        let Some(rec) = rec else {
            tracing::warn!(path = %path.display(), "unreadable sidecar record removed");
            let _ = std::fs::remove_file(&path);
            continue;
        };
        let outcome = reap_one(&rec, grace);
        if !matches!(outcome, Reaped::OwnerAlive | Reaped::StillRunning { .. }) {
            let _ = std::fs::remove_file(&path);
        }
        done.push((path, outcome));
    }
    done
}

fn reap_one(rec: &Record, grace: Duration) -> Reaped {
    let sys = probe(&[rec.owner.pid, rec.sidecar.pid]);
    if rec.owner.pid != std::process::id() && same_process(&sys, &rec.owner) {
        return Reaped::OwnerAlive;
    }
    let Some(proc_) = sys.process(Pid::from_u32(rec.sidecar.pid)) else {
        return Reaped::Gone;
    };
    let exe_matches = proc_.exe().is_some_and(|e| e == rec.exe);
    if !same_process(&sys, &rec.sidecar) || !exe_matches {
        // the pid was reused by another program: never touch it
        return Reaped::Gone;
    }
    tracing::warn!(
        pid = rec.sidecar.pid,
        owner = rec.owner.pid,
        "stopping an rclone left behind by a previous run"
    );
    // a polite stop first (rclone finishes writing what it can), then a kill
    if proc_.kill_with(sysinfo::Signal::Term) != Some(true) {
        proc_.kill();
    }
    let deadline = std::time::Instant::now() + grace;
    loop {
        let sys = probe(&[rec.sidecar.pid]);
        if !same_process(&sys, &rec.sidecar) {
            return Reaped::Stopped { pid: rec.sidecar.pid };
        }
        let now = std::time::Instant::now();
        if now >= deadline + Duration::from_secs(5) {
            tracing::error!(pid = rec.sidecar.pid, "a left-behind rclone does not stop");
            return Reaped::StillRunning { pid: rec.sidecar.pid };
        }
        if now >= deadline {
            if let Some(p) = sys.process(Pid::from_u32(rec.sidecar.pid)) {
                p.kill();
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
