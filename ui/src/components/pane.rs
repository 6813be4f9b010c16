//! One side of the commander: remote and breadcrumb bar, filter and hidden-files toggle,
//! sortable columns, and a virtualised list (only the rows in view are in the DOM).

use leptos::{ev, html, prelude::*};
use rcmd_types::FileEntry;
use wasm_bindgen::JsCast;

use crate::{
    actions, format,
    logic::{
        columns::{Col, Layout, Widths},
        keys,
        listing::SortKey,
        selection::Mods,
        window::{range, scroll_to},
    },
    state::{use_ctx, Location, Pane, LOCAL_DISK},
};

/// Height of a row and of the column header, in CSS pixels (style.css keeps the same).
pub const ROW_H: f64 = 28.0;
const HEAD_H: f64 = 28.0;
/// Rows rendered above and below the visible ones.
const OVERSCAN: usize = 8;

/// What a drag of rows carries, from its first mouse press to the drop.
#[derive(Clone, Debug, PartialEq)]
pub struct Drag {
    pub from: usize,
    pub names: Vec<String>,
    pub start: (i32, i32),
    pub at: (i32, i32),
    /// Moved far enough to be a drag rather than a click.
    pub moving: bool,
}

#[component]
pub fn PaneView(idx: usize, drag: RwSignal<Option<Drag>>) -> impl IntoView {
    let ctx = use_ctx();
    let pane = ctx.panes[idx];
    let active = move || ctx.active.get() == idx;
    // the selection is what is shown: a filter or the hidden-files switch that hides a
    // selected row unselects it, so "1 selected" never counts a row F8 cannot act on
    Effect::new(move |_| {
        pane.rows.track();
        let rows = pane.row_names();
        if pane.sel.with_untracked(|s| s.names.iter().any(|n| !rows.contains(n))) {
            pane.sel.update(|s| s.retain(&rows));
        }
    });
    view! {
        <section class="pane" id=pane.dom_id() data-pane=idx.to_string() class:active=active
            aria-label=move || if idx == 0 { ctx.t().left_pane } else { ctx.t().right_pane }
            data-drop=move || drag.with(|d| d.as_ref().is_some_and(|d| d.moving && d.from != idx)).to_string()>
            <super::places::TabBar pane=pane/>
            <PaneBar pane=pane/>
            <PaneTools pane=pane/>
            <SourceNote pane=pane/>
            <List pane=pane drag=drag/>
            <PaneStatus pane=pane/>
        </section>
    }
}

/// Remote chooser, "up", and the path as breadcrumbs.
#[component]
fn PaneBar(pane: Pane) -> impl IntoView {
    let ctx = use_ctx();
    let remote = move || {
        pane.location
            .with(|l| l.as_ref().map(|l| l.remote.clone()).unwrap_or_default())
    };
    let choose = move |ev: ev::Event| {
        let name = event_target_value(&ev);
        if name.is_empty() {
            return;
        }
        ctx.active.set(pane.idx);
        // the local disk opens at the home folder (the filesystem root when it is not known),
        // a remote at its own root
        let loc = if name == LOCAL_DISK {
            match ctx.home.get_untracked() {
                Some(home) => Location {
                    remote: LOCAL_DISK.to_owned(),
                    path: home,
                },
                None => Location::absolute_root(LOCAL_DISK),
            }
        } else {
            Location::root(&name)
        };
        actions::open(ctx, pane, loc);
    };
    view! {
        <div class="pane-bar">
            <select class="remote-select" aria-label=move || ctx.t().remote_choice on:change=choose prop:value=remote>
                <option value="" disabled=true selected=move || remote().is_empty()>{move || ctx.t().choose_remote_short}</option>
                <Show when=move || ctx.is_local()>
                    <option value=LOCAL_DISK selected=move || remote() == LOCAL_DISK>{move || ctx.t().local_disk}</option>
                </Show>
                {move || ctx.remotes.get().unwrap_or_default().into_iter().map(|r| {
                    let (v, label, mine) = (r.clone(), format!("{r}:"), r.clone());
                    view! { <option value=v selected=move || remote() == mine>{label}</option> }
                }).collect_view()}
            </select>
            <button class="up" title=move || ctx.t().up_hint aria-label=move || ctx.t().up
                disabled=move || pane.location.with(|l| l.as_ref().and_then(Location::parent).is_none())
                on:click=move |_| actions::commander::go_up(ctx, pane)>"↑"</button>
            <Show when=move || pane.location.with(|l| l.as_ref().is_some_and(|l| l.remote != LOCAL_DISK))>
                <button class="root-rel" title=move || ctx.t().root_relative_hint
                    on:click=move |_| if let Some(l) = pane.location.get_untracked() { actions::open(ctx, pane, Location::root(&l.remote)) }>
                    {move || ctx.t().root_relative}</button>
                <button class="root-abs" title=move || ctx.t().root_absolute_hint aria-label=move || ctx.t().root_absolute_hint
                    on:click=move |_| if let Some(l) = pane.location.get_untracked() { actions::open(ctx, pane, Location::absolute_root(&l.remote)) }>
                    "/"</button>
            </Show>
            <Show when=move || !pane.editing_path.get() fallback=move || view! { <super::places::PathField pane=pane/> }>
                <nav class="crumbs" aria-label=move || ctx.t().path title=move || ctx.t().path_field_hint
                    // a click beside the crumbs (not on one) types a path instead
                    on:click=move |ev: ev::MouseEvent| {
                        let on_crumb = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                            .is_some_and(|el| el.closest("button").ok().flatten().is_some());
                        if !on_crumb {
                            ctx.active.set(pane.idx);
                            pane.editing_path.set(true);
                        }
                    }>
                    {move || pane.location.get().map(|loc| {
                        let crumbs = loc.crumbs();
                        let last = crumbs.len() - 1;
                        crumbs.into_iter().enumerate().map(|(i, (label, at))| {
                            let label = if at.remote == LOCAL_DISK && i == 0 { "/".to_owned() } else { label };
                            view! {
                                {(i > 1).then_some(view! { <span class="sep" aria-hidden="true">"/"</span> })}
                                <button class="crumb" aria-current=(i == last).then_some("location")
                                    on:click=move |_| actions::open(ctx, pane, at.clone())>{label}</button>
                            }
                        }).collect_view()
                    })}
                </nav>
            </Show>
            <span class="path" data-spec=move || pane.location.with(|l| l.as_ref().map(Location::spec).unwrap_or_default())></span>
        </div>
    }
}

/// Filter-as-you-type, hidden files, refresh.
#[component]
fn PaneTools(pane: Pane) -> impl IntoView {
    let ctx = use_ctx();
    let on_key = move |ev: ev::KeyboardEvent| match ev.key().as_str() {
        // back to the rows, keeping the filter
        "Enter" | "ArrowDown" | "Escape" => {
            ev.prevent_default();
            if ev.key() == "Escape" {
                pane.opts.update(|o| o.filter.clear());
            }
            actions::commander::focus_pane(ctx, pane);
        }
        _ => {}
    };
    view! {
        <div class="pane-tools">
            <input class="filter" type="search" spellcheck="false" placeholder=move || ctx.t().filter
                aria-label=move || ctx.t().filter
                prop:value=move || pane.opts.with(|o| o.filter.clone())
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    pane.opts.update(|o| o.filter = text);
                    pane.sel.update(|s| s.cursor = 0);
                    pane.scroll_top.set(0.0);
                }
                on:keydown=on_key/>
            <label class="check">
                <input type="checkbox" class="hidden-toggle" prop:checked=move || pane.opts.with(|o| o.show_hidden)
                    on:change=move |ev| { let on = event_target_checked(&ev); pane.opts.update(|o| o.show_hidden = on) }/>
                {move || ctx.t().hidden_files}
            </label>
            <button class="refresh" title="Ctrl+R" on:click=move |_| actions::refresh(ctx, pane)>{move || ctx.t().refresh}</button>
            <Show when=move || pane.loading.get()>
                <span class="muted loading" role="status">{move || ctx.t().loading}</span>
            </Show>
        </div>
    }
}

/// The column headers and the rows in view.
#[component]
fn List(pane: Pane, drag: RwSignal<Option<Drag>>) -> impl IntoView {
    let ctx = use_ctx();
    let list_ref = NodeRef::<html::Div>::new();
    let view_h = RwSignal::new(600.0);
    let view_w = RwSignal::new(400.0);
    // also called from a frame callback or a resize after the list is gone: `try_`
    let measure = move || {
        if let Some(el) = list_ref.try_get_untracked().flatten() {
            view_h.try_set(el.client_height() as f64);
            view_w.try_set(el.client_width() as f64);
        }
    };
    let resize = window_event_listener(ev::resize, move |_| measure());
    on_cleanup(move || resize.remove());
    Effect::new(move |_| {
        // measured once the list is in the DOM, again when a listing arrives
        pane.entries.track();
        request_animation_frame(measure);
    });
    // the columns that fit: the name keeps most of the width at every window size and zoom
    let layout = Memo::new(move |_| Layout::fit(view_w.get(), ctx.columns.get()));
    let resizing = column_resizing(ctx, view_w);
    let total = move || pane.rows.with(Vec::len);
    let shown = Memo::new(move |_| {
        range(
            (pane.scroll_top.get() - HEAD_H).max(0.0),
            view_h.get(),
            ROW_H,
            total(),
            OVERSCAN,
        )
    });
    // keep the cursor row in view as the keyboard moves it
    Effect::new(move |_| {
        let cursor = pane.sel.with(|s| s.cursor);
        let Some(el) = list_ref.get_untracked() else { return };
        if let Some(top) = scroll_to(cursor, el.scroll_top() as f64, el.client_height() as f64, ROW_H, HEAD_H) {
            el.set_scroll_top(top as i32);
        }
    });
    let on_key = move |ev: ev::KeyboardEvent| {
        if ctx.dialog.with_untracked(Option::is_some) {
            return;
        }
        let Some(cmd) = keys::command(&ev.key(), ev.ctrl_key() || ev.meta_key(), ev.shift_key(), ev.alt_key()) else {
            return;
        };
        ev.prevent_default();
        actions::commander::run(ctx, pane, cmd);
    };
    // the border left of a column: drag it to resize, double-click for the default width
    let grip = move |col: Col| {
        view! {
            <span class="col-grip" role="separator" aria-orientation="vertical" aria-hidden="true"
                data-col=if col == Col::Size { "size" } else { "time" } title=move || ctx.t().resize_column
                on:mousedown=move |ev: ev::MouseEvent| {
                    ev.prevent_default();
                    ev.stop_propagation();
                    resizing.set(Some((col, ev.client_x() as f64, ctx.columns.get_untracked())));
                }
                on:click=|ev: ev::MouseEvent| ev.stop_propagation()
                on:dblclick=move |_| ctx.columns.update(|w| match col {
                    Col::Size => w.size = Widths::default().size,
                    Col::Time => w.time = Widths::default().time,
                })></span>
        }
    };
    let sort_button = move |key: SortKey, label: fn(&crate::i18n::Texts) -> &'static str, class: &'static str| {
        let dir = move || {
            pane.opts
                .with(|o| (o.key == key).then_some(if o.ascending { "ascending" } else { "descending" }))
        };
        let col = match key {
            SortKey::Size => Some(Col::Size),
            SortKey::Modified => Some(Col::Time),
            _ => None,
        };
        view! {
            <div role="columnheader" class=class aria-sort=move || dir().unwrap_or("none")>
                {col.map(grip)}
                <button class="sort" tabindex="-1" data-key=format!("{key:?}").to_lowercase()
                    on:click=move |_| pane.opts.update(|o| o.sort_by(key))>
                    {move || label(ctx.t())}
                    {move || dir().map(|d| if d == "ascending" { " ▲" } else { " ▼" })}
                </button>
            </div>
        }
    };
    view! {
        <div class="list" role="grid" tabindex="0" node_ref=list_ref aria-multiselectable="true"
            aria-label=move || pane.location.with(|l| l.as_ref().map(Location::spec).unwrap_or_default())
            aria-rowcount=move || (total() + 1).to_string()
            style=move || format!("--cols: {}", layout.get().template())
            data-size=move || if layout.get().size.is_some() { "on" } else { "off" }
            data-time=move || if layout.get().time.is_some() { "on" } else { "off" }
            aria-activedescendant=move || (total() > 0).then(|| format!("{}-row-{}", pane.dom_id(), pane.sel.with(|s| s.cursor)))
            on:scroll=move |ev| {
                if let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
                    pane.scroll_top.set(el.scroll_top() as f64);
                }
            }
            on:focus=move |_| ctx.active.set(pane.idx)
            on:keydown=on_key>
            <div class="head" role="row" aria-rowindex="1">
                <div role="columnheader" class="sel"><span class="sr-only">{move || ctx.t().selected}</span></div>
                {sort_button(SortKey::Name, |t| t.name, "name")}
                {sort_button(SortKey::Size, |t| t.size, "num")}
                {sort_button(SortKey::Modified, |t| t.modified, "time")}
            </div>
            {move || match pane.location.get() {
                None => Some(view! { <p class="muted placeholder">{ctx.t().choose_remote}</p> }.into_any()),
                Some(_) if pane.entries.with(|e| e.as_ref().is_some_and(|e| e.is_empty())) && !pane.loading.get() =>
                    Some(view! { <p class="muted empty-dir">{ctx.t().empty_dir}</p> }.into_any()),
                Some(_) => None,
            }}
            <div class="rows" role="rowgroup" style:height=move || format!("{}px", total() as f64 * ROW_H)>
                {move || {
                    // `rows` is read before `shown` (which depends on it): a re-sort leaves the
                    // row count and so `shown` unchanged, and a memo checked through `shown`
                    // first would no longer report its change to this effect
                    let rows = pane.rows.get();
                    let entries = pane.entries.get().unwrap_or_default();
                    let (start, end) = shown.get();
                    (start..end).filter_map(|r| {
                        let e = entries.get(*rows.get(r)?)?.clone();
                        Some(view! { <Row pane=pane row=r entry=e drag=drag/> })
                    }).collect_view()
                }}
            </div>
        </div>
    }
}

/// A column border being dragged: which column, where the drag started and the widths then.
/// The window's pointer moves resize; letting go keeps the widths (saved by the app).
fn column_resizing(ctx: crate::state::Ctx, list_w: RwSignal<f64>) -> RwSignal<Option<(Col, f64, Widths)>> {
    let resizing = RwSignal::new(None::<(Col, f64, Widths)>);
    let moved = window_event_listener(ev::mousemove, move |ev| {
        if let Some((col, x0, from)) = resizing.get_untracked() {
            let dx = ev.client_x() as f64 - x0;
            ctx.columns.set(Widths::dragged(from, col, dx, list_w.get_untracked()));
        }
    });
    let up = window_event_listener(ev::mouseup, move |_| {
        if resizing.get_untracked().is_some() {
            resizing.set(None);
        }
    });
    on_cleanup(move || {
        moved.remove();
        up.remove();
    });
    resizing
}

#[component]
fn Row(pane: Pane, row: usize, entry: FileEntry, drag: RwSignal<Option<Drag>>) -> impl IntoView {
    let ctx = use_ctx();
    let FileEntry {
        name,
        is_dir,
        size,
        mod_time,
        ..
    } = entry;
    let n1 = name.clone();
    let selected = move || pane.sel.with(|s| s.names.contains(&n1));
    let cursor = move || pane.sel.with(|s| s.cursor == row);
    let click = move |ev: ev::MouseEvent| {
        let rows = pane.row_names();
        pane.sel.update(|s| {
            s.click(
                &rows,
                row,
                Mods {
                    ctrl: ev.ctrl_key() || ev.meta_key(),
                    shift: ev.shift_key(),
                },
            )
        });
        actions::commander::focus_pane(ctx, pane);
    };
    let n2 = name.clone();
    let open = move || {
        let Some(loc) = pane.location.get_untracked() else {
            return;
        };
        if is_dir {
            actions::open(ctx, pane, loc.child(&n2));
        } else {
            actions::commander::ask_properties(ctx, loc, n2.clone());
        }
    };
    // one activation opens one thing: a folder opens on the first click of its name, and the
    // rest of that double-click lands on whatever row of the new listing is under the pointer
    let open_name = open.clone();
    let open_name = move |ev: ev::MouseEvent| {
        ev.stop_propagation();
        if ev.detail() >= 2 {
            // the second click of a double-click: its first click opened already
            return;
        }
        open_guard::opened_by_click(pane.idx);
        open_name();
    };
    let open2 = move || {
        if !open_guard::just_opened_by_click(pane.idx) {
            open();
        }
    };
    let n3 = name.clone();
    let press = move |ev: ev::MouseEvent| {
        if ev.button() != 0 {
            return;
        }
        // a drag carries the selection when it starts on a selected row, else this row
        let names = if pane.sel.with_untracked(|s| s.names.contains(&n3)) {
            pane.sel.with_untracked(|s| s.targets(&pane.row_names()))
        } else {
            vec![n3.clone()]
        };
        drag.set(Some(Drag {
            from: pane.idx,
            names,
            start: (ev.client_x(), ev.client_y()),
            at: (ev.client_x(), ev.client_y()),
            moving: false,
        }));
    };
    let n4 = name.clone();
    let toggle = move |ev: ev::Event| {
        let on = event_target_checked(&ev);
        pane.sel.update(|s| {
            if on {
                s.names.insert(n4.clone());
            } else {
                s.names.remove(&n4);
            }
            s.cursor = row;
        });
    };
    let n5 = name.clone();
    view! {
        <div role="row" class="row" id=format!("{}-row-{row}", pane.dom_id()) class:dir=is_dir class:selected=selected.clone()
            class:cursor=cursor aria-selected=move || selected().to_string() aria-rowindex=(row + 2).to_string()
            style:top=format!("{}px", row as f64 * ROW_H)
            data-name=name.clone() data-dir=is_dir.to_string() data-size=size.to_string() title=name.clone()
            on:click=click on:dblclick=move |_| open2() on:mousedown=press>
            <div role="gridcell" class="sel" on:click=|ev| ev.stop_propagation() on:mousedown=|ev| ev.stop_propagation()>
                <input type="checkbox" class="select" tabindex="-1" aria-label=name.clone()
                    prop:checked=move || pane.sel.with(|s| s.names.contains(&n5)) on:change=toggle/>
            </div>
            <div role="gridcell" class="name">
                <Icon dir=is_dir/>
                {if is_dir {
                    view! { <button class="open fname" tabindex="-1" on:click=open_name.clone()>{name.clone()}</button> }.into_any()
                } else {
                    view! { <span class="fname">{name.clone()}</span> }.into_any()
                }}
            </div>
            <div role="gridcell" class="num size">{if is_dir { String::new() } else { format::size(size) }}</div>
            <div role="gridcell" class="time" title=move || format::time(&mod_time, ctx.lang.get().code())>{format::time_short(&mod_time)}</div>
        </div>
    }
}

/// Opening by mouse, once per activation: a folder opens on the first click of its name, so
/// the `dblclick` of the same double-click reaches the next listing's row under the pointer (a
/// folder inside, a file's Properties). A `dblclick` within the system's double-click time of
/// an open by click in the same pane belongs to that activation and is ignored.
mod open_guard {
    use std::cell::Cell;

    /// Longer than any desktop's double-click interval (GNOME 400 ms, Windows 500 ms).
    const SAME_ACTIVATION_MS: f64 = 600.0;

    thread_local! {
        /// Per pane (left, right): when a click on a name last opened something.
        static OPENED_AT: [Cell<f64>; 2] = const { [Cell::new(f64::NEG_INFINITY), Cell::new(f64::NEG_INFINITY)] };
    }

    pub fn opened_by_click(pane: usize) {
        OPENED_AT.with(|at| {
            if let Some(a) = at.get(pane) {
                a.set(js_sys::Date::now());
            }
        });
    }

    /// Whether a click on a name in `pane` opened something within the double-click time.
    pub fn just_opened_by_click(pane: usize) -> bool {
        let now = js_sys::Date::now();
        OPENED_AT.with(|at| at.get(pane).is_some_and(|a| now - a.get() < SAME_ACTIVATION_MS))
    }
}

/// Folder or file glyph as inline SVG (no emoji font needed).
#[component]
fn Icon(dir: bool) -> impl IntoView {
    let path = if dir {
        "M1.5 3.5h4l1.5 1.5h7.5v8.5h-13z"
    } else {
        "M3.5 1.5h6l3 3v10h-9z M9.5 1.5v3h3"
    };
    view! {
        <svg class=if dir { "icon dir" } else { "icon file" } viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
            <path d=path/>
        </svg>
    }
}

/// Counts, selection size and how long the folder took to open.
#[component]
fn PaneStatus(pane: Pane) -> impl IntoView {
    let ctx = use_ctx();
    let text = move || {
        let t = ctx.t();
        let shown = pane.rows.with(Vec::len);
        let (count, bytes) = pane.selected_size();
        // while only a big folder's first rows are in: how many of how many
        let mut s = match pane.partial.get() {
            Some(total) => format!("{shown} / {} …", t.count_items(total as u64)),
            None => t.count_items(shown as u64),
        };
        if count > 0 {
            s.push_str(&format!(" · {count} {} ({})", t.selected, format::size(bytes)));
        }
        s
    };
    // the free space where the folder is, once known
    let free = move || {
        let t = ctx.t();
        let key = pane.location.with(|l| l.as_ref().map(actions::places::free_key))?;
        match ctx.free.with(|f| f.get(&key).copied())? {
            (_, at) if at < 0.0 => None,
            (Some(bytes), _) => Some(format!("{} {}", format::size(bytes), t.free)),
            (None, _) => Some(t.free_unknown.to_owned()),
        }
    };
    let typed = move || {
        pane.typeahead
            .with(|ta| ta.active(js_sys::Date::now()).then(|| ta.text.clone()))
    };
    view! {
        <div class="pane-status" aria-live="polite" data-open-ms=move || pane.open_ms.get().map(|ms| format!("{ms:.0}")).unwrap_or_default()
            data-first-shown=move || pane.first_shown.get().to_string()
            data-full-ms=move || pane.full_ms.get().map(|ms| format!("{ms:.0}")).unwrap_or_default()
            data-fetch-ms=move || pane.fetch_ms.get().map(|ms| format!("{ms:.0}")).unwrap_or_default()
            data-selected=move || pane.sel.with(|s| s.names.len()).to_string()
            data-cursor=move || pane.sel.with(|s| s.cursor).to_string()>
            <span class="counts">{text}</span>
            {move || typed().map(|q| view! { <span class="typeahead" title=ctx.t().find>{format!("🔍 {q}")}</span> })}
            {move || free().map(|f| view! { <span class="free">{f}</span> })}
        </div>
    }
}

/// Says when the listing is a cached copy or comes from the fallback remote.
#[component]
fn SourceNote(pane: Pane) -> impl IntoView {
    let ctx = use_ctx();
    move || {
        let t = ctx.t();
        match pane.listing_source.get() {
            (Some(ms), _) => Some(
                view! {
                    <p class="note stale-note" data-offline=move || ctx.offline().to_string()>
                        {if ctx.offline() { t.stale_offline } else { t.stale_listing }.replace("{age}", &crate::format::duration(ms / 1000))}
                    </p>
                }
                .into_any(),
            ),
            (None, Some(fb)) => Some(
                view! {
                    <p class="note fallback-note">{format!("{} {fb}:", t.fallback_listing)}</p>
                }
                .into_any(),
            ),
            _ => None,
        }
    }
}
