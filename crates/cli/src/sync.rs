//! `rcmd-cli compare | sync | find`: the engine's compare, one-way sync (planned from the
//! compare, previewed with `--dry-run`, run as a resumable batch) and search, here with this
//! computer's rclone.

use std::sync::Arc;

use rcmd_core::{
    batch::{sync::plan, SyncError, SyncRequest},
    compare::{
        compare,
        find::{find, FindQuery},
        CompareRequest, Comparison,
    },
    remote_path::RemotePath,
    settings::Settings,
    types::{BackupPlace, CompareMode, CompareState, DeleteGuard, Direction, FilterSpec, SyncPreview},
};
use tokio_util::sync::CancellationToken;

use crate::{args, say, Engine};

/// Exit code of a compare that found differences, of a search that found nothing.
pub const DIFFERENT: i32 = 6;
/// Exit code of a sync the delete guard refused.
pub const REFUSED: i32 = 5;

/// The filter the options ask for: a saved preset (by name) with the options added to it.
pub fn filter_of(a: &args::FilterArgs, more_include: &[String]) -> Result<FilterSpec, String> {
    let mut f = match &a.preset {
        Some(name) => {
            let (settings, _) = Settings::load_or_recover(&rcmd_core::app_dirs::settings_file());
            settings
                .filter_presets
                .iter()
                .find(|p| &p.name == name)
                .map(|p| p.filter.clone())
                .ok_or_else(|| format!("no saved filter named {name:?} (the app's Settings → filters)"))?
        }
        None => FilterSpec::default(),
    };
    f.include.extend(a.include.iter().chain(more_include).cloned());
    f.exclude.extend(a.exclude.iter().cloned());
    let or = |o: &Option<String>, d: Option<String>| o.clone().or(d);
    f.min_size = or(&a.min_size, f.min_size);
    f.max_size = or(&a.max_size, f.max_size);
    f.min_age = or(&a.min_age, f.min_age);
    f.max_age = or(&a.max_age, f.max_age);
    f.exclude_if_present = or(&a.exclude_if_present, f.exclude_if_present);
    Ok(f)
}

async fn run_compare(engine: &Engine, req: &CompareRequest) -> Result<Comparison, String> {
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let progress = Arc::new(move |p: rcmd_core::types::CompareProgress| {
        if tty {
            eprint!("\rcomparing: {} checked, {} listed   ", p.checks, p.listed);
        }
    });
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            c2.cancel();
        }
    });
    let out = compare(&engine.core.processor.rc, req, &cancel, progress).await;
    if tty {
        eprintln!();
    }
    let c = out.map_err(|e| e.to_string())?;
    if c.by_size_only() {
        eprintln!(
            "note: {} and {} have no hash in common: files were compared by size only (--download compares the bytes)",
            c.left, c.right
        );
    }
    Ok(c)
}

fn state_word(s: CompareState) -> &'static str {
    match s {
        CompareState::OnlyLeft => "only-left",
        CompareState::OnlyRight => "only-right",
        CompareState::Differ => "differ",
        CompareState::Same => "same",
        CompareState::Error => "error",
    }
}

fn direction_word(d: Direction) -> &'static str {
    match d {
        Direction::Right => "copy →",
        Direction::Left => "copy ←",
        Direction::Skip => "skip",
        Direction::DeleteRight => "delete (right)",
        Direction::DeleteLeft => "delete (left)",
    }
}

/// `compare LEFT RIGHT`.
pub async fn compare_cmd(
    left: &str,
    right: &str,
    json: bool,
    one_way: bool,
    read: &args::CompareRead,
    filter: FilterSpec,
    rclone_flags: Vec<String>,
) -> Result<i32, String> {
    let mut req = CompareRequest::new(left, right, filter, CompareMode::TwoWay).map_err(|e| e.to_string())?;
    req.one_way = one_way;
    req.download = read.download;
    let engine = Engine::start(rclone_flags).await?;
    let c = run_compare(&engine, &req).await;
    engine.core.shutdown().await;
    let c = c?;
    let counts = c.counts();
    if json {
        let out = serde_json::json!({
            "left": c.left.to_string(),
            "right": c.right.to_string(),
            "hash": c.hash,
            "by_size_only": c.by_size_only(),
            "left_files": c.left_files,
            "right_files": c.right_files,
            "counts": counts,
            "rows": c.rows,
        });
        say(&serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?);
    } else {
        for r in c.rows.iter().filter(|r| r.state != CompareState::Same) {
            let size =
                |s: &Option<rcmd_core::types::SideEntry>| s.as_ref().map_or("-".to_owned(), |s| s.size.to_string());
            say(&format!(
                "{:<10} {:>12} {:>12}  {}",
                state_word(r.state),
                size(&r.left),
                size(&r.right),
                r.path
            ));
        }
        say(&format!(
            "{} only left, {} only right, {} differ, {} same, {} errors",
            counts.only_left, counts.only_right, counts.differ, counts.same, counts.error
        ));
    }
    Ok(
        if counts.only_left + counts.only_right + counts.differ + counts.error == 0 {
            0
        } else {
            DIFFERENT
        },
    )
}

/// What `sync` was asked.
pub struct SyncArgs<'a> {
    pub src: &'a str,
    pub dst: &'a str,
    pub dry_run: bool,
    pub json: bool,
    pub backup_dir: Option<String>,
    pub no_backup: bool,
    pub max_delete: Option<u64>,
    pub max_delete_percent: u32,
    pub download: bool,
    pub filter: FilterSpec,
}

/// `sync SRC DST`: compare, plan, then the preview (`--dry-run`) or the batch.
pub async fn sync_cmd(a: SyncArgs<'_>, rclone_flags: Vec<String>) -> Result<i32, String> {
    let mut req = CompareRequest::new(a.src, a.dst, a.filter, CompareMode::Mirror).map_err(|e| e.to_string())?;
    req.download = a.download;
    if let Some(b) = &a.backup_dir {
        RemotePath::parse(b).map_err(|e| format!("--backup-dir: {e}"))?;
    }
    let engine = Engine::start(rclone_flags).await?;
    let c = match run_compare(&engine, &req).await {
        Ok(c) => c,
        Err(e) => {
            engine.core.shutdown().await;
            return Err(e);
        }
    };
    let mut sreq = SyncRequest::from_comparison(&c);
    sreq.guard = DeleteGuard {
        max_files: a.max_delete,
        max_percent: (a.max_delete_percent < 100).then_some(a.max_delete_percent),
    };
    sreq.backup = match (a.no_backup, a.backup_dir) {
        (true, _) => BackupPlace::Off,
        (false, Some(b)) => BackupPlace::At(b),
        (false, None) => BackupPlace::Dated,
    };
    if a.dry_run {
        engine.core.shutdown().await;
        return match plan(&sreq, &rcmd_core::batch::sync::stamp_now()) {
            Ok(p) => print_preview(&p.preview, a.json),
            Err(SyncError::Nothing) => {
                say("nothing to do: the folders match");
                Ok(0)
            }
            Err(e) => Err(e.to_string()),
        };
    }
    let created = engine.core.processor.create_sync(&sreq).await;
    let (id, preview) = match created {
        Ok(x) => x,
        Err(SyncError::Nothing) => {
            engine.core.shutdown().await;
            say("nothing to do: the folders match");
            return Ok(0);
        }
        Err(SyncError::Refused(why)) => {
            engine.core.shutdown().await;
            eprintln!("rcmd: {why} (--max-delete, --max-delete-percent)");
            return Ok(REFUSED);
        }
        Err(e) => {
            engine.core.shutdown().await;
            return Err(e.to_string());
        }
    };
    let k = &preview.counts;
    eprintln!(
        "batch {id}: {} to copy ({} bytes), {} to delete; replaced and deleted files go to {}",
        k.to_right,
        k.to_right_bytes,
        k.delete_right,
        preview
            .backup_right
            .as_deref()
            .unwrap_or("nowhere (backups off, or nothing replaced)")
    );
    engine.run(id).await
}

fn print_preview(p: &SyncPreview, json: bool) -> Result<i32, String> {
    if json {
        say(&serde_json::to_string_pretty(p).map_err(|e| e.to_string())?);
    } else {
        for a in &p.actions {
            say(&format!(
                "{:<15} {:>12}  {}",
                direction_word(a.direction),
                a.size,
                a.path
            ));
        }
        let k = &p.counts;
        say(&format!(
            "dry run: {} to copy ({} bytes), {} to delete ({} of {} files on the right); nothing was written",
            k.to_right, k.to_right_bytes, k.delete_right, k.delete_right, p.right_files
        ));
        if let Some(b) = &p.backup_right {
            say(&format!("replaced and deleted files would go to {b}"));
        }
    }
    match &p.refused {
        Some(why) => {
            eprintln!("rcmd: {why} (--max-delete, --max-delete-percent)");
            Ok(REFUSED)
        }
        None => Ok(0),
    }
}

/// `find PATH`.
pub async fn find_cmd(
    path: &str,
    limit: usize,
    json: bool,
    filter: FilterSpec,
    rclone_flags: Vec<String>,
) -> Result<i32, String> {
    let root = RemotePath::parse(path).map_err(|e| e.to_string())?;
    rcmd_core::compare::filter::to_rclone(&filter).map_err(|e| e.to_string())?;
    let engine = Engine::start(rclone_flags).await?;
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            c2.cancel();
        }
    });
    let q = FindQuery {
        root,
        filter,
        limit: limit.max(1),
    };
    let mut all = Vec::new();
    let end = find(&engine.core.processor.rc, &q, &cancel, |files| {
        if json {
            all.extend(files);
        } else {
            for f in files {
                say(&format!("{:>12}  {}  {}", f.size, f.mod_time, f.path));
            }
        }
    })
    .await;
    engine.core.shutdown().await;
    let end = end.map_err(|e| e.to_string())?;
    if json {
        say(&serde_json::to_string_pretty(&all).map_err(|e| e.to_string())?);
    }
    if end.truncated {
        eprintln!("stopped at {limit} files (--limit): more may match");
    }
    Ok(if end.found == 0 { DIFFERENT } else { 0 })
}
