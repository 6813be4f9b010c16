//! `rcmd-cli batch ...` (also `rcmd batch ...` through the app binary): batches from the
//! command line (scripts, cron, servers), over the same engine and database as the app, with
//! its own supervised rclone sidecar and the app's notification settings. Links no GUI
//! library. Exit codes: 0 all done, 2 some items failed, 3 paused or cancelled, 1 error.

mod args;
mod bisync;
mod flags;
mod mount;
pub mod schedule;
mod server;
pub(crate) mod sync;

use std::{io::IsTerminal, sync::Arc, time::Duration};

use rcmd_core::{
    app_dirs,
    batch::{as_seen, BatchControl, BatchRequest, Selection, Store, INTERRUPTED},
    engine::{Engine as CoreEngine, EngineConfig},
    settings::Settings,
    sidecar::BinaryLauncher,
    types::{BatchInfo, BatchKind, BatchProgress, BatchStatus},
};

/// Runs the command; returns the process exit code.
pub fn main(args: &[String]) -> i32 {
    let argv = std::iter::once("rcmd".to_owned()).chain(args::with_batch_word(args));
    let cli = match <args::Cli as clap::Parser>::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // not clap's 2: that is "some items failed" here
            return if e.use_stderr() { 1 } else { 0 };
        }
    };
    // stderr only: the batch's own output goes to stdout
    let _log = rcmd_core::logging::init("warn", None);
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rcmd: cannot start: {e}");
            return 1;
        }
    };
    rt.block_on(async {
        match run(cli).await {
            Ok(code) => code,
            Err(e) => {
                eprintln!("rcmd: {e}");
                1
            }
        }
    })
}

async fn run(cli: args::Cli) -> Result<i32, String> {
    let batch = match cli.command {
        args::Command::Server(s) => return server::manage(s).await,
        args::Command::Schedule(s) => return schedule::manage(s).await,
        args::Command::Mount(m) => return mount::manage(m, flags::take(&mut cli.rclone.words())?).await,
        args::Command::Serve(s) => return mount::serve(s, flags::take(&mut cli.rclone.words())?).await,
        args::Command::Bisync(b) => {
            return bisync::manage(b, cli.server.clone(), flags::take(&mut cli.rclone.words())?).await
        }
        args::Command::Watch(w) => {
            if let Some(name) = &cli.server {
                return Err(format!(
                    "watch mode watches folders of this computer; its runs use this computer's rclone, not server {name:?}"
                ));
            }
            return bisync::watch(w, flags::take(&mut cli.rclone.words())?).await;
        }
        args::Command::Batch(b) => b,
        other => return compare_sync_find(cli.server, &cli.rclone, other).await,
    };
    if let Some(name) = cli.server {
        if cli.rclone.given() {
            return Err("rclone options (--bwlimit, --transfers, --checkers, --rclone-flag) apply to batches run here; a server's batches use the server's rclone settings".into());
        }
        return server::batch(&name, batch).await;
    }
    let rclone_flags = flags::take(&mut cli.rclone.words())?;
    let store = || async { Store::open(&app_dirs::batch_db()).await.map_err(|e| e.to_string()) };
    match batch {
        args::Batch::List { json } => {
            let all: Vec<BatchInfo> = store()
                .await?
                .list()
                .await
                .map_err(|e| e.to_string())?
                .into_iter()
                .map(as_seen)
                .collect();
            if json {
                say(&serde_json::to_string_pretty(&all).map_err(|e| e.to_string())?);
            } else {
                for b in &all {
                    say(&line(b));
                }
            }
            Ok(0)
        }
        args::Batch::Report { id, json } => {
            let mut report = store().await?.report(id).await.map_err(|e| e.to_string())?;
            report.batch = as_seen(report.batch);
            print_report(&report, json)
        }
        args::Batch::Copy {
            src,
            dst,
            on_conflict,
            filter,
        } => transfer(BatchKind::Copy, &src, &dst, on_conflict, &filter, rclone_flags).await,
        args::Batch::Move {
            src,
            dst,
            on_conflict,
            filter,
        } => transfer(BatchKind::Move, &src, &dst, on_conflict, &filter, rclone_flags).await,
        args::Batch::Delete { path } => {
            start(
                BatchKind::Delete,
                &path,
                None,
                Default::default(),
                Default::default(),
                rclone_flags,
            )
            .await
        }
        args::Batch::Resume { id } => Engine::start(rclone_flags).await?.run(id).await,
        args::Batch::Retry { id } => {
            let n = store().await?.retry_failed(id).await.map_err(|e| e.to_string())?;
            eprintln!("batch {id}: {n} failed items queued again");
            Engine::start(rclone_flags).await?.run(id).await
        }
        args::Batch::Pause { .. } | args::Batch::Cancel { .. } => Err(
            "pause and cancel steer a batch on a server (--server NAME); here Ctrl-C pauses the running batch".into(),
        ),
    }
}

/// `compare`, `sync`, `find`: here, with this computer's rclone.
async fn compare_sync_find(
    server: Option<String>,
    rclone: &args::RcloneOptions,
    cmd: args::Command,
) -> Result<i32, String> {
    if let Some(name) = server {
        return Err(format!(
            "compare, sync and find run with this computer's rclone; on server {name:?} use the app's remote mode"
        ));
    }
    let flags = flags::take(&mut rclone.words())?;
    match cmd {
        args::Command::Compare {
            left,
            right,
            json,
            one_way,
            read,
            filter,
        } => {
            sync::compare_cmd(
                &left,
                &right,
                json,
                one_way,
                &read,
                sync::filter_of(&filter, &[])?,
                flags,
            )
            .await
        }
        args::Command::Sync {
            src,
            dst,
            dry_run,
            json,
            backup_dir,
            no_backup,
            max_delete,
            max_delete_percent,
            read,
            filter,
        } => {
            let a = sync::SyncArgs {
                src: &src,
                dst: &dst,
                dry_run,
                json,
                backup_dir,
                no_backup,
                max_delete,
                max_delete_percent,
                download: read.download,
                filter: sync::filter_of(&filter, &[])?,
            };
            sync::sync_cmd(a, flags).await
        }
        args::Command::Find {
            path,
            name,
            limit,
            json,
            filter,
        } => sync::find_cmd(&path, limit, json, sync::filter_of(&filter, &name)?, flags).await,
        _ => Err("not a compare, sync or find command".into()),
    }
}

/// A copy or move with its filter options.
async fn transfer(
    kind: BatchKind,
    src: &str,
    dst: &str,
    on_conflict: args::OnConflict,
    filter: &args::FilterArgs,
    rclone_flags: Vec<String>,
) -> Result<i32, String> {
    let filter = sync::filter_of(filter, &[])?;
    start(kind, src, Some(dst), on_conflict.into(), filter, rclone_flags).await
}

/// Creates the batch (planned through the resilient layer) and runs it in the foreground.
async fn start(
    kind: BatchKind,
    src: &str,
    dst: Option<&str>,
    on_conflict: rcmd_core::types::ConflictPolicy,
    filter: rcmd_core::types::FilterSpec,
    rclone_flags: Vec<String>,
) -> Result<i32, String> {
    let req = BatchRequest::new(kind, src, dst, Selection::All)
        .map_err(|e| e.to_string())?
        .with_conflicts(on_conflict, Default::default())
        .with_filter(filter)
        .map_err(|e| e.to_string())?;
    let engine = Engine::start(rclone_flags).await?;
    let created = match engine.core.processor.create(&req).await {
        Ok(c) => c,
        Err(e) => {
            engine.core.shutdown().await;
            return Err(e.to_string());
        }
    };
    let (id, items) = (created.id, created.items);
    eprintln!("batch {id}: {items} items");
    engine.run(id).await
}

/// The core engine started like the app does, with the user's notification channels.
pub(crate) struct Engine {
    core: CoreEngine,
}

/// How long the last notifications may take to go out before the command exits.
const NOTIFY_FLUSH: Duration = Duration::from_secs(20);

impl Engine {
    /// `rclone_flags`: for the sidecar (checked by [`flags::take`]).
    pub(crate) async fn start(rclone_flags: Vec<String>) -> Result<Engine, String> {
        let rclone =
            BinaryLauncher::beside_exe().ok_or("the rclone sidecar (rcmd-rclone) was not found next to rcmd")?;
        let (settings, problem) = Settings::load_or_recover(&app_dirs::settings_file());
        if let Some(p) = problem {
            eprintln!("rcmd: {p}; using default settings");
        }
        let mut engine_cfg = EngineConfig::for_user(&settings);
        engine_cfg.sidecar.extra_args = rclone_flags;
        if let Some(secs) = std::env::var("RCMD_LEASE_TIMEOUT")
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
        {
            engine_cfg.lease_timeout = Duration::from_secs(secs.max(1));
        }
        let core = CoreEngine::start(rclone, engine_cfg).await.map_err(|e| e.to_string())?;
        for p in &core.problems {
            eprintln!("rcmd: {p}");
        }
        // a sidecar that cannot start is said at once, not after a batch's retries
        if let Err(e) = core.supervisor.wait_ready(Duration::from_secs(30)).await {
            core.shutdown().await;
            return Err(e.to_string());
        }
        Ok(Engine { core })
    }

    /// Runs a batch with a progress bar; Ctrl-C / SIGTERM pause it, a second Ctrl-C exits at
    /// once (rclone dies with the process; the batch resumes exactly later).
    async fn run(self, id: i64) -> Result<i32, String> {
        let control = BatchControl::default();
        let pause = control.pause.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("\npausing (Ctrl-C again to force)...");
                pause.cancel();
            }
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("\nforced exit; `rcmd batch resume {id}` continues where it stopped");
                std::process::exit(130);
            }
        });
        #[cfg(unix)]
        {
            let pause = control.pause.clone();
            tokio::spawn(async move {
                if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    term.recv().await;
                    pause.cancel();
                }
            });
        }
        let bar = Arc::new(Bar::new());
        let b2 = bar.clone();
        let result = self
            .core
            .processor
            .run(id, &control, Arc::new(move |p| b2.draw(&p)))
            .await;
        bar.done();
        self.core.shutdown().await;
        // the batch's last status is a notification still in its coalescing window
        self.core.notifications.flush(NOTIFY_FLUSH).await;
        let info = result.map_err(|e| e.to_string())?;
        eprintln!("{}", line(&info));
        if let Some(r) = &info.pause_reason {
            eprintln!("  paused: {r} — continue with `rcmd batch resume {id}`");
        }
        if info.counts.failed > 0 {
            eprintln!("  {} items failed — see `rcmd batch report {id}`", info.counts.failed);
        }
        Ok(exit_code(info.status))
    }
}

/// Prints a batch's report (a line and its failed items, or JSON); its exit code.
fn print_report(report: &rcmd_core::types::BatchReport, json: bool) -> Result<i32, String> {
    if json {
        say(&serde_json::to_string_pretty(report).map_err(|e| e.to_string())?);
    } else {
        say(&line(&report.batch));
        if let Some(p) = report.batch.on_conflict {
            say(&format!("  existing files: {}", p.as_str()));
        }
        for k in &report.skipped {
            say(&format!("  SKIPPED {}: {}", k.path, k.reason));
        }
        for r in &report.renamed {
            say(&format!("  RENAMED {} → {}", r.path, r.to));
        }
        for f in &report.failed {
            say(&format!(
                "  FAILED {} ({:?}): {}\n    → {}",
                f.path, f.reason, f.error, f.suggestion_en
            ));
        }
    }
    Ok(exit_code(report.batch.status))
}

fn exit_code(status: BatchStatus) -> i32 {
    match status {
        BatchStatus::Completed => 0,
        BatchStatus::CompletedWithErrors | BatchStatus::Failed => 2,
        BatchStatus::Paused | BatchStatus::Cancelled | BatchStatus::Queued | BatchStatus::Running => 3,
    }
}

/// A batch's status in a line: an interrupted batch (its runner exited or was killed) says so
/// and how to go on.
fn status_label(b: &BatchInfo) -> String {
    if b.pause_reason.as_deref() == Some(INTERRUPTED) {
        return format!("Interrupted: `rcmd batch resume {}` continues it", b.id);
    }
    format!("{:?}", b.status)
}

fn line(b: &BatchInfo) -> String {
    let c = &b.counts;
    format!(
        "#{} {:?} {} -> {} [{}] {}/{} done, {} failed, {} pending, {}/{} bytes",
        rcmd_core::types::batch_id_text(b.id),
        b.kind,
        b.src,
        b.dst.as_deref().unwrap_or("-"),
        status_label(b),
        c.done,
        c.total(),
        c.failed,
        c.pending + c.running,
        c.bytes_done,
        c.bytes_total
    )
}

/// Prints a result line on stdout (the command's output, for scripts).
#[allow(clippy::print_stdout)]
pub(crate) fn say(s: &str) {
    println!("{s}");
}

/// A one-line progress bar on a terminal (nothing when stderr is not one), at most 10/s.
struct Bar {
    tty: bool,
    last: std::sync::Mutex<std::time::Instant>,
}

impl Bar {
    fn new() -> Self {
        Bar {
            tty: std::io::stderr().is_terminal(),
            last: std::sync::Mutex::new(std::time::Instant::now()),
        }
    }

    fn draw(&self, p: &BatchProgress) {
        if !self.tty {
            return;
        }
        if let Ok(mut last) = self.last.lock() {
            if last.elapsed() < Duration::from_millis(100) {
                return;
            }
            *last = std::time::Instant::now();
        }
        let frac = if p.bytes_total > 0 {
            p.bytes_done as f64 / p.bytes_total as f64
        } else {
            0.0
        };
        let filled = (frac * 30.0) as usize;
        let eta = p.eta_s.map(|s| format!(" ETA {s:.0}s")).unwrap_or_default();
        eprint!(
            "\r[{}{}] {:>3.0}% {}/{} items, {:.1}/{:.1} MiB, {:.1} MiB/s{eta}   ",
            "#".repeat(filled),
            ".".repeat(30 - filled),
            frac * 100.0,
            p.items_done,
            p.items_total,
            p.bytes_done as f64 / 1048576.0,
            p.bytes_total as f64 / 1048576.0,
            p.speed / 1048576.0
        );
    }

    fn done(&self) {
        if self.tty {
            eprintln!();
        }
    }
}
