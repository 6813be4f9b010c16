//! A sidecar left behind by a hard kill of its owner is stopped at the next start; a sidecar
//! whose owner still runs, and a process that merely reuses a recorded pid, are never touched.
//! Real rclone processes, real process identities (pid, start time, executable).

#![allow(clippy::unwrap_used)]

mod common;

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

use rcmd_core::{
    events::EventBus,
    sidecar::{
        orphans::{self, ProcessId, Reaped, Record},
        BinaryLauncher, SidecarConfig, Supervisor,
    },
};

/// A child the test owns, reaped by a thread the moment it exits (so it does not linger as a
/// zombie that still "runs"), killed at the end of the test if still alive.
struct Owned {
    pid: u32,
    child: Arc<Mutex<Option<Child>>>,
}

impl Owned {
    fn spawn(cmd: &mut Command) -> Owned {
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id();
        let child = Arc::new(Mutex::new(Some(child)));
        let c = child.clone();
        std::thread::spawn(move || loop {
            let done = match c.lock().unwrap().as_mut() {
                Some(ch) => ch.try_wait().ok().flatten().is_some(),
                None => true,
            };
            if done {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        });
        Owned { pid, child }
    }

    fn alive(&self) -> bool {
        self.child
            .lock()
            .unwrap()
            .as_mut()
            .is_some_and(|c| c.try_wait().ok().flatten().is_none())
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.lock().unwrap().take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn rclone_rcd(dir: &Path) -> Owned {
    Owned::spawn(
        Command::new(common::rclone_binary())
            .args([
                "rcd",
                "--rc-addr",
                "127.0.0.1:0",
                "--rc-user",
                "u",
                "--rc-pass",
                "p",
                "--config",
            ])
            .arg(dir.join("empty.conf")),
    )
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..300 {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("timed out waiting for: {what}");
}

/// A process identity that no longer runs: a finished `true`.
fn dead_owner() -> ProcessId {
    let mut c = Command::new("true").spawn().unwrap();
    let pid = c.id();
    let id = orphans::identify(pid).unwrap_or(ProcessId { pid, started: 1 });
    c.wait().unwrap();
    id
}

fn write_record(dir: &Path, rec: &Record) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join(format!("{}.json", rec.owner.pid)),
        serde_json::to_vec(rec).unwrap(),
    )
    .unwrap();
}

fn record_of(owner: ProcessId, sidecar: &Owned) -> Record {
    wait_for("the process to be visible", || orphans::identify(sidecar.pid).is_some());
    Record {
        owner,
        sidecar: orphans::identify(sidecar.pid).unwrap(),
        exe: common::rclone_binary().canonicalize().unwrap(),
    }
}

#[tokio::test]
async fn a_sidecar_left_behind_is_stopped_at_the_next_start_and_the_record_follows_the_new_one() {
    let tmp = tempfile::tempdir().unwrap();
    let records = tmp.path().join("sidecars");
    let left = rclone_rcd(tmp.path());
    write_record(&records, &record_of(dead_owner(), &left));
    assert!(left.alive());

    let config = SidecarConfig {
        sidecar_records: Some(records.clone()),
        ..SidecarConfig::default()
    };
    let sup = Supervisor::start(
        BinaryLauncher {
            path: common::rclone_binary(),
        },
        config,
        EventBus::default(),
    );
    sup.wait_ready(Duration::from_secs(20)).await.unwrap();
    assert!(!left.alive(), "the left-behind rclone still runs");

    // now the record names this process and its new sidecar
    let mine: Record =
        serde_json::from_slice(&std::fs::read(records.join(format!("{}.json", std::process::id()))).unwrap()).unwrap();
    let rcmd_types::SidecarState::Ready { pid, .. } = sup.state() else {
        panic!("not ready")
    };
    assert_eq!((mine.owner.pid, mine.sidecar.pid), (std::process::id(), pid));
    assert_eq!(
        std::fs::read_dir(&records).unwrap().count(),
        1,
        "the old record is gone"
    );
    sup.shutdown().await;
    assert_eq!(
        std::fs::read_dir(&records).unwrap().count(),
        0,
        "a clean stop removes the record"
    );
}

#[tokio::test]
async fn a_live_owners_sidecar_and_a_reused_pid_are_never_touched() {
    let tmp = tempfile::tempdir().unwrap();
    let records = tmp.path().join("sidecars");
    // another app instance that still runs, with its rclone
    let owner = Owned::spawn(Command::new("sleep").arg("30"));
    let theirs = rclone_rcd(tmp.path());
    wait_for("the owner to be visible", || orphans::identify(owner.pid).is_some());
    write_record(&records, &record_of(orphans::identify(owner.pid).unwrap(), &theirs));
    // a record whose sidecar pid now belongs to another program (`sleep`, not rclone)
    let stranger = Owned::spawn(Command::new("sleep").arg("30"));
    let mut reused = record_of(dead_owner(), &stranger);
    reused.exe = common::rclone_binary().canonicalize().unwrap();
    write_record(&records, &reused);
    // and a record whose pid is right but whose start time is another process's
    let other_rclone = rclone_rcd(tmp.path());
    let mut restarted = record_of(dead_owner(), &other_rclone);
    restarted.sidecar.started -= 100;
    write_record(&records, &restarted);
    std::fs::write(records.join("999999999.json"), b"{ torn").unwrap();

    let mut outcomes: Vec<Reaped> = orphans::reap(&records, Duration::from_secs(3))
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    outcomes.sort_by_key(|r| format!("{r:?}"));
    assert_eq!(outcomes, vec![Reaped::Gone, Reaped::Gone, Reaped::OwnerAlive]);
    assert!(
        theirs.alive() && stranger.alive() && other_rclone.alive(),
        "a process that is not a left-behind sidecar was stopped"
    );
    let left: Vec<String> = std::fs::read_dir(&records)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        left,
        vec![format!("{}.json", owner.pid)],
        "only the live owner's record stays"
    );

    // once that owner dies hard, its rclone is stopped at the next start
    drop(owner);
    let outcomes: Vec<Reaped> = orphans::reap(&records, Duration::from_secs(3))
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    assert_eq!(outcomes, vec![Reaped::Stopped { pid: theirs.pid }]);
    // Stopped = every thread ended, so alive()'s waitpid(WNOHANG) reaps it right now
    assert!(!theirs.alive(), "reported stopped while a thread of it still runs");
}
