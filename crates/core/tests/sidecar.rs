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
async fn ready_state_names_process_port_and_version() {
    let rc = common::start().await;
    match rc.supervisor.state() {
        SidecarState::Ready { pid, port, version, .. } => {
            assert!(common::alive(pid));
            assert_eq!(rc.client.base_url().port(), Some(port));
            assert_eq!(version, "v1.75.2");
        }
        other => panic!("{other:?}"),
    }
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
            let CoreEvent::Sidecar { state } = events.recv().await.unwrap() else { continue };
            match state {
                SidecarState::Restarting { problem: SidecarProblem::Exited { signal, .. }, .. } => {
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
    std::process::Command::new("kill").args(["-STOP", &first.to_string()]).status().unwrap();
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
    let launcher = BinaryLauncher { path: "/nonexistent/rclone".into() };
    let sup = Supervisor::start(launcher, SidecarConfig::default(), EventBus::default());
    let err = sup.wait_ready(Duration::from_secs(10)).await.unwrap_err();
    assert!(err.to_string().contains("failed"), "{err}");
    match sup.state() {
        SidecarState::Failed { problem: SidecarProblem::SpawnFailed { message } } => {
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
    let launcher = BinaryLauncher { path: "/bin/false".into() };
    let config = SidecarConfig {
        max_attempts: 3,
        backoff_base: Duration::from_millis(10),
        ..SidecarConfig::default()
    };
    let sup = Supervisor::start(launcher, config, EventBus::default());
    let err = sup.wait_ready(Duration::from_secs(20)).await.unwrap_err();
    assert!(err.to_string().contains("failed"), "{err}");
    match sup.state() {
        SidecarState::Failed { problem: SidecarProblem::TooManyRestarts { attempts, last } } => {
            assert_eq!(attempts, 3);
            assert_eq!(*last, SidecarProblem::Exited { code: Some(1), signal: None });
        }
        other => panic!("{other:?}"),
    }
    sup.shutdown().await;
}
