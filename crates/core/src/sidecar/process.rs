//! Starting the rclone process so that it cannot outlive the app, and routing its output
//! into our tracing log.
//!
//! On Linux the child gets `PR_SET_PDEATHSIG = SIGTERM`: the kernel signals it when the app
//! dies, even by SIGKILL. The signal follows the *thread* that forked, so every spawn happens
//! on one dedicated thread that lives as long as the process.

use std::{
    io,
    process::Stdio,
    sync::{mpsc, Mutex, OnceLock},
};

use tokio::{
    io::{AsyncBufReadExt, AsyncRead, BufReader},
    process::Child,
    sync::oneshot,
};

type SpawnRequest = (std::process::Command, tokio::runtime::Handle, oneshot::Sender<io::Result<Child>>);

static SPAWNER: OnceLock<Mutex<mpsc::Sender<SpawnRequest>>> = OnceLock::new();

/// Starts `cmd` with piped stdout/stderr (forwarded to tracing under target `rclone`), null
/// stdin, kill-on-drop, and on Linux the parent-death signal. Must be called inside a tokio
/// runtime.
pub async fn spawn(cmd: std::process::Command) -> io::Result<Child> {
    let sender = SPAWNER
        .get_or_init(|| {
            let (tx, rx) = mpsc::channel::<SpawnRequest>();
            // A plain thread that never exits: see the module docs.
            std::thread::Builder::new()
                .name("rcmd-spawner".into())
                .spawn(move || {
                    for (cmd, handle, reply) in rx {
                        let _guard = handle.enter();
                        let _ = reply.send(spawn_here(cmd));
                    }
                })
                .map(|_| ())
                .unwrap_or_else(|e| tracing::error!(error = %e, "cannot start spawner thread"));
            Mutex::new(tx)
        })
        .lock()
        .map_err(|_| io::Error::other("spawner lock poisoned"))?
        .clone();
    let (reply_tx, reply_rx) = oneshot::channel();
    sender
        .send((cmd, tokio::runtime::Handle::current(), reply_tx))
        .map_err(|_| io::Error::other("spawner thread is gone"))?;
    let mut child = reply_rx.await.map_err(|_| io::Error::other("spawner thread is gone"))??;
    if let Some(out) = child.stdout.take() {
        tokio::spawn(forward_log(out));
    }
    if let Some(err) = child.stderr.take() {
        tokio::spawn(forward_log(err));
    }
    Ok(child)
}

fn spawn_here(mut cmd: std::process::Command) -> io::Result<Child> {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    #[cfg(target_os = "linux")]
    set_parent_death_signal(&mut cmd);
    let mut cmd = tokio::process::Command::from(cmd);
    cmd.kill_on_drop(true);
    cmd.spawn()
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn set_parent_death_signal(cmd: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the forked child before exec and calls only
    // async-signal-safe functions (prctl, getppid, _exit); it allocates nothing.
    let parent = std::process::id() as libc::pid_t;
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                return Err(io::Error::last_os_error());
            }
            // the parent died between fork and prctl: the signal will never come
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
}

/// Forwards rclone's output line by line. rclone runs with `--use-json-log`, so each line is
/// `{"time","level","msg","source",...}` and keeps its level; other lines (a Go panic) are
/// logged as warnings.
async fn forward_log(stream: impl AsyncRead + Unpin) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        log_line(&line);
    }
}

fn log_line(line: &str) {
    let parsed: Option<serde_json::Value> = serde_json::from_str(line).ok();
    let Some(v) = parsed.filter(|v| v.is_object()) else {
        tracing::warn!(target: "rclone", "{line}");
        return;
    };
    let msg = v.get("msg").and_then(|m| m.as_str()).unwrap_or(line);
    let source = v.get("source").and_then(|m| m.as_str()).unwrap_or("");
    let object = v.get("object").and_then(|m| m.as_str()).unwrap_or("");
    match v.get("level").and_then(|l| l.as_str()).unwrap_or("") {
        "debug" => tracing::debug!(target: "rclone", source, object, "{msg}"),
        "info" | "notice" => tracing::info!(target: "rclone", source, object, "{msg}"),
        "warning" => tracing::warn!(target: "rclone", source, object, "{msg}"),
        _ => tracing::error!(target: "rclone", source, object, "{msg}"),
    }
}
