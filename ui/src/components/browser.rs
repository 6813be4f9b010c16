//! One directory of a remote: path bar, "up", and a table of entries with sizes and times.

use leptos::prelude::*;
use rcmd_types::{BatchKind, FileEntry};

use crate::{actions, format, state::{use_ctx, Location}};

#[component]
pub fn Browser() -> impl IntoView {
    let ctx = use_ctx();
    move || match ctx.location.get() {
        None => view! { <p class="muted placeholder">{ctx.t().choose_remote}</p> }.into_any(),
        Some(loc) => {
            let up_target = loc.parent();
            let has_parent = up_target.is_some();
            let shown = loc.spec();
            let (remote_a, remote_b) = (loc.remote.clone(), loc.remote.clone());
            let at_abs = loc.path.starts_with('/');
            view! {
                <div class="pathbar">
                    <button id="up-button" disabled=!has_parent
                        on:click=move |_| if let Some(p) = up_target.clone() { actions::open(ctx, p) }>
                        "↑ " {move || ctx.t().up}
                    </button>
                    <button id="root-button" class:active=!at_abs title=move || ctx.t().root_relative_hint
                        on:click=move |_| actions::open(ctx, Location::root(&remote_a))>
                        {move || ctx.t().root_relative}
                    </button>
                    <button id="abs-root-button" class:active=at_abs title=move || ctx.t().root_absolute_hint
                        on:click=move |_| actions::open(ctx, Location::absolute_root(&remote_b))>
                        "/"
                    </button>
                    <span id="current-path" class="path">{shown}</span>
                    <Show when=move || ctx.loading.get()>
                        <span class="muted">{move || ctx.t().loading}</span>
                    </Show>
                </div>
                <SourceNote/>
                <FileTable/>
                <CopyForm/>
            }
            .into_any()
        }
    }
}

#[component]
fn FileTable() -> impl IntoView {
    let ctx = use_ctx();
    move || {
        let t = ctx.t();
        let entries = ctx.entries.get()?;
        if entries.is_empty() {
            return Some(view! { <p class="muted" id="empty-dir">{t.empty_dir}</p> }.into_any());
        }
        Some(
            view! {
                <table id="file-table" class="files">
                    <thead><tr><th class="sel"></th><th>{t.name}</th><th class="num">{t.size}</th><th>{t.modified}</th></tr></thead>
                    <tbody>
                        <For each=move || entries.clone() key=|e| (e.path.clone(), e.is_dir) children=move |e| view! { <Row entry=e/> }/>
                    </tbody>
                </table>
            }
            .into_any(),
        )
    }
}

#[component]
fn Row(entry: FileEntry) -> impl IntoView {
    let ctx = use_ctx();
    let is_dir = entry.is_dir;
    let name = entry.name.clone();
    let open = move |_| {
        if is_dir {
            if let Some(loc) = ctx.location.get_untracked() {
                actions::open(ctx, loc.child(&name));
            }
        }
    };
    let size = if is_dir { String::new() } else { format::size(entry.size) };
    let mod_time = entry.mod_time.clone();
    let label = entry.name.clone();
    let open_row = open.clone();
    view! {
        <tr data-name=entry.name.clone() data-dir=is_dir.to_string() data-size=entry.size.to_string()
            class:dir=is_dir on:click=open_row>
            <td class="sel" on:click=|ev| ev.stop_propagation()>
                <input type="checkbox" class="select" prop:checked={
                    let n = entry.name.clone();
                    move || ctx.selected.with(|s| s.contains(&n))
                } on:change={
                    let n = entry.name.clone();
                    move |ev| {
                        let on = event_target_checked(&ev);
                        ctx.selected.update(|s| { if on { s.insert(n.clone()); } else { s.remove(&n); } });
                    }
                }/>
            </td>
            <td class="name">
                <Icon dir=is_dir/>
                {if is_dir {
                    view! { <button class="open" on:click=move |ev| { ev.stop_propagation(); open(ev) }>{label}</button> }.into_any()
                } else {
                    view! { <span>{label}</span> }.into_any()
                }}
            </td>
            <td class="num size">{size}</td>
            <td class="time">{move || format::time(&mod_time, ctx.lang.get().code())}</td>
        </tr>
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

/// Says when the listing is a cached copy or comes from the fallback remote.
#[component]
fn SourceNote() -> impl IntoView {
    let ctx = use_ctx();
    move || {
        let t = ctx.t();
        match ctx.listing_source.get() {
            (Some(ms), _) => Some(view! {
                <p id="stale-note" class="note" data-offline=move || ctx.offline().to_string()>
                    {format!("{} {}", if ctx.offline() { t.stale_offline } else { t.stale_listing }, ms / 1000)}
                </p>
            }.into_any()),
            (None, Some(fb)) => Some(view! {
                <p id="fallback-note" class="note">{format!("{} {fb}:", t.fallback_listing)}</p>
            }.into_any()),
            _ => None,
        }
    }
}

/// "Copy or move this folder to remote:path": creates a batch over every file below.
#[component]
fn CopyForm() -> impl IntoView {
    let ctx = use_ctx();
    let dst = RwSignal::new(String::new());
    view! {
        <div class="copy-form">
            <label for="batch-dst">{move || {
                let n = ctx.selected.with(|s| s.len());
                if n == 0 { ctx.t().copy_to.to_owned() } else { format!("{} ({n})", ctx.t().copy_selected_to) }
            }}</label>
            <input id="batch-dst" type="text" spellcheck="false" placeholder=move || ctx.t().dst_placeholder
                prop:value=move || dst.get() on:input=move |ev| dst.set(event_target_value(&ev))/>
            <button id="batch-copy" on:click=move |_| actions::create_batch(ctx, BatchKind::Copy, dst.get_untracked())>
                {move || ctx.t().copy}</button>
            <button id="batch-move" on:click=move |_| actions::create_batch(ctx, BatchKind::Move, dst.get_untracked())>
                {move || ctx.t().move_}</button>
        </div>
    }
}
