//! Batches: list, create, steer, report (`commands/batches.rs`).

use leptos::{prelude::*, task::spawn_local};
use std::collections::BTreeMap;

use rcmd_types::{BatchInfo, BatchKind, BatchReport, ConflictPlan, ConflictPolicy, Newer};
use serde::Serialize;

use super::{refresh_showing, NoArgs};
use crate::{
    ipc,
    state::{Ctx, Dialog, Followup, Location},
};

#[derive(Serialize)]
struct IdArgs {
    id: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateArgs {
    kind: BatchKind,
    src: String,
    dst: Option<String>,
    names: Vec<String>,
    on_conflict: ConflictPolicy,
    choices: BTreeMap<String, ConflictPolicy>,
}

#[derive(Serialize)]
struct ConflictArgs<'a> {
    kind: BatchKind,
    src: String,
    dst: &'a str,
    names: &'a [String],
}

/// A copy or move the user confirmed: the files that exist at the destination are asked
/// about first (the conflict dialog), unless there are none to ask about (identical files
/// are left as they are); then the batch is created. Planned where the batch runs (this
/// computer or the server), so the answers apply to the files the batch will meet.
pub fn transfer(ctx: Ctx, kind: BatchKind, src: Location, names: Vec<String>, dst: String) {
    spawn_local(async move {
        let args = ConflictArgs {
            kind,
            src: src.spec(),
            dst: &dst,
            names: &names,
        };
        match ipc::invoke::<_, Option<ConflictPlan>>("batch_conflicts", &args).await {
            Ok(plan) => {
                let mut conflicts = plan.as_ref().map(|p| p.conflicts.clone()).unwrap_or_default();
                let identical = |c: &rcmd_types::Conflict| c.newer == Newer::Neither { same_size: true };
                let same = conflicts.iter().filter(|c| identical(c)).count() as u64;
                conflicts.retain(|c| !identical(c));
                let total = plan.map(|p| p.total).unwrap_or(0).saturating_sub(same);
                if conflicts.is_empty() {
                    create_batch(
                        ctx,
                        kind,
                        src,
                        names,
                        Some(dst),
                        ConflictPolicy::default(),
                        BTreeMap::new(),
                    );
                } else {
                    ctx.dialog.set(Some(Dialog::Conflict {
                        kind,
                        src,
                        names,
                        dst,
                        conflicts,
                        total,
                        at: 0,
                        choices: BTreeMap::new(),
                    }));
                }
            }
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}

/// The user answered the conflict on screen with `choice`, for it alone or for all the
/// remaining ones: the next conflict is shown, or the batch is created with the answers.
pub fn answer_conflict(ctx: Ctx, choice: ConflictPolicy, for_all: bool) {
    let Some(Dialog::Conflict {
        kind,
        src,
        names,
        dst,
        conflicts,
        at,
        mut choices,
        ..
    }) = ctx.dialog.get_untracked()
    else {
        return;
    };
    let Some(current) = conflicts.get(at) else { return };
    let policy = if for_all {
        choice
    } else {
        choices.insert(current.path.clone(), choice);
        if at + 1 < conflicts.len() {
            // the next conflict: the same dialog, one further, with this answer
            ctx.dialog.update(|d| {
                if let Some(Dialog::Conflict { at, choices: c, .. }) = d {
                    *at += 1;
                    *c = choices;
                }
            });
            return;
        }
        // every listed conflict answered; any beyond the list keep newer files (the default)
        ConflictPolicy::default()
    };
    ctx.dialog.set(None);
    create_batch(ctx, kind, src, names, Some(dst), policy, choices);
}

/// Reads all batches once (events cover later status changes).
pub fn load_batches(ctx: Ctx) {
    spawn_local(async move {
        match ipc::invoke::<_, Vec<BatchInfo>>("batch_list", &NoArgs {}).await {
            Ok(all) => {
                // another process's batch sends no events here: follow it by reading the list
                // again every few seconds while one runs elsewhere
                let elsewhere = all
                    .iter()
                    .any(|b| b.runner.is_some() && b.status == rcmd_types::BatchStatus::Running);
                ctx.batches.set(all.into_iter().map(|b| (b.id, b)).collect());
                if elsewhere {
                    set_timeout(move || load_batches(ctx), std::time::Duration::from_secs(3));
                }
            }
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}

/// Creates a batch over `names` in `src` (folders expanded) to `dst` (none for a delete).
/// The panes showing either side are read again when it ends (the engine removes the folders
/// a clean move or delete emptied, as part of the batch).
pub fn create_batch(
    ctx: Ctx,
    kind: BatchKind,
    src: Location,
    names: Vec<String>,
    dst: Option<String>,
    on_conflict: ConflictPolicy,
    choices: BTreeMap<String, ConflictPolicy>,
) {
    spawn_local(async move {
        let args = CreateArgs {
            kind,
            src: src.spec(),
            dst: dst.clone(),
            names,
            on_conflict,
            choices,
        };
        match ipc::invoke::<_, BatchInfo>("batch_create", &args).await {
            Ok(b) => {
                let dst = dst.as_deref().and_then(Location::parse);
                let id = b.id;
                ctx.followups.update(|f| {
                    f.insert(id, Followup { src, dst });
                });
                // a state event may have come first (the batch already running): it is newer
                // than this reply, which was read right after the start
                let ended = ctx
                    .batches
                    .with_untracked(|m| m.get(&id).is_some_and(|x| !x.status.is_resumable()));
                ctx.batches.update(|m| {
                    m.entry(id).or_insert(b);
                });
                if ended {
                    batch_ended(ctx, id);
                }
                ctx.error.set(None);
            }
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}

/// A batch started here ended: refresh the panes on its folders.
pub fn batch_ended(ctx: Ctx, id: i64) {
    let Some(f) = ctx.followups.try_update(|m| m.remove(&id)).flatten() else {
        return;
    };
    refresh_showing(ctx, &f.src);
    if let Some(d) = &f.dst {
        refresh_showing(ctx, d);
    }
}

/// `batch_resume`, `batch_pause`, `batch_cancel` or `batch_retry_failed`.
pub fn batch_action(ctx: Ctx, command: &'static str, id: i64) {
    spawn_local(async move {
        if let Err(e) = ipc::invoke::<_, serde::de::IgnoredAny>(command, &IdArgs { id }).await {
            ctx.error.set(Some(e));
        }
        load_batches(ctx);
    });
}

pub fn show_report(ctx: Ctx, id: i64) {
    spawn_local(async move {
        match ipc::invoke::<_, BatchReport>("batch_report", &IdArgs { id }).await {
            Ok(r) => ctx.report.set(Some(r)),
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}
