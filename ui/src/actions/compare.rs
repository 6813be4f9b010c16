//! Compare, sync and search (`commands/compare.rs`): the compare view's state, its pages of
//! rows, directions, preview and run; the search's streamed finds.

use std::collections::BTreeSet;

use leptos::{prelude::*, task::spawn_local};
use rcmd_types::{
    BackupPlace, BatchInfo, CompareCounts, CompareMode, ComparePage, CompareProgress, CompareState, DeleteGuard,
    Direction, FileEntry, FilterPreset, FilterSpec, SyncPreview,
};
use serde::Serialize;

use crate::{
    ipc,
    logic::compare::filter_of,
    state::{Ctx, Tab},
};

/// The compare and search views' state (kept while other tabs are shown).
#[derive(Clone, Copy)]
pub struct CompareCtx {
    pub left: RwSignal<String>,
    pub right: RwSignal<String>,
    pub mode: RwSignal<CompareMode>,
    /// include, exclude, min size, max size, min age, max age, exclude-if-present.
    pub fields: RwSignal<[String; 7]>,
    pub download: RwSignal<bool>,
    pub one_way: RwSignal<bool>,
    /// `Some` while a compare runs.
    pub running: RwSignal<Option<CompareProgress>>,
    /// The rows loaded around the visible ones, with the compare's counts.
    pub page: RwSignal<Option<ComparePage>>,
    /// The states shown (toggles).
    pub shown: RwSignal<Vec<CompareState>>,
    pub scroll_top: RwSignal<f64>,
    /// Position of the cursor among the shown rows.
    pub cursor: RwSignal<usize>,
    /// Selected rows (their index in the compare).
    pub selected: RwSignal<BTreeSet<u32>>,
    pub backup: RwSignal<bool>,
    pub max_files: RwSignal<String>,
    pub max_percent: RwSignal<String>,
    pub preview: RwSignal<Option<SyncPreview>>,
    pub started: RwSignal<Option<i64>>,
    pub presets: RwSignal<Vec<FilterPreset>>,
    pub find_root: RwSignal<String>,
    pub find_name: RwSignal<String>,
    pub find_limit: RwSignal<usize>,
    pub found: RwSignal<Vec<FileEntry>>,
    pub finding: RwSignal<bool>,
    /// The last search ended: whether it stopped at its limit.
    pub find_end: RwSignal<Option<bool>>,
}

impl CompareCtx {
    pub fn new() -> Self {
        CompareCtx {
            left: RwSignal::new(String::new()),
            right: RwSignal::new(String::new()),
            mode: RwSignal::new(CompareMode::Mirror),
            fields: RwSignal::new(Default::default()),
            download: RwSignal::new(false),
            one_way: RwSignal::new(false),
            running: RwSignal::new(None),
            page: RwSignal::new(None),
            shown: RwSignal::new(vec![
                CompareState::OnlyLeft,
                CompareState::OnlyRight,
                CompareState::Differ,
                CompareState::Error,
            ]),
            scroll_top: RwSignal::new(0.0),
            cursor: RwSignal::new(0),
            selected: RwSignal::new(BTreeSet::new()),
            backup: RwSignal::new(true),
            max_files: RwSignal::new(String::new()),
            max_percent: RwSignal::new("50".into()),
            preview: RwSignal::new(None),
            started: RwSignal::new(None),
            presets: RwSignal::new(vec![]),
            find_root: RwSignal::new(String::new()),
            find_name: RwSignal::new(String::new()),
            find_limit: RwSignal::new(1000),
            found: RwSignal::new(vec![]),
            finding: RwSignal::new(false),
            find_end: RwSignal::new(None),
        }
    }

    pub fn filter(&self) -> FilterSpec {
        filter_of(&self.fields.get_untracked())
    }

    fn guard(&self) -> DeleteGuard {
        let num = |s: String| s.trim().parse::<u64>().ok();
        DeleteGuard {
            max_files: num(self.max_files.get_untracked()),
            max_percent: num(self.max_percent.get_untracked())
                .map(|p| p.min(100) as u32)
                .filter(|p| *p < 100),
        }
    }

    fn backup_place(&self) -> BackupPlace {
        if self.backup.get_untracked() {
            BackupPlace::Dated
        } else {
            BackupPlace::Off
        }
    }
}

impl Default for CompareCtx {
    fn default() -> Self {
        Self::new()
    }
}

/// Rows asked for when a compare ends (the first screens).
const FIRST_PAGE: usize = 200;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StartArgs {
    left: String,
    right: String,
    mode: CompareMode,
    filter: FilterSpec,
    one_way: bool,
    download: bool,
    limit: usize,
}

/// Shift+F2: compares the two panes' folders in the compare view.
pub fn compare_panes(ctx: Ctx) {
    let (Some(l), Some(r)) = (ctx.panes[0].spec(), ctx.panes[1].spec()) else {
        return;
    };
    ctx.cmp.left.set(l);
    ctx.cmp.right.set(r);
    ctx.tab.set(Tab::Compare);
    start(ctx);
}

/// Runs the compare the form describes.
pub fn start(ctx: Ctx) {
    let c = ctx.cmp;
    if c.running.get_untracked().is_some() {
        return;
    }
    let args = StartArgs {
        left: c.left.get_untracked().trim().to_owned(),
        right: c.right.get_untracked().trim().to_owned(),
        mode: c.mode.get_untracked(),
        filter: c.filter(),
        one_way: c.one_way.get_untracked(),
        download: c.download.get_untracked(),
        limit: FIRST_PAGE,
    };
    c.running.set(Some(CompareProgress::default()));
    c.preview.set(None);
    c.started.set(None);
    c.selected.set(BTreeSet::new());
    spawn_local(async move {
        let shown = c.shown.get_untracked();
        let result: Result<ComparePage, _> =
            ipc::invoke_json_with_channel("compare_start", &args, "onProgress", move |p: CompareProgress| {
                if c.running.get_untracked().is_some() {
                    c.running.set(Some(p));
                }
            })
            .await;
        c.running.set(None);
        match result {
            Ok(first) => {
                c.cursor.set(0);
                c.scroll_top.set(0.0);
                // the first page holds every state: ask for the shown ones
                let id = first.compare;
                c.page.set(Some(first));
                load(ctx, id, shown, 0, FIRST_PAGE);
            }
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}

pub fn cancel(ctx: Ctx) {
    spawn_local(async move {
        let _: Result<(), _> = ipc::invoke("compare_cancel", &super::NoArgs {}).await;
        let _ = ctx;
    });
}

#[derive(Serialize)]
struct PageArgs {
    id: u64,
    states: Vec<CompareState>,
    offset: usize,
    limit: usize,
}

/// Loads rows `offset..offset + limit` of the shown states.
pub fn load(ctx: Ctx, id: u64, states: Vec<CompareState>, offset: usize, limit: usize) {
    spawn_local(async move {
        let args = PageArgs {
            id,
            states,
            offset,
            limit,
        };
        match ipc::invoke_json::<_, ComparePage>("compare_page", &args).await {
            Ok(p) => ctx.cmp.page.set(Some(p)),
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}

/// Reloads the loaded window (after a toggle or a change of directions).
pub fn reload(ctx: Ctx) {
    let Some((id, offset, len)) = ctx
        .cmp
        .page
        .with_untracked(|p| p.as_ref().map(|p| (p.compare, p.offset as usize, p.rows.len())))
    else {
        return;
    };
    load(ctx, id, ctx.cmp.shown.get_untracked(), offset, len.max(FIRST_PAGE));
}

#[derive(Serialize)]
struct SetArgs {
    id: u64,
    indices: Vec<u32>,
    direction: Direction,
}

/// Sets the direction of `indices` (all or none), then shows the rows again.
pub fn set_direction(ctx: Ctx, indices: Vec<u32>, direction: Direction) {
    let Some(id) = ctx.cmp.page.with_untracked(|p| p.as_ref().map(|p| p.compare)) else {
        return;
    };
    if indices.is_empty() {
        return;
    }
    ctx.cmp.preview.set(None);
    spawn_local(async move {
        let args = SetArgs { id, indices, direction };
        match ipc::invoke::<_, CompareCounts>("compare_set", &args).await {
            Ok(_) => reload(ctx),
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}

#[derive(Serialize)]
struct SyncArgs {
    id: u64,
    guard: DeleteGuard,
    backup: BackupPlace,
    shown: usize,
}

/// The preview of running the compare's directions: nothing is written.
pub fn preview(ctx: Ctx) {
    let c = ctx.cmp;
    let Some(id) = c.page.with_untracked(|p| p.as_ref().map(|p| p.compare)) else {
        return;
    };
    spawn_local(async move {
        let args = SyncArgs {
            id,
            guard: c.guard(),
            backup: c.backup_place(),
            shown: 300,
        };
        match ipc::invoke::<_, SyncPreview>("sync_preview", &args).await {
            Ok(p) => c.preview.set(Some(p)),
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}

/// Runs the compare's directions as a sync batch (the preview first when not shown yet).
pub fn run(ctx: Ctx) {
    let c = ctx.cmp;
    let Some(id) = c.page.with_untracked(|p| p.as_ref().map(|p| p.compare)) else {
        return;
    };
    spawn_local(async move {
        let args = SyncArgs {
            id,
            guard: c.guard(),
            backup: c.backup_place(),
            shown: 0,
        };
        match ipc::invoke::<_, BatchInfo>("sync_start", &args).await {
            Ok(b) => {
                c.started.set(Some(b.id));
                ctx.batches.update(|m| {
                    m.insert(b.id, b);
                });
            }
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}

/// Loads the saved filters.
pub fn load_presets(ctx: Ctx) {
    spawn_local(async move {
        if let Ok(p) = ipc::invoke::<_, Vec<FilterPreset>>("filter_presets", &super::NoArgs {}).await {
            ctx.cmp.presets.set(p);
        }
    });
}

#[derive(Serialize)]
struct PresetArgs {
    preset: FilterPreset,
    remove: bool,
}

/// Saves the form's filter as `name` (or removes the saved filter `name`).
pub fn save_preset(ctx: Ctx, name: String, remove: bool) {
    let filter = ctx.cmp.filter();
    spawn_local(async move {
        let args = PresetArgs {
            preset: FilterPreset { name, filter },
            remove,
        };
        match ipc::invoke::<_, Vec<FilterPreset>>("filter_preset_save", &args).await {
            Ok(p) => ctx.cmp.presets.set(p),
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}

#[derive(Serialize)]
struct FindArgs {
    root: String,
    filter: FilterSpec,
    limit: usize,
}

/// Alt+F7: the search view, below the active pane's folder.
pub fn search_here(ctx: Ctx) {
    if let Some(spec) = ctx.panes[ctx.active.get_untracked()].spec() {
        ctx.cmp.find_root.set(spec);
    }
    ctx.tab.set(Tab::Find);
}

/// Searches with the form's name pattern and filter; finds arrive folder by folder.
pub fn find(ctx: Ctx) {
    let c = ctx.cmp;
    if c.finding.get_untracked() {
        return;
    }
    let mut filter = c.filter();
    filter
        .include
        .extend(crate::logic::compare::patterns(&c.find_name.get_untracked()));
    let args = FindArgs {
        root: c.find_root.get_untracked().trim().to_owned(),
        filter,
        limit: c.find_limit.get_untracked(),
    };
    c.found.set(vec![]);
    c.find_end.set(None);
    c.finding.set(true);
    spawn_local(async move {
        let end: Result<bool, _> =
            ipc::invoke_with_channel_args("find_start", &args, "onFound", move |files: Vec<FileEntry>| {
                c.found.update(|f| f.extend(files));
            })
            .await;
        c.finding.set(false);
        match end {
            Ok(truncated) => c.find_end.set(Some(truncated)),
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}

pub fn find_cancel(ctx: Ctx) {
    spawn_local(async move {
        let _: Result<(), _> = ipc::invoke("find_cancel", &super::NoArgs {}).await;
        let _ = ctx;
    });
}
