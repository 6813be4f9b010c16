//! `rcmd mount ...` and `rcmd serve ...`: mounts and serves from the command line, for
//! computers without a desktop. `up` stays in the foreground and supervises (a systemd user
//! service runs `rcmd-cli mount up --auto`); the other commands start no rclone and also see
//! and steer what the app runs.

use std::time::Duration;

use rcmd_core::{
    app_dirs,
    batch::Store,
    events::CoreEvent,
    mount::{os, Mounts},
    secrets::SecretStore,
    types::{CacheMode, MountSpec, MountStatus, PendingChoice, ServeProtocol, ServeSpec},
};

use crate::{args, say};

/// Mounts that read and change the list only (no rclone).
async fn offline() -> Result<Mounts, String> {
    let store = Store::open(&app_dirs::batch_db()).await.map_err(|e| e.to_string())?;
    let (secrets, problem) = SecretStore::open(app_dirs::secrets_file());
    if let Some(p) = problem {
        eprintln!("rcmd: {p}");
    }
    Ok(Mounts::offline(store, secrets, app_dirs::data_dir().join("mounts")))
}

fn state_word(s: &MountStatus) -> String {
    let mut w = format!("{:?}", s.state).to_lowercase();
    if s.pending_uploads > 0 {
        w.push_str(&format!(", {} upload(s) pending", s.pending_uploads));
    }
    if let Some(m) = &s.message {
        w.push_str(&format!(" ({m})"));
    }
    w
}

/// `rcmd mount ...`.
pub(crate) async fn manage(cmd: args::Mount, rclone_flags: Vec<String>) -> Result<i32, String> {
    match cmd {
        args::Mount::List { json } => {
            let all = offline().await?.list().await.map_err(|e| e.to_string())?;
            if json {
                say(&serde_json::to_string_pretty(&all).map_err(|e| e.to_string())?);
            } else if all.is_empty() {
                say("no mounts; add one: rcmd-cli mount add NAME remote:path MOUNT_POINT");
            }
            if !json {
                for m in &all {
                    let auto = if m.spec.auto_mount { " [auto]" } else { "" };
                    say(&format!(
                        "{}: {} -> {}{auto}: {}",
                        m.spec.name,
                        m.spec.fs,
                        m.spec.mount_point,
                        state_word(&m.status)
                    ));
                }
            }
            Ok(0)
        }
        args::Mount::Add {
            name,
            fs,
            mount_point,
            read_only,
            cache_mode,
            cache_max_size,
            mount_type,
            auto,
        } => {
            let spec = MountSpec {
                name: name.clone(),
                fs,
                mount_point,
                mount_type: mount_type.unwrap_or_default(),
                read_only,
                cache_mode: match cache_mode {
                    args::CacheModeArg::Off => CacheMode::Off,
                    args::CacheModeArg::Minimal => CacheMode::Minimal,
                    args::CacheModeArg::Writes => CacheMode::Writes,
                    args::CacheModeArg::Full => CacheMode::Full,
                },
                cache_max_size: cache_max_size.unwrap_or_default(),
                auto_mount: auto,
            };
            offline().await?.save(spec, false).await.map_err(|e| e.to_string())?;
            eprintln!("mount {name} added; mount it: rcmd-cli mount up {name}");
            Ok(0)
        }
        args::Mount::Remove { name } => {
            offline().await?.remove(&name).await.map_err(|e| e.to_string())?;
            eprintln!("mount {name} removed");
            Ok(0)
        }
        args::Mount::Down { name, wait, force } => {
            let mounts = offline().await?;
            let spec = mounts.get(&name).await.map_err(|e| e.to_string())?;
            let owned = mounts.registry().and_then(|r| r.owner(&name)).is_some();
            if !owned {
                // nobody runs it; a mount point left by a crash is cleared
                let mp = std::path::Path::new(&spec.mount_point);
                if rcmd_core::mount::probe::is_mounted(mp) == Some(true) {
                    os::force_unmount(mp, Duration::from_secs(10)).await?;
                    eprintln!(
                        "{name}: no RCMD process ran it; cleared the stale mount at {}",
                        spec.mount_point
                    );
                } else {
                    eprintln!("{name} is not mounted");
                }
                return Ok(0);
            }
            let (choice, wait) = match (force, wait) {
                (true, _) => (PendingChoice::Leave, Duration::ZERO),
                (false, Some(s)) => (PendingChoice::Wait, Duration::from_secs(s)),
                (false, None) => (PendingChoice::Refuse, Duration::ZERO),
            };
            mounts.down(&name, choice, wait).await.map_err(|e| e.to_string())?;
            eprintln!("{name} unmounted");
            Ok(0)
        }
        args::Mount::Up { names, auto, wait } => hold(names, auto, false, wait, rclone_flags).await,
        args::Mount::Service { action } => service(action),
    }
}

/// `rcmd mount service install|remove|print`: the systemd user unit of `mount up --auto`.
fn service(action: args::ServiceAction) -> Result<i32, String> {
    use crate::schedule::{cli_path, run};
    let unit = os::systemd_unit(&cli_path()?);
    let dir = rcmd_core::schedule::timer::systemd_dir().ok_or("no config folder for systemd user units")?;
    let path = dir.join(os::SYSTEMD_UNIT);
    match action {
        args::ServiceAction::Print => say(&unit),
        args::ServiceAction::Install => {
            std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            std::fs::write(&path, unit).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            run("systemctl", &["--user", "daemon-reload"], None)?;
            run("systemctl", &["--user", "enable", "--now", os::SYSTEMD_UNIT], None)?;
            eprintln!(
                "{} enabled ({}): the auto-mounts are mounted at login",
                os::SYSTEMD_UNIT,
                path.display()
            );
        }
        args::ServiceAction::Remove => {
            // stopping it takes the mounts down (waiting for their uploads)
            let _ = run("systemctl", &["--user", "disable", "--now", os::SYSTEMD_UNIT], None);
            match std::fs::remove_file(&path) {
                Ok(()) => eprintln!("{} removed", os::SYSTEMD_UNIT),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    eprintln!("{} was not installed", os::SYSTEMD_UNIT)
                }
                Err(e) => return Err(format!("cannot remove {}: {e}", path.display())),
            }
            let _ = run("systemctl", &["--user", "daemon-reload"], None);
        }
    }
    Ok(0)
}

/// `rcmd serve ...`.
pub(crate) async fn serve(cmd: args::Serve, rclone_flags: Vec<String>) -> Result<i32, String> {
    match cmd {
        args::Serve::List { json } => {
            let all = offline().await?.serves().await.map_err(|e| e.to_string())?;
            if json {
                say(&serde_json::to_string_pretty(&all).map_err(|e| e.to_string())?);
                return Ok(0);
            }
            if all.is_empty() {
                say("no serves; add one: rcmd-cli serve add NAME remote:path webdav");
            }
            for s in &all {
                let login = if s.spec.user.is_empty() {
                    "no password".to_owned()
                } else {
                    format!("user {}", s.spec.user)
                };
                say(&format!(
                    "{}: {} over {} at {} ({login}): {}",
                    s.spec.name,
                    s.spec.fs,
                    s.spec.protocol.as_str(),
                    s.spec.addr,
                    state_word(&s.status)
                ));
            }
            Ok(0)
        }
        args::Serve::Add {
            name,
            fs,
            protocol,
            addr,
            no_auth,
            read_only,
            auto,
        } => {
            let protocol = match protocol {
                args::ServeProtocolArg::Webdav => ServeProtocol::Webdav,
                args::ServeProtocolArg::Http => ServeProtocol::Http,
                args::ServeProtocolArg::Sftp => ServeProtocol::Sftp,
                args::ServeProtocolArg::Ftp => ServeProtocol::Ftp,
                args::ServeProtocolArg::Dlna => ServeProtocol::Dlna,
            };
            let spec = ServeSpec {
                name: name.clone(),
                fs,
                protocol,
                addr,
                user: String::new(),
                read_only,
                auto_start: auto,
            };
            let created = offline()
                .await?
                .serve_add(spec, !no_auth)
                .await
                .map_err(|e| e.to_string())?;
            say(&format!("{name}: {} at {}", protocol.as_str(), created.spec.addr));
            if let Some(pass) = &created.password {
                // stdout, once, for the user to copy; never logged
                say(&format!("user: {}\npassword: {pass}", created.spec.user));
                eprintln!("the password is shown only now (kept in the keyring)");
            }
            Ok(0)
        }
        args::Serve::Remove { name } => {
            offline().await?.serve_remove(&name).await.map_err(|e| e.to_string())?;
            eprintln!("serve {name} removed");
            Ok(0)
        }
        args::Serve::Down { name } => {
            let mounts = offline().await?;
            mounts
                .down(&name, PendingChoice::Leave, Duration::ZERO)
                .await
                .map_err(|e| e.to_string())?;
            eprintln!("{name} stopped");
            Ok(0)
        }
        args::Serve::Up { names, auto } => hold(names, auto, true, 60, rclone_flags).await,
    }
}

/// Starts `names` (or every auto one) and keeps them up, printing each change of state,
/// until Ctrl-C / SIGTERM or until all were taken down from elsewhere.
async fn hold(
    names: Vec<String>,
    auto: bool,
    serves: bool,
    wait: u64,
    rclone_flags: Vec<String>,
) -> Result<i32, String> {
    if names.is_empty() && !auto {
        return Err("name what to start, or --auto for every auto one".into());
    }
    let engine = crate::Engine::start(rclone_flags).await?;
    let mounts = engine.core.mounts.clone();
    let mut events = engine.core.bus.subscribe();
    let started = if auto {
        mounts.start_auto().await.map_err(|e| e.to_string())
    } else {
        let mut up = vec![];
        let mut failed = None;
        for n in &names {
            let r = if serves {
                mounts.serve_up(n).await
            } else {
                mounts.up(n).await
            };
            match r {
                Ok(()) => up.push(n.clone()),
                Err(e) => {
                    failed = Some(e.to_string());
                    break;
                }
            }
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(up),
        }
    };
    let started = match started {
        Ok(s) => s,
        Err(e) => {
            engine.core.shutdown().await;
            return Err(e);
        }
    };
    if started.is_empty() {
        engine.core.shutdown().await;
        eprintln!("nothing to start (no auto mounts or serves)");
        return Ok(0);
    }
    for n in &started {
        eprintln!("{n}: {}", state_word(&mounts.status(n)));
    }
    mounts.answer_requests();
    rcmd_core::mount::resume::watch(mounts.clone(), Duration::from_secs(5), None);
    let stop = rcmd_core::stop_signal::wait();
    tokio::pin!(stop);
    let code = loop {
        tokio::select! {
            sig = &mut stop => {
                eprintln!("{sig}: taking down {}", started.join(", "));
                break 0;
            }
            e = events.recv() => {
                if let Ok(CoreEvent::Mount { status } | CoreEvent::Serve { status }) = e {
                    eprintln!("{}: {}", status.name, state_word(&status));
                }
            }
            _ = tokio::time::sleep(Duration::from_secs(1)) => {
                if mounts.running().is_empty() {
                    eprintln!("everything was taken down");
                    break 0;
                }
            }
        }
    };
    let mut code = code;
    for e in mounts.down_all(PendingChoice::Wait, Duration::from_secs(wait)).await {
        eprintln!("rcmd: {e}");
        code = 2;
    }
    mounts.down_all(PendingChoice::Leave, Duration::ZERO).await;
    engine.core.shutdown().await;
    Ok(code)
}
