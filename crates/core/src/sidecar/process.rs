//! Starting the rclone process so that it cannot outlive the app, and routing its output
//! into our tracing log.
//!
//! On Linux the child gets `PR_SET_PDEATHSIG = SIGTERM`: the kernel signals it when the app
//! dies, even by SIGKILL. The signal follows the *thread* that forked, so every spawn happens
//! on one dedicated thread that lives as long as the process. On Windows the child goes into a
//! Job Object that kills it when the app's handle to the job closes, which the OS does when
//! the app dies (only the sidecar is in the job, never the app). Elsewhere (macOS) the pid
//! records of [`super::orphans`] stop a left-behind sidecar at the next start.

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

type SpawnRequest = (
    std::process::Command,
    tokio::runtime::Handle,
    oneshot::Sender<io::Result<Child>>,
);

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
    let mut child = reply_rx
        .await
        .map_err(|_| io::Error::other("spawner thread is gone"))??;
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
    // a console program started by the (GUI) app would open a console window of its own:
    // rclone gets no console at all (its output goes to our pipes)
    #[cfg(windows)]
    std::os::windows::process::CommandExt::creation_flags(&mut cmd, DETACHED_PROCESS);
    let mut cmd = tokio::process::Command::from(cmd);
    cmd.kill_on_drop(true);
    let child = cmd.spawn()?;
    #[cfg(windows)]
    if let Err(e) = windows_job::kill_with_app(&child) {
        tracing::warn!(error = %e, "cannot put rclone in a kill-on-close job: a hard kill of the app may leave it behind");
    }
    Ok(child)
}

/// `DETACHED_PROCESS` of `CreateProcessW`'s creation flags.
#[cfg(windows)]
const DETACHED_PROCESS: u32 = 0x0000_0008;

#[cfg(windows)]
#[allow(unsafe_code)]
mod windows_job {
    use std::{io, sync::OnceLock};

    use windows_sys::Win32::{
        Foundation::HANDLE,
        System::JobObjects::{
            AssignProcessToJobObject, CreateJobObjectW, JobObjectExtendedLimitInformation, SetInformationJobObject,
            JOBOBJECT_EXTENDED_LIMIT_INFORMATION, JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
        },
    };

    /// The job's handle, kept open for the life of the app (as an integer: raw handles are
    /// not `Sync`). It is never closed by us: the OS closes it when the app exits or dies,
    /// which kills every process in the job.
    static JOB: OnceLock<Result<usize, String>> = OnceLock::new();

    fn job() -> io::Result<HANDLE> {
        let job = JOB.get_or_init(|| {
            // SAFETY: plain Win32 calls with valid arguments: null security attributes and name
            // create an anonymous job; `info` is a zeroed, fully initialised struct of the size
            // passed.
            unsafe {
                let job = CreateJobObjectW(std::ptr::null(), std::ptr::null());
                if job.is_null() {
                    return Err(io::Error::last_os_error().to_string());
                }
                let mut info: JOBOBJECT_EXTENDED_LIMIT_INFORMATION = std::mem::zeroed();
                info.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
                let ok = SetInformationJobObject(
                    job,
                    JobObjectExtendedLimitInformation,
                    &info as *const _ as *const core::ffi::c_void,
                    std::mem::size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32,
                );
                if ok == 0 {
                    return Err(io::Error::last_os_error().to_string());
                }
                Ok(job as usize)
            }
        });
        job.clone().map(|h| h as HANDLE).map_err(io::Error::other)
    }

    /// Puts `child` (only it) into the kill-on-close job.
    pub fn kill_with_app(child: &tokio::process::Child) -> io::Result<()> {
        let job = job()?;
        let process = child
            .raw_handle()
            .ok_or_else(|| io::Error::other("the process has exited"))?;
        // SAFETY: both handles are valid and open: the job for the life of the app, the
        // process while `child` is borrowed.
        if unsafe { AssignProcessToJobObject(job, process as HANDLE) } == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
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

/// Longest part of one output line that is logged (the rest is read and dropped).
const MAX_LOGGED_LINE: usize = 16 * 1024;

/// Forwards rclone's output line by line until the pipe closes. rclone runs with
/// `--use-json-log`, so each line is `{"time","level","msg","source",...}` and keeps its
/// level; other lines (a Go panic) are logged as warnings.
///
/// It never stops reading before end of file, whatever the bytes are (invalid UTF-8 in a
/// file name, a huge line, a read error): a pipe nobody drains blocks rclone on its next
/// log write. Returns the number of lines read.
pub async fn forward_log(stream: impl AsyncRead + Unpin) -> u64 {
    let mut reader = BufReader::new(stream);
    let mut buf = Vec::new();
    let mut lines = 0u64;
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) => return lines,
            Ok(_) => {
                lines += 1;
                let end = buf.len().min(MAX_LOGGED_LINE);
                let text = String::from_utf8_lossy(&buf[..end]);
                log_line(text.trim_end_matches(['\n', '\r']));
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                // a broken pipe read: nothing more will come
                tracing::warn!(target: "rclone", error = %e, "cannot read rclone's output");
                return lines;
            }
        }
    }
}

fn log_line(line: &str) {
    let line = &redact_rc_credentials(line);
    let parsed: Option<serde_json::Value> = serde_json::from_str(line).ok();
    let Some(v) = parsed.filter(|v| v.is_object()) else {
        tracing::warn!(target: "rclone", "{line}");
        return;
    };
    let msg = v.get("msg").and_then(|m| m.as_str()).unwrap_or(line);
    let source = v.get("source").and_then(|m| m.as_str()).unwrap_or("");
    let object = v.get("object").and_then(|m| m.as_str()).unwrap_or("");
    let level = v.get("level").and_then(|l| l.as_str()).unwrap_or("");
    // kept in the app's log (info) for diagnosis, but not an error of rclone's
    let level = if crate::resilience::classify::is_echo_of_an_answer(source, msg) {
        "info"
    } else if crate::resilience::classify::is_compare_finding(source, msg) {
        // one line per differing file: a big compare would flood the log
        "debug"
    } else {
        level
    };
    match level {
        "debug" => tracing::debug!(target: "rclone", source, object, "{msg}"),
        "info" | "notice" => tracing::info!(target: "rclone", source, object, "{msg}"),
        "warning" => tracing::warn!(target: "rclone", source, object, "{msg}"),
        _ => tracing::error!(target: "rclone", source, object, "{msg}"),
    }
}

/// `line` without the value of rclone's RC credentials: at debug level rclone prints
/// `Setting --rc-pass "..." from environment variable RCLONE_RC_PASS="..."` before its JSON
/// log starts (a user flag could raise the level; the flags are also checked).
fn redact_rc_credentials(line: &str) -> String {
    if !line.contains("RCLONE_RC_PASS") && !line.contains("--rc-pass") {
        return line.to_owned();
    }
    // every quoted value on such a line is the password or its variable's value
    let mut out = String::with_capacity(line.len());
    let mut inside = false;
    for c in line.chars() {
        if c == '"' {
            inside = !inside;
            out.push(c);
            if inside {
                out.push_str("***");
            }
        } else if !inside {
            out.push(c);
        }
    }
    out
}

/// SIGTERM to `child` (by its PID, while it is not yet reaped); whether it was sent.
#[cfg(unix)]
#[allow(unsafe_code)]
pub(super) fn terminate(child: &tokio::process::Child) -> bool {
    let Some(pid) = child.id().and_then(|p| i32::try_from(p).ok()) else {
        return false;
    };
    // SAFETY: kill(2) with a PID this process spawned and has not reaped (tokio's Child keeps
    // the zombie until wait), so the PID cannot have been reused by another process
    unsafe { libc::kill(pid, libc::SIGTERM) == 0 }
}

#[cfg(not(unix))]
pub(super) fn terminate(_: &tokio::process::Child) -> bool {
    false
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use tokio::io::AsyncWriteExt;

    #[test]
    fn rc_credentials_never_reach_the_log() {
        let line =
            r#"2026/12/06 DEBUG : Setting --rc-pass "ee551aa7" from environment variable RCLONE_RC_PASS="ee551aa7""#;
        let out = super::redact_rc_credentials(line);
        assert!(!out.contains("ee551aa7"), "{out}");
        assert!(out.contains(r#"--rc-pass "***""#), "{out}");
        assert_eq!(
            super::redact_rc_credentials("Setting --config \"x\""),
            "Setting --config \"x\""
        );
    }

    /// Invalid UTF-8 and a line far over the logged limit do not stop the draining: every
    /// byte written is read up to the end of the pipe.
    #[tokio::test]
    async fn output_is_drained_whatever_the_bytes() {
        let (mut w, r) = tokio::io::duplex(1024);
        let reader = tokio::spawn(super::forward_log(r));
        w.write_all(b"{\"level\":\"notice\",\"msg\":\"ok\"}\n").await.unwrap();
        w.write_all(b"name \xff\xfe not utf-8\n").await.unwrap();
        w.write_all(&vec![b'x'; 200_000]).await.unwrap();
        w.write_all(b"\nlast line without newline").await.unwrap();
        drop(w);
        assert_eq!(reader.await.unwrap(), 4);
    }
}
