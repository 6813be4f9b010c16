//! Supervision of a real rclone process: readiness, restart after SIGKILL, restart after it
//! stops answering, clean shutdown, a missing binary.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use rcmd_core::{
    events::{CoreEvent, EventBus},
    ops,
    sidecar::{BinaryLauncher, SidecarConfig, Supervisor},
    types::{SidecarProblem, SidecarState},
};

fn ready_pid(state: &SidecarState) -> u32 {
    match state {
        SidecarState::Ready { pid, .. } => *pid,
        other => panic!("not ready: {other:?}"),
    }
}

#[tokio::test]
async fn ready_state_names_process_endpoint_and_version() {
    let rc = common::start().await;
    match rc.supervisor.state() {
        SidecarState::Ready {
            pid,
            port,
            endpoint,
            version,
            ..
        } => {
            assert!(common::alive(pid));
            assert_eq!(version, "v1.75.2");
            assert_eq!(port, 0, "no TCP port on Unix");
            assert!(endpoint.starts_with("unix:"), "{endpoint}");
        }
        other => panic!("{other:?}"),
    }
}

/// Inodes of the listening TCP sockets of the machine (/proc/net/tcp and tcp6, state 0A).
fn listening_tcp_inodes() -> std::collections::HashSet<String> {
    let mut out = std::collections::HashSet::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        for line in std::fs::read_to_string(table).unwrap_or_default().lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.get(3) == Some(&"0A") {
                if let Some(inode) = cols.get(9) {
                    out.insert(inode.to_string());
                }
            }
        }
    }
    out
}

/// rclone's RC server is a unix socket in a private (0700) directory: no TCP port that
/// another local process could take first or connect to, the credentials still required.
#[tokio::test]
async fn the_rc_server_listens_on_a_private_unix_socket_only() {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let rc = common::start().await;
    let (pid, endpoint) = match rc.supervisor.state() {
        SidecarState::Ready { pid, endpoint, .. } => (pid, endpoint),
        other => panic!("{other:?}"),
    };
    let socket = std::path::PathBuf::from(endpoint.strip_prefix("unix:").unwrap());
    assert!(std::fs::metadata(&socket).unwrap().file_type().is_socket());
    let dir_mode = std::fs::metadata(socket.parent().unwrap())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(dir_mode & 0o777, 0o700, "socket folder mode {dir_mode:o}");
    // none of rclone's sockets is a listening TCP socket
    let listening = listening_tcp_inodes();
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).unwrap();
    for fd in fds.flatten() {
        let target = std::fs::read_link(fd.path())
            .map(|t| t.display().to_string())
            .unwrap_or_default();
        if let Some(inode) = target.strip_prefix("socket:[").and_then(|t| t.strip_suffix(']')) {
            assert!(
                !listening.contains(inode),
                "rclone listens on TCP (socket inode {inode})"
            );
        }
    }
    // the socket answers with the credentials and refuses without them
    ops::list_remotes(&rc.client).await.unwrap();
    let anonymous =
        rcmd_core::rc::RcClient::over_unix_socket(url::Url::parse("http://localhost/").unwrap(), &socket, None);
    let err = ops::list_remotes(&anonymous).await.unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
    // the folder goes with the process
    let dir = socket.parent().unwrap().to_owned();
    rc.supervisor.shutdown().await;
    assert!(!dir.exists(), "{} left behind", dir.display());
}

/// An rclone older than the engine needs is refused with a clear reason, not run.
#[tokio::test]
async fn an_rclone_older_than_the_minimum_is_refused() {
    let bus = EventBus::default();
    let config = SidecarConfig {
        min_version: "v99.0.0".into(),
        ..SidecarConfig::default()
    };
    let supervisor = Supervisor::start(
        BinaryLauncher {
            path: common::rclone_binary(),
        },
        config,
        bus,
    );
    let mut watch = supervisor.watch();
    let problem = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let SidecarState::Failed { problem } = watch.borrow().clone() {
                break problem;
            }
            watch.changed().await.unwrap();
        }
    })
    .await
    .expect("not refused");
    match problem {
        SidecarProblem::SpawnFailed { message } => {
            assert!(
                message.contains("v1.75.2") && message.contains("v99.0.0") && message.contains("too old"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(supervisor.client().is_err());
    supervisor.shutdown().await;
}

#[tokio::test]
async fn restarts_after_sigkill_with_new_process_and_credentials() {
    let rc = common::start().await;
    let mut events = rc.bus.subscribe();
    let first = ready_pid(&rc.supervisor.state());
    let old_client = rc.client.clone();

    common::kill9(first);
    // the supervisor reports the crash, then a new ready process
    let mut saw_restarting = false;
    let second = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let CoreEvent::Sidecar { state } = events.recv().await.unwrap() else {
                continue;
            };
            match state {
                SidecarState::Restarting {
                    problem: SidecarProblem::Exited { signal, .. },
                    ..
                } => {
                    assert_eq!(signal, Some(9));
                    saw_restarting = true;
                }
                SidecarState::Ready { pid, .. } => break pid,
                _ => {}
            }
        }
    })
    .await
    .expect("no restart within 30 s");
    assert!(saw_restarting);
    assert_ne!(first, second);
    assert!(!common::alive(first));

    let client = rc.supervisor.client().unwrap();
    assert_eq!(ops::list_remotes(&client).await.unwrap(), vec!["local", "mem"]);
    // the old port and password are gone with the old process
    assert!(ops::list_remotes(&old_client).await.is_err());
    rc.supervisor.shutdown().await;
    assert!(!common::alive(second));
}

#[tokio::test]
async fn restarts_a_process_that_stops_answering() {
    let rc = common::start_with(|c| {
        c.health_interval = Duration::from_millis(200);
        c.health_timeout = Duration::from_millis(200);
        c.unhealthy_after = 2;
    })
    .await;
    let first = ready_pid(&rc.supervisor.state());
    let mut watch = rc.supervisor.watch();
    // SIGSTOP freezes rclone: it is alive but answers nothing
    std::process::Command::new("kill")
        .args(["-STOP", &first.to_string()])
        .status()
        .unwrap();
    let problem = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            watch.changed().await.unwrap();
            if let SidecarState::Restarting { problem, .. } = watch.borrow().clone() {
                break problem;
            }
        }
    })
    .await
    .expect("hung rclone not detected");
    assert_eq!(problem, SidecarProblem::Unresponsive { failed_checks: 2 });
    let client = rc.supervisor.wait_ready(Duration::from_secs(30)).await.unwrap();
    ops::list_remotes(&client).await.unwrap();
    assert!(!common::alive(first), "the frozen process must have been killed");
    rc.supervisor.shutdown().await;
}

#[tokio::test]
async fn shutdown_stops_rclone_and_reports_stopped() {
    let rc = common::start().await;
    let pid = ready_pid(&rc.supervisor.state());
    rc.supervisor.shutdown().await;
    assert!(!common::alive(pid), "rclone {pid} still running after shutdown");
    assert_eq!(rc.supervisor.state(), SidecarState::Stopped);
    assert!(rc.supervisor.client().is_err());
    rc.supervisor.shutdown().await; // idempotent
}

#[tokio::test]
async fn user_restart_replaces_the_process() {
    let rc = common::start().await;
    let first = ready_pid(&rc.supervisor.state());
    let mut watch = rc.supervisor.watch();
    rc.supervisor.restart();
    let second = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            watch.changed().await.unwrap();
            if let SidecarState::Ready { pid, .. } = watch.borrow().clone() {
                if pid != first {
                    break pid;
                }
            }
        }
    })
    .await
    .unwrap();
    assert!(!common::alive(first));
    assert!(common::alive(second));
    rc.supervisor.shutdown().await;
}

#[tokio::test]
async fn missing_binary_fails_with_a_reason() {
    common::init_tracing();
    let launcher = BinaryLauncher {
        path: "/nonexistent/rclone".into(),
    };
    let sup = Supervisor::start(launcher, SidecarConfig::default(), EventBus::default());
    let err = sup.wait_ready(Duration::from_secs(10)).await.unwrap_err();
    assert!(err.to_string().contains("failed"), "{err}");
    match sup.state() {
        SidecarState::Failed {
            problem: SidecarProblem::SpawnFailed { message },
        } => {
            assert!(message.contains("/nonexistent/rclone"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    sup.shutdown().await;
    assert_eq!(sup.state(), SidecarState::Stopped);
}

#[tokio::test]
async fn a_crashing_binary_gives_up_after_max_attempts() {
    common::init_tracing();
    // a "rclone" that exits at once: /bin/false ignores its arguments
    let launcher = BinaryLauncher {
        path: "/bin/false".into(),
    };
    let config = SidecarConfig {
        max_attempts: 3,
        backoff_base: Duration::from_millis(10),
        ..SidecarConfig::default()
    };
    let sup = Supervisor::start(launcher, config, EventBus::default());
    let err = sup.wait_ready(Duration::from_secs(20)).await.unwrap_err();
    assert!(err.to_string().contains("failed"), "{err}");
    match sup.state() {
        SidecarState::Failed {
            problem: SidecarProblem::TooManyRestarts { attempts, last },
        } => {
            assert_eq!(attempts, 3);
            assert_eq!(
                *last,
                SidecarProblem::Exited {
                    code: Some(1),
                    signal: None
                }
            );
        }
        other => panic!("{other:?}"),
    }
    sup.shutdown().await;
}
