//! `rcmd bisync ...` (two-way sync pairs) and `rcmd watch ...` (watch mode), over the same
//! database as the app.

use std::time::Duration;

use rcmd_core::{
    app_dirs,
    batch::Store,
    bisync::{validate, BisyncError, PairStore},
    types::{BatchStatus, BisyncPreview, BisyncReport, ConflictRule, FailureReason, PairSpec, PairState},
};

use crate::{args, say};

/// Exit code of a pair that needs its resync.
pub const LOCKED_OUT: i32 = 4;
/// Exit code of a run a guard refused (delete limit, check file missing).
pub const REFUSED: i32 = 5;

async fn pairs_store() -> Result<PairStore, String> {
    Ok(PairStore::new(
        Store::open(&app_dirs::batch_db()).await.map_err(|e| e.to_string())?,
    ))
}

fn state_word(s: PairState) -> &'static str {
    match s {
        PairState::New => "new: run the guided resync first",
        PairState::Ready => "ready",
        PairState::LockedOut => "LOCKED OUT: preview and run a resync",
    }
}

fn print_preview(p: &BisyncPreview, json: bool) -> Result<(), String> {
    if json {
        say(&serde_json::to_string_pretty(p).map_err(|e| e.to_string())?);
        return Ok(());
    }
    if p.is_empty() {
        say("nothing to do: the sides match");
    }
    for (label, list) in [
        ("→ path1", &p.to_path1),
        ("→ path2", &p.to_path2),
        ("delete on path1", &p.delete_path1),
        ("delete on path2", &p.delete_path2),
        ("changed on both (both kept)", &p.conflicts),
    ] {
        for f in list {
            say(&format!("{label}: {f}"));
        }
    }
    say(&format!(
        "{} to path1, {} to path2, {} deletes on path1, {} on path2, {} conflicts",
        p.to_path1.len(),
        p.to_path2.len(),
        p.delete_path1.len(),
        p.delete_path2.len(),
        p.conflicts.len()
    ));
    Ok(())
}

fn print_report(r: &BisyncReport, json: bool) -> Result<(), String> {
    if json {
        say(&serde_json::to_string_pretty(r).map_err(|e| e.to_string())?);
        return Ok(());
    }
    say(&format!(
        "{}: {} copied ({} to path1, {} to path2), {} deleted, {} conflicts, {} errors",
        r.pair_name,
        r.copied,
        r.copied_to_path1,
        r.copied_to_path2,
        r.deleted,
        r.conflicts.len(),
        r.errors
    ));
    for c in &r.conflicts {
        say(&format!("  CONFLICT {}: kept as {}", c.path, c.versions.join(", ")));
    }
    for (label, b) in [("path1", &r.backup1), ("path2", &r.backup2)] {
        if let Some(b) = b {
            say(&format!("  backups of {label}: {b}"));
        }
    }
    if let Some(e) = &r.error {
        say(&format!("  STOPPED: {e}"));
    }
    Ok(())
}

/// `rcmd bisync ...`; with `server`, previews, resyncs and runs happen on that server (the
/// pairs are kept here).
pub(crate) async fn manage(
    cmd: args::Bisync,
    server: Option<String>,
    rclone_flags: Vec<String>,
) -> Result<i32, String> {
    if let Some(name) = server {
        if matches!(
            cmd,
            args::Bisync::Preview { .. } | args::Bisync::Resync { .. } | args::Bisync::Run { .. }
        ) {
            return on_server(&name, cmd).await;
        }
    }
    match cmd {
        args::Bisync::List { json } => {
            let all = pairs_store().await?.list().await.map_err(|e| e.to_string())?;
            if json {
                say(&serde_json::to_string_pretty(&all).map_err(|e| e.to_string())?);
            }
            for p in all.iter().filter(|_| !json) {
                say(&format!(
                    "#{} {} {} <-> {} [{}]{}",
                    p.id,
                    p.spec.name,
                    p.spec.path1,
                    p.spec.path2,
                    state_word(p.state),
                    p.detail.as_deref().map(|d| format!(" {d}")).unwrap_or_default()
                ));
            }
            Ok(0)
        }
        args::Bisync::Add {
            name,
            path1,
            path2,
            max_delete_percent,
            max_delete,
            newer_wins,
            no_backup,
            no_check_access,
            lock_minutes,
            filter,
        } => {
            let mut spec = PairSpec::new(&name, &path1, &path2);
            spec.guard.max_percent = max_delete_percent;
            spec.guard.max_files = max_delete;
            spec.conflicts = if newer_wins {
                ConflictRule::NewerWins
            } else {
                ConflictRule::KeepBoth
            };
            spec.backups = !no_backup;
            spec.check_access = !no_check_access;
            spec.lock_minutes = lock_minutes.max(2);
            spec.filter = crate::sync::filter_of(&filter, &[])?;
            validate(&spec).map_err(|e| e.to_string())?;
            let id = pairs_store()
                .await?
                .add(&spec)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| BisyncError::NameTaken(name.clone()).to_string())?;
            say(&format!(
                "pair {id} added; its first run is a resync: `rcmd bisync resync {name:?}` shows what each side gets"
            ));
            Ok(0)
        }
        args::Bisync::Remove { pair } => {
            let store = pairs_store().await?;
            let p = find(&store, &pair).await?;
            store.remove(p.id).await.map_err(|e| e.to_string())?;
            say(&format!("pair {} removed (its files stay)", p.spec.name));
            Ok(0)
        }
        args::Bisync::Preview { pair, resync, json } => {
            let engine = crate::Engine::start(rclone_flags).await?;
            let result = preview(&engine, &pair, resync.map(Into::into)).await;
            engine.core.shutdown().await;
            print_preview(&result?, json)?;
            Ok(0)
        }
        args::Bisync::Resync { pair, mode, yes, json } => {
            let engine = crate::Engine::start(rclone_flags).await?;
            let result = preview(&engine, &pair, Some(mode.into())).await;
            let p = match result {
                Ok(p) => p,
                Err(e) => {
                    engine.core.shutdown().await;
                    return Err(e);
                }
            };
            print_preview(&p, json)?;
            if !yes {
                engine.core.shutdown().await;
                eprintln!("nothing was written; run again with --yes to resync like this");
                return Ok(0);
            }
            run_foreground(engine, &pair, Some(mode.into()), json).await
        }
        args::Bisync::Run { pair, json } => {
            let engine = crate::Engine::start(rclone_flags).await?;
            run_foreground(engine, &pair, None, json).await
        }
    }
}

/// A pair's preview, resync or run on server `name`: the run is a server batch, followed
/// until it ends, then its report.
async fn on_server(name: &str, cmd: args::Bisync) -> Result<i32, String> {
    use rcmd_core::rproxy_client::batches;
    let rc = crate::server::client(name)?;
    let store = pairs_store().await?;
    let (key, resync, yes, json, preview_only) = match cmd {
        args::Bisync::Preview { pair, resync, json } => (pair, resync.map(Into::into), false, json, true),
        args::Bisync::Resync { pair, mode, yes, json } => (pair, Some(mode.into()), yes, json, false),
        args::Bisync::Run { pair, json } => (pair, None, true, json, false),
        _ => return Err("only preview, resync and run go to a server".into()),
    };
    let pair = find(&store, &key).await?;
    let is_resync = resync.is_some() && !preview_only;
    if preview_only || is_resync {
        let p: BisyncPreview = batches::bisync(&rc, &pair.spec, "preview", resync)
            .await
            .map_err(|e| crate::server::explain(&e))?;
        print_preview(&p, json)?;
        if preview_only {
            return Ok(0);
        }
        if !yes {
            eprintln!("nothing was written; run again with --yes to resync like this on {name}");
            return Ok(0);
        }
    }
    let action = if is_resync { "resync" } else { "run" };
    let b: rcmd_core::types::BatchInfo = batches::bisync(&rc, &pair.spec, action, resync)
        .await
        .map_err(|e| crate::server::explain(&e))?;
    eprintln!("batch {} on {name}", b.id);
    let code = crate::server::follow(&rc, name, b.id).await?;
    let report = batches::report(&rc, b.id)
        .await
        .map_err(|e| crate::server::explain(&e))?;
    let Some(r) = &report.bisync else { return Ok(code) };
    print_report(r, json)?;
    if report.batch.status == BatchStatus::Completed && is_resync {
        // the server holds the listings now: the pair may run there
        let _ = store
            .set_state(pair.id, PairState::Ready, Some(&format!("resynchronised on {name}")))
            .await;
    }
    Ok(exit_of(report.batch.status, r, code))
}

/// A run's exit code: its batch's (`code`), unless it stopped for a lockout or a guard.
fn exit_of(status: BatchStatus, r: &BisyncReport, code: i32) -> i32 {
    match (status, r.reason) {
        (BatchStatus::Failed, Some(FailureReason::Lockout)) => LOCKED_OUT,
        (BatchStatus::Failed, Some(FailureReason::LimitReached | FailureReason::AccessCheck)) => REFUSED,
        _ => code,
    }
}

async fn find(store: &PairStore, key: &str) -> Result<rcmd_core::types::PairInfo, String> {
    store
        .find(key)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no pair {key:?} (`rcmd bisync list`)"))
}

async fn preview(
    engine: &crate::Engine,
    key: &str,
    resync: Option<rcmd_core::types::ResyncMode>,
) -> Result<BisyncPreview, String> {
    let pair = engine.core.pairs.find(key).await.map_err(|e| e.to_string())?;
    engine
        .core
        .pairs
        .preview(&pair.spec, resync, &Default::default())
        .await
        .map_err(|e| e.to_string())
}

/// Runs a run or resync of `key` in the foreground (Ctrl-C pauses it); prints its report.
async fn run_foreground(
    engine: crate::Engine,
    key: &str,
    resync: Option<rcmd_core::types::ResyncMode>,
    json: bool,
) -> Result<i32, String> {
    let id = match engine.core.pairs.create(key, resync, None).await {
        Ok(id) => id,
        Err(e) => {
            engine.core.shutdown().await;
            return match e {
                BisyncError::NeedsResync(..) => {
                    eprintln!("rcmd: {e}");
                    Ok(LOCKED_OUT)
                }
                e => Err(e.to_string()),
            };
        }
    };
    let code = engine.run(id).await?;
    let store = Store::open(&app_dirs::batch_db()).await.map_err(|e| e.to_string())?;
    let report = store.report(id).await.map_err(|e| e.to_string())?;
    if let Some(r) = &report.bisync {
        print_report(r, json)?;
        return Ok(exit_of(report.batch.status, r, code));
    }
    Ok(code)
}

/// `rcmd watch ...`.
pub(crate) async fn watch(cmd: args::WatchCmd, rclone_flags: Vec<String>) -> Result<i32, String> {
    match cmd {
        args::WatchCmd::List { json } => {
            let store = Store::open(&app_dirs::batch_db()).await.map_err(|e| e.to_string())?;
            let all = rcmd_core::schedule::ScheduleStore::new(store)
                .all()
                .await
                .map_err(|e| e.to_string())?;
            let watched: Vec<_> = all
                .into_iter()
                .filter(|s| s.spec.watch.is_some())
                .map(|s| (s.id, s.spec))
                .collect();
            if json {
                say(&serde_json::to_string_pretty(&watched).map_err(|e| e.to_string())?);
                return Ok(0);
            }
            for (id, s) in &watched {
                let quiet = s.watch.map(|w| w.quiet_secs).unwrap_or_default();
                say(&format!(
                    "#{id} {} {:?} {} -> {} (on change after {quiet} s quiet; also {}){}",
                    s.name,
                    s.kind,
                    s.src,
                    s.dst.as_deref().unwrap_or("-"),
                    s.cron,
                    if s.enabled { "" } else { " [off]" }
                ));
            }
            Ok(0)
        }
        args::WatchCmd::Run => {
            let engine = crate::Engine::start(rclone_flags).await?;
            let core = engine.core.clone();
            core.runner.recover_interrupted(false).await;
            core.scheduler.clone().tick_every(Duration::from_secs(5));
            core.watches.refresh().await;
            for w in core.watches.status() {
                match &w.problem {
                    None => eprintln!("watching #{} {}: {}", w.schedule_id, w.name, w.folders.join(", ")),
                    Some(p) => eprintln!("NOT watching #{} {}: {p}", w.schedule_id, w.name),
                }
            }
            core.watches.clone().keep_refreshed(rcmd_core::engine::WATCH_REFRESH);
            rcmd_core::stop_signal::wait().await;
            eprintln!("stopping: running batches are paused (they resume exactly)");
            core.runner.pause_all(Duration::from_secs(10)).await;
            core.shutdown().await;
            core.notifications.flush(crate::NOTIFY_FLUSH).await;
            Ok(0)
        }
    }
}
