//! `rcmd schedule ...`: scheduled batches from the command line, and `run-due`, which a
//! systemd user timer or a crontab line calls once a minute while the app is closed.

use std::{future::Future, path::Path, pin::Pin, sync::Arc, time::Duration};

use rcmd_core::{
    app_dirs,
    batch::Store,
    schedule::{timer, Launch, RunnerLaunch, ScheduleStore, Scheduler, SystemWall},
    types::{BatchKind, Overlap, ScheduleSpec},
};
use tokio::sync::OnceCell;

use crate::args;

/// Starts the engine (and rclone) only when a run is due: a timer that fires every minute
/// costs a database read, not an rclone start.
#[derive(Default)]
struct LazyEngine {
    engine: OnceCell<(super::Engine, RunnerLaunch)>,
}

impl LazyEngine {
    async fn get(&self) -> Result<&(super::Engine, RunnerLaunch), String> {
        self.engine
            .get_or_try_init(|| async {
                let engine = super::Engine::start(rcmd_core::app_dirs::extra_rclone_flags()?).await?;
                // nobody watches: the run is waited for and its result recorded
                let launch = RunnerLaunch {
                    runner: engine.core.runner.clone(),
                    pairs: engine.core.pairs.clone(),
                };
                Ok((engine, launch))
            })
            .await
    }
}

/// The scheduler's handle on the shared [`LazyEngine`].
struct Lazy(Arc<LazyEngine>);

impl Launch for Lazy {
    fn launch<'a>(
        &'a self,
        spec: &'a ScheduleSpec,
        origin: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<i64, String>> + Send + 'a>> {
        Box::pin(async move { self.0.get().await?.1.launch(spec, origin).await })
    }
}

/// `rcmd schedule ...`.
pub(crate) async fn manage(cmd: args::Schedule) -> Result<i32, String> {
    let store = Store::open(&app_dirs::batch_db()).await.map_err(|e| e.to_string())?;
    let lazy = Arc::new(LazyEngine::default());
    let sched = Scheduler::new(ScheduleStore::new(store), clock(), Arc::new(Lazy(lazy.clone())), None);
    match cmd {
        args::Schedule::List { json } => {
            let all = sched.list().await.map_err(|e| e.to_string())?;
            if json {
                super::say(&serde_json::to_string_pretty(&all).map_err(|e| e.to_string())?);
                return Ok(0);
            }
            for s in &all {
                let next = s.next_ms.map(fmt_ms).unwrap_or_else(|| "off".into());
                let last = s
                    .last
                    .as_ref()
                    .map(|r| format!("{:?} {}", r.outcome, fmt_ms(r.due_ms)))
                    .unwrap_or_else(|| "never".into());
                super::say(&format!(
                    "#{} {} [{}] {:?} {} -> {}; next {next}; last {last}",
                    s.id,
                    s.spec.name,
                    s.spec.cron,
                    s.spec.kind,
                    s.spec.src,
                    s.spec.dst.as_deref().unwrap_or("-")
                ));
            }
            Ok(0)
        }
        args::Schedule::Add {
            name,
            cron,
            kind,
            src,
            dst,
            watch,
            wait,
            no_catch_up,
            on_conflict,
            max_delete,
            max_delete_percent,
            no_backup,
            filter,
        } => {
            let sync = matches!(kind, args::ScheduledKind::Sync).then(|| -> Result<_, String> {
                Ok(rcmd_core::types::ScheduledSync {
                    filter: crate::sync::filter_of(&filter, &[])?,
                    guard: rcmd_core::types::DeleteGuard {
                        max_files: max_delete,
                        max_percent: (max_delete_percent < 100).then_some(max_delete_percent),
                    },
                    backup: if no_backup {
                        rcmd_core::types::BackupPlace::Off
                    } else {
                        rcmd_core::types::BackupPlace::Dated
                    },
                })
            });
            let sync = sync.transpose()?;
            // a two-way schedule names its pair; its sides are shown as source and destination
            let (src, dst, pair) = match kind {
                args::ScheduledKind::Bisync => {
                    let store = rcmd_core::bisync::PairStore::new(sched.store().batches().clone());
                    let p = store
                        .find(&src)
                        .await
                        .map_err(|e| e.to_string())?
                        .ok_or_else(|| format!("no two-way pair {src:?} (`rcmd bisync list`)"))?;
                    (p.spec.path1, Some(p.spec.path2), Some(p.id))
                }
                _ => (src, dst, None),
            };
            let spec = ScheduleSpec {
                name,
                cron,
                kind: match kind {
                    args::ScheduledKind::Copy => BatchKind::Copy,
                    args::ScheduledKind::Move => BatchKind::Move,
                    args::ScheduledKind::Sync => BatchKind::Sync,
                    args::ScheduledKind::Bisync => BatchKind::Bisync,
                },
                src,
                dst,
                overlap: if wait { Overlap::Wait } else { Overlap::Skip },
                catch_up: !no_catch_up,
                enabled: true,
                on_conflict: on_conflict.into(),
                sync,
                pair,
                watch: watch.map(|quiet_secs| rcmd_core::types::WatchTrigger { quiet_secs }),
            };
            let id = sched.add(&spec).await.map_err(|e| e.to_string())?;
            super::say(&format!("schedule {id} added"));
            Ok(0)
        }
        args::Schedule::Remove { id } => {
            sched.store().remove(id).await.map_err(|e| e.to_string())?;
            Ok(0)
        }
        args::Schedule::Runs { id } => {
            for r in sched.store().runs(id, 100).await.map_err(|e| e.to_string())? {
                let batch = r.batch_id.map(|b| format!(" batch {b}")).unwrap_or_default();
                super::say(&format!(
                    "{} {} {:?}{batch} {}",
                    fmt_ms(r.due_ms),
                    r.schedule_name,
                    r.outcome,
                    r.detail.unwrap_or_default()
                ));
            }
            Ok(0)
        }
        args::Schedule::RunDue => run_due(&sched, &lazy).await,
        args::Schedule::InstallTimer { cron } => install(cron).map(|()| 0),
        args::Schedule::RemoveTimer { cron } => remove(cron).map(|()| 0),
    }
}

/// One tick; then waits for the batches it started, so the timer's service lasts as long as
/// its work (systemd does not start a second one meanwhile).
async fn run_due(sched: &Scheduler, lazy: &LazyEngine) -> Result<i32, String> {
    let runs = sched.tick().await.map_err(|e| e.to_string())?;
    for r in &runs {
        eprintln!(
            "{} {:?}{}",
            r.schedule_name,
            r.outcome,
            r.detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default()
        );
    }
    let Some((engine, launch)) = lazy.engine.get() else {
        return Ok(0);
    };
    let started: Vec<i64> = runs.iter().filter_map(|r| r.batch_id).collect();
    while started.iter().any(|id| launch.runner.is_running(*id)) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    engine.core.shutdown().await;
    engine.core.notifications.flush(super::NOTIFY_FLUSH).await;
    Ok(0)
}

/// The system clock, or with `RCMD_NOW_MS` set a clock frozen at that unix time in UTC (for
/// tests: "it is 02:00 now" without waiting for the night).
fn clock() -> Arc<dyn rcmd_core::schedule::WallClock> {
    match std::env::var("RCMD_NOW_MS")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
    {
        Some(ms) => {
            let t = chrono_utc(ms);
            Arc::new(rcmd_core::schedule::ManualWall::at(t))
        }
        None => Arc::new(SystemWall),
    }
}

fn chrono_utc(ms: i64) -> rcmd_core::schedule::NaiveDateTime {
    rcmd_core::schedule::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .naive_utc()
}

fn fmt_ms(ms: i64) -> String {
    use rcmd_core::schedule::WallClock;
    SystemWall.local(ms).format("%Y-%m-%d %H:%M").to_string()
}

pub(crate) fn cli_path() -> Result<std::path::PathBuf, String> {
    std::env::current_exe().map_err(|e| format!("cannot find this program's path: {e}"))
}

pub(crate) fn run(program: &str, args: &[&str], stdin: Option<&str>) -> Result<String, String> {
    use std::io::Write;
    let mut cmd = std::process::Command::new(program);
    cmd.args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    if stdin.is_some() {
        cmd.stdin(std::process::Stdio::piped());
    }
    let mut child = cmd.spawn().map_err(|e| format!("cannot run {program}: {e}"))?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes()).map_err(|e| format!("{program}: {e}"))?;
    }
    let out = child.wait_with_output().map_err(|e| format!("{program}: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        // `crontab -l` without a crontab: an empty one
        if program == "crontab" && err.contains("no crontab") {
            return Ok(String::new());
        }
        return Err(format!("{program} {}: {}", args.join(" "), err.trim()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Installs the timer (systemd user units, or a crontab line with `cron`).
pub fn install(cron: bool) -> Result<(), String> {
    let cli = cli_path()?;
    if cron {
        let current = run("crontab", &["-l"], None)?;
        run(
            "crontab",
            &["-"],
            Some(&timer::edit_crontab(&current, Some(&timer::cron_line(&cli)))),
        )?;
        eprintln!("crontab line added: {}", timer::cron_line(&cli));
        return Ok(());
    }
    let dir = timer::systemd_dir().ok_or("no config folder for systemd user units")?;
    write_units(&dir, &cli)?;
    run("systemctl", &["--user", "daemon-reload"], None)?;
    run(
        "systemctl",
        &["--user", "enable", "--now", &format!("{}.timer", timer::UNIT)],
        None,
    )?;
    eprintln!(
        "systemd user timer {}.timer enabled (units in {})",
        timer::UNIT,
        dir.display()
    );
    Ok(())
}

/// Writes the service and timer units into `dir`.
pub fn write_units(dir: &Path, cli: &Path) -> Result<(), String> {
    let (service, timer_unit) = timer::systemd_units(cli);
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for (ext, text) in [("service", service), ("timer", timer_unit)] {
        let path = dir.join(format!("{}.{ext}", timer::UNIT));
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// Removes what [`install`] installed.
pub fn remove(cron: bool) -> Result<(), String> {
    if cron {
        let current = run("crontab", &["-l"], None)?;
        run("crontab", &["-"], Some(&timer::edit_crontab(&current, None)))?;
        return Ok(());
    }
    let dir = timer::systemd_dir().ok_or("no config folder for systemd user units")?;
    // disabling a timer that was never enabled is fine
    let _ = run(
        "systemctl",
        &["--user", "disable", "--now", &format!("{}.timer", timer::UNIT)],
        None,
    );
    for ext in ["service", "timer"] {
        let _ = std::fs::remove_file(dir.join(format!("{}.{ext}", timer::UNIT)));
    }
    let _ = run("systemctl", &["--user", "daemon-reload"], None);
    Ok(())
}
