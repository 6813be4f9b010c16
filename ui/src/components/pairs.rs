//! Two-way sync pairs: the list with each pair's state and last run (copied each way,
//! deletes, conflicts with both versions openable), the editor with its guard rails shown,
//! and the guided resync: choose which side wins, preview (rclone's dry run), then run.

use leptos::{prelude::*, task::spawn_local};
use rcmd_types::{
    BatchInfo, BatchKind, BatchReport, BatchStatus, BisyncPreview, BisyncReport, ConflictRule, PairInfo, PairSpec,
    PairState, ResyncMode,
};
use serde::Serialize;

use crate::{
    actions::NoArgs,
    ipc,
    state::{use_ctx, Location},
};

#[derive(Serialize)]
struct SaveArgs<'a> {
    id: Option<i64>,
    spec: &'a PairSpec,
}

#[derive(Serialize)]
struct IdArgs {
    id: i64,
}

#[derive(Serialize)]
struct PreviewArgs {
    id: i64,
    resync: Option<ResyncMode>,
}

#[derive(Serialize)]
struct ResyncArgs {
    id: i64,
    mode: ResyncMode,
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Opens `rel` below side `root` (`remote:path`) with the system's app.
fn open_file(ctx: crate::state::Ctx, root: &str, rel: &str) {
    if let Some(at) = Location::parse(root) {
        crate::actions::view::open_outside(ctx, at, rel.to_owned());
    }
}

#[component]
pub fn Pairs() -> impl IntoView {
    let ctx = use_ctx();
    let p = move || ctx.pt();
    let list = RwSignal::new(Vec::<PairInfo>::new());
    let reports = RwSignal::new(std::collections::HashMap::<i64, BatchReport>::new());
    let editing = RwSignal::new(None::<(Option<i64>, PairSpec)>);
    let resyncing = RwSignal::new(None::<PairInfo>);
    let load = move || {
        spawn_local(async move {
            match ipc::invoke::<_, Vec<PairInfo>>("pair_list", &NoArgs {}).await {
                Ok(l) => {
                    for b in l.iter().filter_map(|p| p.last_batch) {
                        if let Ok(r) = ipc::invoke::<_, BatchReport>("batch_report", &IdArgs { id: b }).await {
                            reports.update(|m| {
                                m.insert(b, r);
                            });
                        }
                    }
                    let _ = list.try_set(l);
                }
                Err(e) => ctx.error.set(Some(e)),
            }
        });
    };
    // a pair's run changed state: its state and report are new
    Effect::new(move |seen: Option<Vec<(i64, BatchStatus)>>| {
        let now = ctx.batches.with(|b| {
            b.values()
                .filter(|b| b.kind == BatchKind::Bisync)
                .map(|b| (b.id, b.status))
                .collect::<Vec<_>>()
        });
        if seen.as_ref() != Some(&now) {
            load();
        }
        now
    });
    // Ctrl+F2 in the commander: a new pair of the two panes
    Effect::new(move |_| {
        if let Some((l, r)) = ctx.pair_prefill.get() {
            ctx.pair_prefill.set(None);
            editing.set(Some((None, PairSpec::new("", &l, &r))));
        }
    });
    let run = move |id: i64| {
        spawn_local(async move {
            match ipc::invoke::<_, BatchInfo>("pair_run", &IdArgs { id }).await {
                Ok(b) => ctx.batches.update(|m| {
                    m.insert(b.id, b);
                }),
                Err(e) => ctx.error.set(Some(e)),
            }
            load();
        });
    };
    let remove = move |id: i64| {
        spawn_local(async move {
            if let Err(e) = ipc::invoke::<_, bool>("pair_remove", &IdArgs { id }).await {
                ctx.error.set(Some(e));
            }
            load();
        });
    };
    view! {
        <section class="pairs" id="pairs-view">
            <div class="section-title">
                <h2>{move || p().title}</h2>
                <button id="new-pair" on:click=move |_| editing.set(Some((None, PairSpec::new("", "", ""))))>{move || p().new_pair}</button>
                <button id="pair-from-panes" on:click=move |_| {
                    if let (Some(l), Some(r)) = (ctx.panes[0].spec(), ctx.panes[1].spec()) {
                        editing.set(Some((None, PairSpec::new("", &l, &r))));
                    }
                }>{move || p().from_panes}</button>
            </div>
            {move || editing.get().map(|(id, spec)| view! { <PairEditor id spec editing on_saved=move || load()/> })}
            {move || resyncing.get().map(|pair| view! { <ResyncDialog pair resyncing on_started=move || load()/> })}
            {move || list.with(Vec::is_empty).then(|| view! { <p class="muted" id="no-pairs">{p().none}</p> })}
            <ul id="pairs">
                <For each=move || list.get() key=|s| format!("{s:?}") children=move |pair| {
                    let korean = ctx.t().korean;
                    let state = pair.state;
                    let state_code = match state { PairState::New => "new", PairState::Ready => "ready", PairState::LockedOut => "locked_out" };
                    let (p1, p2, p3, p4) = (pair.clone(), pair.clone(), pair.clone(), pair.clone());
                    let last = pair.last_batch;
                    let busy = move || last.is_some_and(|b| ctx.batches.with(|m| m.get(&b).is_some_and(|i| matches!(i.status, BatchStatus::Running | BatchStatus::Queued))));
                    view! {
                        <li class=format!("pair state-{state_code}") data-pair=pair.id.to_string() data-state=state_code>
                            <strong class="pair-name">{pair.spec.name.clone()}</strong>
                            <span class="pair-route">{format!("{} ⇄ {}", pair.spec.path1, pair.spec.path2)}</span>
                            <span class="pair-state">{p().state(state, korean)}</span>
                            {pair.detail.clone().map(|d| view! { <span class="muted pair-detail">{d}</span> })}
                            <span class="pair-guards muted">{format!(
                                "≤{}%{} · {} · {}",
                                pair.spec.guard.max_percent,
                                pair.spec.guard.max_files.map(|n| format!(", ≤{n}")).unwrap_or_default(),
                                if pair.spec.conflicts == ConflictRule::KeepBoth { p().keep_both } else { p().newer_wins },
                                if pair.spec.backups { p().backups_at } else { "-" },
                            )}</span>
                            <div class="buttons">
                                <button class="pair-run" disabled=move || state != PairState::Ready || busy() on:click=move |_| run(p1.id)>
                                    {move || if busy() { p().running } else { p().run }}
                                </button>
                                <button class="pair-resync" disabled=busy on:click=move |_| resyncing.set(Some(p2.clone()))>{p().resync}</button>
                                <button class="pair-edit" on:click=move |_| editing.set(Some((Some(p3.id), p3.spec.clone())))>{p().edit}</button>
                                <button class="pair-remove danger" disabled=busy on:click=move |_| remove(p4.id)>{p().remove}</button>
                            </div>
                            {move || last.and_then(|b| reports.with(|r| r.get(&b).cloned())).and_then(|r| r.bisync.clone().map(|b| (r.batch, b))).map(|(batch, r)| {
                                view! { <RunReport batch report=r path1=pair.spec.path1.clone()/> }
                            })}
                        </li>
                    }
                }/>
            </ul>
        </section>
    }
}

/// A run's report: counts, conflicts with both versions openable, why it stopped.
#[component]
fn RunReport(batch: BatchInfo, report: BisyncReport, path1: String) -> impl IntoView {
    let ctx = use_ctx();
    let p = move || ctx.pt();
    let title = format!(
        "{} #{} ({})",
        p().last_run,
        batch.id,
        ctx.t().batch_status(batch.status)
    );
    view! {
        <div class="pair-report" data-batch=batch.id.to_string()>
            <span>{title}</span>
            <span class="pair-counts">{format!(
                "{} {} (→1 {}, →2 {}), {} {}",
                report.copied, p().copied, report.copied_to_path1, report.copied_to_path2, report.deleted, p().deleted
            )}</span>
            {(!report.conflicts.is_empty()).then(|| view! {
                <div class="pair-conflicts">
                    <span>{p().conflicts_kept}</span>
                    <ul>
                        {report.conflicts.iter().map(|c| {
                            let versions = c.versions.clone();
                            view! {
                                <li class="conflict" data-path=c.path.clone()>
                                    <span>{c.path.clone()}</span>
                                    {versions.into_iter().map(|v| {
                                        let (root, name) = (path1.clone(), v.clone());
                                        view! { <button class="open-version" on:click=move |_| open_file(ctx, &root, &name)>{format!("{} {v}", p().open)}</button> }
                                    }).collect_view()}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </div>
            })}
            {report.backup1.clone().or(report.backup2.clone()).filter(|_| report.deleted > 0).map(|b| view! { <span class="muted">{format!("{}: {b}", p().backups_at)}</span> })}
            {report.reason.and_then(|r| p().why(r, ctx.t().korean)).map(|w| view! { <p class="bad pair-why" role="alert">{w}</p> })}
            {report.error.clone().map(|e| view! { <p class="muted pair-error">{format!("{}: {e}", p().stopped)}</p> })}
        </div>
    }
}

/// The guided resync: the winner, the preview (rclone's dry run), then the run.
#[component]
fn ResyncDialog(
    pair: PairInfo,
    resyncing: RwSignal<Option<PairInfo>>,
    on_started: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = use_ctx();
    let p = move || ctx.pt();
    let mode = RwSignal::new(ResyncMode::Newer);
    let preview = RwSignal::new(None::<BisyncPreview>);
    let asking = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let id = pair.id;
    let ask = move || {
        asking.set(true);
        preview.set(None);
        error.set(None);
        spawn_local(async move {
            match ipc::invoke::<_, BisyncPreview>(
                "pair_preview",
                &PreviewArgs {
                    id,
                    resync: Some(mode.get_untracked()),
                },
            )
            .await
            {
                Ok(v) => preview.set(Some(v)),
                Err(e) => error.set(Some(e.message)),
            }
            asking.set(false);
        });
    };
    let start = move || {
        spawn_local(async move {
            match ipc::invoke::<_, BatchInfo>(
                "pair_resync",
                &ResyncArgs {
                    id,
                    mode: mode.get_untracked(),
                },
            )
            .await
            {
                Ok(b) => {
                    ctx.batches.update(|m| {
                        m.insert(b.id, b);
                    });
                    resyncing.set(None);
                    on_started();
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let section = move |label: &'static str, cls: &'static str, items: Vec<String>| {
        (!items.is_empty()).then(|| {
            view! {
                <div class=format!("preview-list {cls}")>
                    <h4>{format!("{label} ({})", items.len())}</h4>
                    <ul>{items.into_iter().take(500).map(|f| view! { <li>{f}</li> }).collect_view()}</ul>
                </div>
            }
        })
    };
    view! {
        <div class="overlay">
        <form class="dialog resync-dialog" id="resync-dialog" role="dialog" aria-modal="true" on:submit=move |ev| ev.prevent_default()>
            <h3>{move || format!("{} — {}", p().resync_title, pair.spec.name)}</h3>
            <p class="muted">{move || p().resync_intro}</p>
            <label for="resync-mode">{move || p().winner}</label>
            <select id="resync-mode" on:change=move |ev| {
                mode.set(ResyncMode::parse(&event_target_value(&ev)).unwrap_or_default());
                // another winner: the preview shown no longer applies
                preview.set(None);
            }>
                {ResyncMode::ALL.map(|m| view! { <option value=m.as_str() selected=m == ResyncMode::Newer>{move || p().mode(m, ctx.t().korean)}</option> }).collect_view()}
            </select>
            <button id="resync-preview" type="button" disabled=move || asking.get() on:click=move |_| ask()>{move || p().preview}</button>
            {move || asking.get().then(|| view! { <p class="muted" id="resync-asking">{p().previewing}</p> })}
            {move || preview.get().map(|v| {
                let empty = v.is_empty();
                view! {
                    <div id="resync-preview-result" data-to1=v.to_path1.len().to_string() data-to2=v.to_path2.len().to_string()>
                        {empty.then(|| view! { <p>{p().nothing}</p> })}
                        {section(p().to_path1, "to-path1", v.to_path1.clone())}
                        {section(p().to_path2, "to-path2", v.to_path2.clone())}
                        {section(p().delete_path1, "delete-path1", v.delete_path1.clone())}
                        {section(p().delete_path2, "delete-path2", v.delete_path2.clone())}
                        {section(p().both_changed, "both-changed", v.conflicts.clone())}
                    </div>
                }
            })}
            {move || error.get().map(|e| view! { <p class="bad" id="resync-error" role="alert">{e}</p> })}
            <div class="buttons">
                <button id="resync-run" type="button" disabled=move || preview.with(Option::is_none)
                    title=move || if preview.with(Option::is_none) { p().preview_first } else { "" }
                    on:click=move |_| start()>{move || p().run_resync}</button>
                <button id="resync-cancel" type="button" on:click=move |_| resyncing.set(None)>{move || p().cancel}</button>
            </div>
        </form>
        </div>
    }
}

/// The editor: sides, filter and every guard rail, visible with its default.
#[component]
fn PairEditor(
    id: Option<i64>,
    spec: PairSpec,
    editing: RwSignal<Option<(Option<i64>, PairSpec)>>,
    on_saved: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = use_ctx();
    let p = move || ctx.pt();
    let name = RwSignal::new(spec.name.clone());
    let path1 = RwSignal::new(spec.path1.clone());
    let path2 = RwSignal::new(spec.path2.clone());
    let percent = RwSignal::new(spec.guard.max_percent.to_string());
    let files = RwSignal::new(spec.guard.max_files.map(|n| n.to_string()).unwrap_or_default());
    let newer = RwSignal::new(spec.conflicts == ConflictRule::NewerWins);
    let backups = RwSignal::new(spec.backups);
    let check = RwSignal::new(spec.check_access);
    let lock = RwSignal::new(spec.lock_minutes.to_string());
    let include = RwSignal::new(spec.filter.include.join("\n"));
    let exclude = RwSignal::new(spec.filter.exclude.join("\n"));
    let error = RwSignal::new(None::<String>);
    let base = spec.clone();
    let save = move || {
        let mut s = base.clone();
        s.name = name.get_untracked().trim().to_owned();
        s.path1 = path1.get_untracked().trim().to_owned();
        s.path2 = path2.get_untracked().trim().to_owned();
        s.guard.max_percent = match percent.get_untracked().trim().parse::<u32>() {
            Ok(v) if v <= 100 => v,
            _ => {
                error.set(Some(format!("{}: 0-100", p().max_percent)));
                return;
            }
        };
        s.guard.max_files = match files.get_untracked().trim() {
            "" => None,
            t => match t.parse::<u64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    error.set(Some(format!("{}: {t:?}", p().max_files)));
                    return;
                }
            },
        };
        s.conflicts = if newer.get_untracked() {
            ConflictRule::NewerWins
        } else {
            ConflictRule::KeepBoth
        };
        s.backups = backups.get_untracked();
        s.check_access = check.get_untracked();
        s.lock_minutes = lock.get_untracked().trim().parse::<u32>().unwrap_or(5).max(2);
        s.filter.include = lines(&include.get_untracked());
        s.filter.exclude = lines(&exclude.get_untracked());
        spawn_local(async move {
            match ipc::invoke::<_, i64>("pair_save", &SaveArgs { id, spec: &s }).await {
                Ok(_) => {
                    editing.set(None);
                    on_saved();
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    view! {
        <form class="pair-editor" id="pair-editor" on:submit=move |ev| { ev.prevent_default(); save(); }>
            <label for="pair-name">{move || p().name}</label>
            <input id="pair-name" type="text" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            <label for="pair-path1">{move || p().path1}</label>
            <input id="pair-path1" type="text" spellcheck="false" placeholder="remote:path" prop:value=move || path1.get() on:input=move |ev| path1.set(event_target_value(&ev))/>
            <label for="pair-path2">{move || p().path2}</label>
            <input id="pair-path2" type="text" spellcheck="false" placeholder="remote:path" prop:value=move || path2.get() on:input=move |ev| path2.set(event_target_value(&ev))/>
            <fieldset>
                <legend>{move || p().guard_rails}</legend>
                <label for="pair-percent">{move || p().max_percent}</label>
                <input id="pair-percent" type="number" min="0" max="100" prop:value=move || percent.get() on:input=move |ev| percent.set(event_target_value(&ev))/>
                <label for="pair-files">{move || p().max_files}</label>
                <input id="pair-files" type="number" min="0" placeholder=move || p().no_limit prop:value=move || files.get() on:input=move |ev| files.set(event_target_value(&ev))/>
                <label for="pair-conflicts">{move || p().conflicts}</label>
                <select id="pair-conflicts" on:change=move |ev| newer.set(event_target_value(&ev) == "newer_wins")>
                    <option value="keep_both" selected=!newer.get_untracked()>{move || p().keep_both}</option>
                    <option value="newer_wins" selected=newer.get_untracked()>{move || p().newer_wins}</option>
                </select>
                <label class="check"><input id="pair-backups" type="checkbox" prop:checked=move || backups.get() on:change=move |ev| backups.set(event_target_checked(&ev))/>{move || p().backups}</label>
                <label class="check"><input id="pair-check" type="checkbox" prop:checked=move || check.get() on:change=move |ev| check.set(event_target_checked(&ev))/>{move || p().check_access}</label>
                <label for="pair-lock">{move || p().lock_minutes}</label>
                <input id="pair-lock" type="number" min="2" prop:value=move || lock.get() on:input=move |ev| lock.set(event_target_value(&ev))/>
            </fieldset>
            <label for="pair-include">{move || p().include}</label>
            <textarea id="pair-include" rows="2" placeholder=move || p().patterns_hint prop:value=move || include.get() on:input=move |ev| include.set(event_target_value(&ev))></textarea>
            <label for="pair-exclude">{move || p().exclude}</label>
            <textarea id="pair-exclude" rows="2" placeholder=move || p().patterns_hint prop:value=move || exclude.get() on:input=move |ev| exclude.set(event_target_value(&ev))></textarea>
            {move || error.get().map(|e| view! { <p class="bad" id="pair-error" role="alert">{e}</p> })}
            <div class="buttons">
                <button id="pair-save" type="submit">{move || p().save}</button>
                <button id="pair-cancel" type="button" on:click=move |_| editing.set(None)>{move || p().cancel}</button>
            </div>
        </form>
    }
}
