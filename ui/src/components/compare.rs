//! The compare view (Total Commander's "Synchronize directories"): two folders, a filter,
//! the purpose; then a virtualised list of the compare's rows (only the visible ones are
//! asked of the backend and drawn) with their state, both sides' size and time, and an action
//! per row, set by click, key or for a selection; counts and bytes per action; a preview that
//! writes nothing, and a run as one resumable batch.

use leptos::{ev, prelude::*};
use rcmd_types::{CompareMode, CompareState, Direction, PagedRow, SideEntry};

use crate::{
    actions::compare as act,
    format,
    logic::{compare as logic, window::range},
    state::use_ctx,
};

/// Height of a row (px).
const ROW_H: f64 = 26.0;
/// Height of the list (px): 12 rows.
const LIST_H: f64 = 312.0;

#[component]
pub fn CompareView() -> impl IntoView {
    let ctx = use_ctx();
    let c = ctx.cmp;
    act::load_presets(ctx);
    view! {
        <section id="compare" class="compare">
            <Form/>
            {move || c.running.get().map(|p| view! {
                <p class="compare-progress" role="status" aria-live="polite">
                    {move || ctx.c().comparing}" "
                    {format!("{} {} · {} {}", p.checks, ctx.c().checked, p.listed, ctx.c().listed)}" "
                    <button id="compare-cancel" on:click=move |_| act::cancel(ctx)>{move || ctx.c().cancel}</button>
                </p>
            })}
            {move || match c.page.with(|p| p.is_some()) {
                false => view! { <p class="muted placeholder" id="no-compare">{move || ctx.c().no_compare}</p> }.into_any(),
                true => view! { <Results/> }.into_any(),
            }}
        </section>
    }
}

/// The two folders, the purpose, the options and the filter.
#[component]
fn Form() -> impl IntoView {
    let ctx = use_ctx();
    let c = ctx.cmp;
    let field = move |i: usize, id: &'static str, label: fn(&crate::i18n::compare::CompareTexts) -> &'static str| {
        view! {
            <label for=id>{move || label(ctx.c())}</label>
            <input id=id type="text" spellcheck="false" prop:value=move || c.fields.with(|f| f[i].clone())
                on:input=move |ev| c.fields.update(|f| f[i] = event_target_value(&ev))/>
        }
    };
    let preset_name = RwSignal::new(String::new());
    view! {
        <form class="compare-form" on:submit=move |ev: ev::SubmitEvent| { ev.prevent_default(); act::start(ctx); }>
            <div class="compare-sides">
                <label for="compare-left">{move || ctx.c().left}</label>
                <input id="compare-left" type="text" spellcheck="false" prop:value=move || c.left.get()
                    on:input=move |ev| c.left.set(event_target_value(&ev))/>
                <label for="compare-right">{move || ctx.c().right}</label>
                <input id="compare-right" type="text" spellcheck="false" prop:value=move || c.right.get()
                    on:input=move |ev| c.right.set(event_target_value(&ev))/>
                <button id="compare-run" type="submit" class="primary" disabled=move || c.running.with(Option::is_some)>
                    {move || ctx.c().compare}
                </button>
            </div>
            <fieldset class="compare-options">
                <legend>{move || ctx.c().mode}</legend>
                <label><input type="radio" name="compare-mode" id="mode-mirror" prop:checked=move || c.mode.get() == CompareMode::Mirror
                    on:change=move |_| c.mode.set(CompareMode::Mirror)/>{move || ctx.c().mirror}</label>
                <label><input type="radio" name="compare-mode" id="mode-two-way" prop:checked=move || c.mode.get() == CompareMode::TwoWay
                    on:change=move |_| c.mode.set(CompareMode::TwoWay)/>{move || ctx.c().two_way}</label>
                <label><input type="checkbox" id="compare-download" prop:checked=move || c.download.get()
                    on:change=move |ev| c.download.set(event_target_checked(&ev))/>{move || ctx.c().download}</label>
                <label><input type="checkbox" id="compare-one-way" prop:checked=move || c.one_way.get()
                    on:change=move |ev| c.one_way.set(event_target_checked(&ev))/>{move || ctx.c().one_way}</label>
            </fieldset>
            <details class="compare-filters">
                <summary>{move || ctx.c().filters}</summary>
                <p class="muted">{move || ctx.c().patterns_hint}</p>
                <div class="filter-grid">
                    {field(0, "filter-include", |t| t.include)}
                    {field(1, "filter-exclude", |t| t.exclude)}
                    {field(2, "filter-min-size", |t| t.min_size)}
                    {field(3, "filter-max-size", |t| t.max_size)}
                    {field(4, "filter-min-age", |t| t.min_age)}
                    {field(5, "filter-max-age", |t| t.max_age)}
                    {field(6, "filter-marker", |t| t.exclude_if_present)}
                    <label for="filter-preset">{move || ctx.c().preset}</label>
                    <select id="filter-preset" on:change=move |ev| {
                        let name = event_target_value(&ev);
                        if let Some(p) = c.presets.with_untracked(|ps| ps.iter().find(|p| p.name == name).cloned()) {
                            c.fields.set(logic::fields_of(&p.filter));
                            preset_name.set(p.name);
                        }
                    }>
                        <option value="">{move || ctx.c().no_preset}</option>
                        {move || c.presets.get().into_iter().map(|p| view! { <option value=p.name.clone()>{p.name.clone()}</option> }).collect_view()}
                    </select>
                    <label for="filter-preset-name">{move || ctx.c().preset_name}</label>
                    <span class="preset-save">
                        <input id="filter-preset-name" type="text" prop:value=move || preset_name.get()
                            on:input=move |ev| preset_name.set(event_target_value(&ev))/>
                        <button type="button" id="filter-preset-save" on:click=move |_| act::save_preset(ctx, preset_name.get_untracked(), false)>
                            {move || ctx.c().save_preset}
                        </button>
                        <button type="button" id="filter-preset-remove" on:click=move |_| act::save_preset(ctx, preset_name.get_untracked(), true)>
                            {move || ctx.c().remove_preset}
                        </button>
                    </span>
                </div>
            </details>
        </form>
    }
}

fn state_label(s: CompareState, t: &crate::i18n::compare::CompareTexts) -> &'static str {
    match s {
        CompareState::OnlyLeft => t.only_left,
        CompareState::OnlyRight => t.only_right,
        CompareState::Differ => t.differ,
        CompareState::Same => t.same,
        CompareState::Error => t.error,
    }
}

fn direction_label(d: Direction, t: &crate::i18n::compare::CompareTexts) -> &'static str {
    match d {
        Direction::Right => t.to_right,
        Direction::Left => t.to_left,
        Direction::Skip => t.skip,
        Direction::DeleteRight => t.delete_right,
        Direction::DeleteLeft => t.delete_left,
    }
}

/// The toggles, the list, the selection's actions, the counts, the sync controls.
#[component]
fn Results() -> impl IntoView {
    let ctx = use_ctx();
    let c = ctx.cmp;
    let counts = move || {
        c.page
            .with(|p| p.as_ref().map(|p| p.counts.clone()).unwrap_or_default())
    };
    let toggle = move |s: CompareState, id: &'static str| {
        let n = move || {
            let k = counts();
            match s {
                CompareState::OnlyLeft => k.only_left,
                CompareState::OnlyRight => k.only_right,
                CompareState::Differ => k.differ,
                CompareState::Same => k.same,
                CompareState::Error => k.error,
            }
        };
        view! {
            <label class=format!("toggle {}", logic::state_class(s))>
                <input type="checkbox" id=id prop:checked=move || c.shown.with(|v| v.contains(&s))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        c.shown.update(|v| { v.retain(|x| *x != s); if on { v.push(s); } });
                        c.cursor.set(0);
                        c.scroll_top.set(0.0);
                        if let Some(id) = c.page.with_untracked(|p| p.as_ref().map(|p| p.compare)) {
                            act::load(ctx, id, c.shown.get_untracked(), 0, 200);
                        }
                    }/>
                {move || format!("{} ({})", state_label(s, ctx.c()), n())}
            </label>
        }
    };
    let bulk = move |d: Direction, id: &'static str| {
        view! {
            <button id=id type="button" on:click=move |_| {
                let sel: Vec<u32> = c.selected.get_untracked().into_iter().collect();
                act::set_direction(ctx, sel, d);
            } disabled=move || c.selected.with(|s| s.is_empty())>{move || direction_label(d, ctx.c())}</button>
        }
    };
    view! {
        {move || c.page.with(|p| p.as_ref().is_some_and(|p| p.by_size_only)).then(|| view! {
            <p class="warn" id="by-size-only" role="note">{move || ctx.c().by_size_only}</p>
        })}
        <div class="compare-toggles" role="group" aria-label=move || ctx.c().show>
            {toggle(CompareState::OnlyLeft, "show-only-left")}
            {toggle(CompareState::OnlyRight, "show-only-right")}
            {toggle(CompareState::Differ, "show-differ")}
            {toggle(CompareState::Same, "show-same")}
            {toggle(CompareState::Error, "show-error")}
        </div>
        <RowList/>
        <p class="muted keys-hint">{move || ctx.c().keys_hint}</p>
        <div class="compare-bulk" role="toolbar" aria-label=move || ctx.c().selection>
            <span>{move || format!("{} {}", ctx.c().selection, c.selected.with(|s| s.len()))}</span>
            {bulk(Direction::Right, "bulk-right")}
            {bulk(Direction::Left, "bulk-left")}
            {bulk(Direction::Skip, "bulk-skip")}
            {bulk(Direction::DeleteRight, "bulk-delete-right")}
            {bulk(Direction::DeleteLeft, "bulk-delete-left")}
        </div>
        <p class="compare-counts" id="compare-counts" role="status">{move || {
            let k = counts();
            let t = ctx.c();
            format!(
                "{} {} ({}) · {} {} ({}) · {} {} · {} {} · {} {}",
                t.to_right, k.to_right, format::size(k.to_right_bytes as i64),
                t.to_left, k.to_left, format::size(k.to_left_bytes as i64),
                t.delete_right, k.delete_right, t.delete_left, k.delete_left, t.skip, k.skip
            )
        }}</p>
        <SyncControls/>
    }
}

/// The virtualised rows.
#[component]
fn RowList() -> impl IntoView {
    let ctx = use_ctx();
    let c = ctx.cmp;
    let total = move || c.page.with(|p| p.as_ref().map_or(0, |p| p.total as usize));
    let visible = move || range(c.scroll_top.get(), LIST_H, ROW_H, total(), 4);
    // ask for more rows when the visible ones are outside the loaded window
    Effect::new(move |_| {
        let (start, end) = visible();
        let loaded = c
            .page
            .with_untracked(|p| p.as_ref().map(|p| (p.compare, p.offset as usize, p.rows.len())));
        if let Some((id, from, len)) = loaded {
            if let Some((offset, limit)) = logic::page_to_load(start, end, from, len, total()) {
                act::load(ctx, id, c.shown.get_untracked(), offset, limit);
            }
        }
    });
    let row_at = move |pos: usize| -> Option<PagedRow> {
        c.page.with(|p| {
            let p = p.as_ref()?;
            pos.checked_sub(p.offset as usize).and_then(|i| p.rows.get(i)).cloned()
        })
    };
    let list_ref = NodeRef::<leptos::html::Div>::new();
    let move_cursor = move |to: usize| {
        let n = total();
        if n == 0 {
            return;
        }
        let to = to.min(n - 1);
        c.cursor.set(to);
        if let Some(el) = list_ref.get_untracked() {
            if let Some(top) = crate::logic::window::scroll_to(to, el.scroll_top() as f64, LIST_H, ROW_H, 0.0) {
                el.set_scroll_top(top as i32);
            }
        }
    };
    let on_key = move |ev: ev::KeyboardEvent| {
        let key = ev.key();
        let cur = c.cursor.get_untracked();
        match key.as_str() {
            "ArrowDown" => move_cursor(cur + 1),
            "ArrowUp" => move_cursor(cur.saturating_sub(1)),
            "PageDown" => move_cursor(cur + 14),
            "PageUp" => move_cursor(cur.saturating_sub(14)),
            "Home" => move_cursor(0),
            "End" => move_cursor(total().saturating_sub(1)),
            " " | "Insert" => {
                if let Some(r) = row_at(cur) {
                    c.selected.update(|s| {
                        if !s.remove(&r.index) {
                            s.insert(r.index);
                        }
                    });
                }
                move_cursor(cur + 1);
            }
            _ => {
                let row = row_at(cur);
                let Some(d) = logic::for_key(&key, ev.shift_key(), row.as_ref().map(|r| &r.row)) else {
                    return;
                };
                let targets: Vec<u32> = if c.selected.with_untracked(|s| s.is_empty()) {
                    row.into_iter()
                        .filter(|r| logic::fits(&r.row, d))
                        .map(|r| r.index)
                        .collect()
                } else {
                    c.selected.get_untracked().into_iter().collect()
                };
                act::set_direction(ctx, targets, d);
            }
        }
        ev.prevent_default();
    };
    view! {
        <div class="compare-head" role="row" aria-hidden="true">
            <span class="c-state"></span>
            <span class="c-size">{move || ctx.c().size}</span>
            <span class="c-time">{move || ctx.c().time}</span>
            <span class="c-dir">{move || ctx.c().direction}</span>
            <span class="c-time">{move || ctx.c().time}</span>
            <span class="c-size">{move || ctx.c().size}</span>
            <span class="c-path">{move || ctx.c().path}</span>
        </div>
        <div id="compare-list" class="compare-list" role="grid" tabindex="0" node_ref=list_ref
            aria-label=move || format!("{} ⇄ {}", c.left.get(), c.right.get())
            aria-rowcount=move || total().to_string()
            style:height=format!("{LIST_H}px")
            on:scroll=move |ev| {
                let el = event_target::<web_sys::Element>(&ev);
                c.scroll_top.set(el.scroll_top() as f64);
            }
            on:keydown=on_key>
            {move || (total() == 0).then(|| view! { <p class="muted placeholder" id="no-rows">{move || ctx.c().no_rows}</p> })}
            <div class="rows" role="rowgroup" style:height=move || format!("{}px", total() as f64 * ROW_H)>
                {move || {
                    let (start, end) = visible();
                    (start..end).filter_map(|pos| row_at(pos).map(|r| (pos, r))).map(|(pos, r)| {
                        view! { <Row pos=pos row=r/> }
                    }).collect_view()
                }}
            </div>
        </div>
    }
}

fn side(s: &Option<SideEntry>) -> (String, String) {
    match s {
        Some(s) => (format::size(s.size), format::time_short(&s.time)),
        None => (String::new(), String::new()),
    }
}

#[component]
fn Row(pos: usize, row: PagedRow) -> impl IntoView {
    let ctx = use_ctx();
    let c = ctx.cmp;
    let index = row.index;
    let (ls, lt) = side(&row.row.left);
    let (rs, rt) = side(&row.row.right);
    let r = row.row.clone();
    let state = r.state;
    let dir = r.direction;
    let path = r.path.clone();
    let label_path = r.path.clone();
    view! {
        <div class=format!("compare-row {}", logic::state_class(state)) role="row"
            aria-rowindex=(pos + 1).to_string()
            aria-selected=move || c.selected.with(|s| s.contains(&index)).to_string()
            class:cursor=move || c.cursor.get() == pos
            class:selected=move || c.selected.with(|s| s.contains(&index))
            data-path=path.clone() data-state=logic::state_class(state) data-direction=dir.as_str()
            style:top=format!("{}px", pos as f64 * ROW_H)
            on:click=move |ev: ev::MouseEvent| {
                c.cursor.set(pos);
                if ev.ctrl_key() || ev.meta_key() {
                    c.selected.update(|s| { if !s.remove(&index) { s.insert(index); } });
                }
            }>
            <span class="c-state" role="gridcell" title=move || state_label(state, ctx.c())>{move || state_label(state, ctx.c())}</span>
            <span class="c-size" role="gridcell">{ls}</span>
            <span class="c-time" role="gridcell">{lt}</span>
            <span class="c-dir" role="gridcell">
                <button type="button" class=format!("dir {}", dir.as_str()) title=move || direction_label(dir, ctx.c())
                    aria-label=move || format!("{}: {}", label_path, direction_label(dir, ctx.c()))
                    on:click=move |ev: ev::MouseEvent| {
                        ev.stop_propagation();
                        act::set_direction(ctx, vec![index], logic::next(&r));
                    }>{logic::symbol(dir)}</button>
            </span>
            <span class="c-time" role="gridcell">{rt}</span>
            <span class="c-size" role="gridcell">{rs}</span>
            <span class="c-path" role="gridcell" title=path.clone()>{path.clone()}</span>
        </div>
    }
}

/// Backups, the delete guard, preview and run.
#[component]
fn SyncControls() -> impl IntoView {
    let ctx = use_ctx();
    let c = ctx.cmp;
    view! {
        <div class="sync-controls">
            <label><input type="checkbox" id="sync-backup" prop:checked=move || c.backup.get()
                on:change=move |ev| { c.backup.set(event_target_checked(&ev)); c.preview.set(None); }/>{move || ctx.c().backup}</label>
            {move || (!c.backup.get()).then(|| view! { <p class="warn" id="backup-off">{move || ctx.c().backup_off_warn}</p> })}
            <label for="sync-max-files">{move || ctx.c().max_delete_files}</label>
            <input id="sync-max-files" type="number" min="0" prop:value=move || c.max_files.get()
                on:input=move |ev| { c.max_files.set(event_target_value(&ev)); c.preview.set(None); }/>
            <label for="sync-max-percent">{move || ctx.c().max_delete_percent}</label>
            <input id="sync-max-percent" type="number" min="0" max="100" prop:value=move || c.max_percent.get()
                on:input=move |ev| { c.max_percent.set(event_target_value(&ev)); c.preview.set(None); }/>
            <button id="sync-preview" type="button" on:click=move |_| act::preview(ctx)>{move || ctx.c().preview}</button>
            <button id="sync-run" type="button" class="primary"
                disabled=move || c.preview.with(|p| p.as_ref().is_none_or(|p| p.refused.is_some())) || c.started.with(Option::is_some)
                on:click=move |_| act::run(ctx)>{move || ctx.c().run}</button>
        </div>
        {move || c.started.get().map(|id| view! {
            <p class="ok" id="sync-started" role="status">{move || format!("{} #{}", ctx.c().started, rcmd_types::batch_id_text(id))}</p>
        })}
        {move || c.preview.get().map(|p| {
            let more = p.counts.actions().saturating_sub(p.actions.len() as u64);
            view! {
                <section class="sync-preview" id="sync-preview-panel" aria-label=move || ctx.c().preview_title>
                    <h3>{move || ctx.c().preview_title}</h3>
                    {p.refused.clone().map(|why| view! { <p class="refused" id="sync-refused" role="alert">{why}</p> })}
                    <p class="muted">{move || ctx.c().nothing_written}</p>
                    {p.backup_right.clone().or(p.backup_left.clone()).map(|b| view! {
                        <p id="sync-backup-place">{move || ctx.c().backups_go_to}" "<code>{b.clone()}</code></p>
                    })}
                    <ul class="preview-actions">
                        {p.actions.iter().map(|a| view! {
                            <li data-direction=a.direction.as_str()>
                                <span class="c-dir">{logic::symbol(a.direction)}</span>" "{a.path.clone()}" "
                                <span class="muted">{format::size(a.size)}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                    {(more > 0).then(|| view! { <p class="muted">{move || format!("{more} {}", ctx.c().more_actions)}</p> })}
                </section>
            }
        })}
    }
}
