//! An encrypted rclone.conf: detected, its password checked by rclone itself (a wrong one is
//! a clear error), and given to the sidecar through its environment, never its command line.

#![allow(clippy::unwrap_used)]

mod common;

use std::{process::Command, time::Duration};

use rcmd_core::{
    events::EventBus,
    ops,
    secret::Secret,
    sidecar::{
        config_lock::{self, UnlockError},
        BinaryLauncher, SidecarConfig, Supervisor,
    },
};

const PASSWORD: &str = "correct horse 배터리";

/// A config with one memory remote, encrypted with [`PASSWORD`] by rclone itself.
fn encrypted_config(dir: &std::path::Path) -> std::path::PathBuf {
    let conf = dir.join("enc.conf");
    std::fs::write(&conf, "[vault]\ntype = memory\n").unwrap();
    let script = dir.join("pass.sh");
    std::fs::write(&script, format!("#!/bin/sh\nprintf '%s\\n' '{PASSWORD}'\n")).unwrap();
    Command::new("chmod").arg("700").arg(&script).status().unwrap();
    let out = Command::new(common::rclone_binary())
        .args(["config", "encryption", "set", "--config"])
        .arg(&conf)
        .arg("--password-command")
        .arg(&script)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    conf
}

#[tokio::test]
async fn an_encrypted_config_opens_with_its_password_and_refuses_a_wrong_one() {
    common::init_tracing();
    let dir = tempfile::tempdir().unwrap();
    let conf = encrypted_config(dir.path());
    assert!(config_lock::is_encrypted(&conf));
    let plain = dir.path().join("plain.conf");
    std::fs::write(&plain, "[m]\ntype = memory\n").unwrap();
    assert!(!config_lock::is_encrypted(&plain));
    assert!(!config_lock::is_encrypted(&dir.path().join("missing.conf")));

    let launcher = BinaryLauncher {
        path: common::rclone_binary(),
    };
    let err = config_lock::check_password(&launcher, &conf, &Secret::new("wrong"))
        .await
        .unwrap_err();
    assert!(matches!(err, UnlockError::WrongPassword(_)), "{err}");
    assert!(
        err.to_string().starts_with("wrong password for the rclone config"),
        "{err}"
    );
    assert!(
        !err.to_string().contains("wrong\""),
        "the tried password is not in the message"
    );
    config_lock::check_password(&launcher, &conf, &Secret::new(PASSWORD))
        .await
        .unwrap();

    // the sidecar with the password: its remotes are there; the password is in its
    // environment, not on its command line
    let config = SidecarConfig {
        rclone_config: Some(conf.clone()),
        config_password: Some(Secret::new(PASSWORD)),
        ..SidecarConfig::default()
    };
    let sup = Supervisor::start(launcher.clone(), config, EventBus::default());
    let client = sup.wait_ready(Duration::from_secs(30)).await.unwrap();
    assert_eq!(ops::list_remotes(&client).await.unwrap(), vec!["vault".to_owned()]);
    let rcmd_core::types::SidecarState::Ready { pid, .. } = sup.state() else {
        panic!("not ready")
    };
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    assert!(
        !String::from_utf8_lossy(&cmdline).contains("horse"),
        "password on the command line"
    );
    assert!(String::from_utf8_lossy(&cmdline).contains("--ask-password=false"));
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
    assert!(String::from_utf8_lossy(&environ).contains("RCLONE_CONFIG_PASS=correct horse"));

    // without it (the password forgotten): rclone runs, and its answer says the config is locked
    sup.set_config_password(None);
    let mut client = None;
    for _ in 0..300 {
        if let rcmd_core::types::SidecarState::Ready { pid: new, .. } = sup.state() {
            if new != pid {
                client = Some(sup.client().unwrap());
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let client = client.expect("rclone restarted without the password");
    let err = ops::list_remotes(&client).await.unwrap_err();
    assert!(
        rcmd_core::resilience::classify::is_config_password_error(&err.to_string()),
        "{err}"
    );
    sup.shutdown().await;
}
