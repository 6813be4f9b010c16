//! The commander's modal dialog: what will happen (source → destination, how many items)
//! with OK and Cancel, a name field for new folders and renames, and properties. Escape
//! cancels, Enter confirms; focus stays inside while it is open and returns to the pane.

use leptos::{ev, html, prelude::*};
use rcmd_types::{BatchKind, ConflictPolicy, Newer};

use crate::{
    actions, format,
    state::{use_ctx, Dialog},
};

#[component]
pub fn DialogHost() -> impl IntoView {
    let ctx = use_ctx();
    move || {
        ctx.dialog.get().map(|d| match d {
            Dialog::Conflict { .. } => view! { <ConflictView dialog=d/> }.into_any(),
            Dialog::Hotlist | Dialog::History { .. } => view! { <super::places::PlacesDialog dialog=d/> }.into_any(),
            Dialog::View { .. } => view! { <super::view::ViewDialog dialog=d/> }.into_any(),
            d => view! { <DialogView dialog=d/> }.into_any(),
        })
    }
}

/// One file that exists at the destination: both sides' size and time, the newer one marked,
/// and the choices (each for this file or, with the box ticked, for all the remaining ones).
/// The safe answer (replace only if older) has the focus; Escape cancels the whole copy.
#[component]
fn ConflictView(dialog: Dialog) -> impl IntoView {
    let ctx = use_ctx();
    let t = ctx.t();
    let Dialog::Conflict {
        kind,
        dst,
        conflicts,
        total,
        at,
        ..
    } = dialog
    else {
        return ().into_any();
    };
    let Some(c) = conflicts.get(at).cloned() else {
        return ().into_any();
    };
    let for_all = RwSignal::new(false);
    let safe_ref = NodeRef::<html::Button>::new();
    request_animation_frame(move || {
        if let Some(b) = safe_ref.try_get_untracked().flatten() {
            let _ = b.focus();
        }
    });
    let close = move || {
        ctx.dialog.set(None);
        actions::commander::focus_pane(ctx, ctx.active_pane());
    };
    let answer = move |choice: ConflictPolicy| {
        actions::answer_conflict(ctx, choice, for_all.get_untracked());
        if ctx.dialog.with_untracked(Option::is_none) {
            actions::commander::focus_pane(ctx, ctx.active_pane());
        }
    };
    let on_key = move |ev: ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            close();
        }
    };
    let lang = ctx.lang.get_untracked().code();
    let side = |label: &'static str, size: i64, time: &str, newer: bool, class: &'static str| {
        view! {
            <tr class=class data-newer=newer.to_string()>
                <th scope="row">{label}</th>
                <td class="num">{format::size(size)}</td>
                <td>{format::time(time, lang)}</td>
                <td class="newer">{newer.then_some(t.newer)}</td>
            </tr>
        }
    };
    let (src_newer, dst_newer) = match c.newer {
        Newer::Source => (true, false),
        Newer::Destination => (false, true),
        Newer::Neither { .. } => (false, false),
    };
    let more = total.saturating_sub(conflicts.len() as u64);
    view! {
        <div class="overlay" on:click=move |_| close()>
            <div id="dialog" class="dialog" role="alertdialog" aria-modal="true" aria-labelledby="dialog-title"
                aria-describedby="conflict-path" data-kind="conflict" data-path=c.path.clone()
                on:click=|ev| ev.stop_propagation() on:keydown=on_key>
                <h2 id="dialog-title">{t.conflict_title}</h2>
                <p class="summary conflict-count">{format!("{} / {} · {}", at + 1, total, if kind == BatchKind::Move { t.move_ } else { t.copy })}</p>
                <p id="conflict-path"><code>{c.path.clone()}</code>" "<span class="muted">{t.exists_in}" "<code>{dst}</code></span></p>
                <table class="conflict">
                    {side(t.conflict_source, c.src_size, &c.src_time, src_newer, "src")}
                    {side(t.conflict_destination, c.dst_size, &c.dst_time, dst_newer, "dst")}
                </table>
                {dst_newer.then(|| view! { <p class="warn">{t.conflict_newer_warning}</p> })}
                {(more > 0).then(|| view! { <p class="muted">{format!("+{more} {}", t.conflict_more)}</p> })}
                <label class="check">
                    <input type="checkbox" id="conflict-all" prop:checked=move || for_all.get()
                        on:change=move |ev| for_all.set(event_target_checked(&ev))/>
                    {t.conflict_for_all}
                </label>
                <div class="buttons">
                    <button id="conflict-update" class="primary" node_ref=safe_ref
                        on:click=move |_| answer(ConflictPolicy::Update)>{t.overwrite_older}</button>
                    <button id="conflict-overwrite" on:click=move |_| answer(ConflictPolicy::Overwrite)>{t.overwrite}</button>
                    <button id="conflict-skip" on:click=move |_| answer(ConflictPolicy::Skip)>{t.skip}</button>
                    <button id="conflict-rename" on:click=move |_| answer(ConflictPolicy::Rename)>{t.rename_copy}</button>
                    <button id="dialog-cancel" on:click=move |_| close()>{t.cancel}</button>
                </div>
            </div>
        </div>
    }
    .into_any()
}

#[component]
fn DialogView(dialog: Dialog) -> impl IntoView {
    let ctx = use_ctx();
    let t = ctx.t();
    let initial = match &dialog {
        Dialog::Transfer { dst, .. } => dst.clone(),
        Dialog::Rename { name, .. } => name.clone(),
        Dialog::Pattern { .. } => "*.*".to_owned(),
        _ => String::new(),
    };
    // a file's rename selects its name without the extension, as file managers do
    let stem_len = match &dialog {
        Dialog::Rename {
            name, is_dir: false, ..
        } => crate::logic::listing::stem_len(name),
        _ => None,
    };
    let input = RwSignal::new(initial);
    let input_ref = NodeRef::<html::Input>::new();
    let ok_ref = NodeRef::<html::Button>::new();
    let has_input = matches!(
        dialog,
        Dialog::Transfer { .. } | Dialog::NewFolder { .. } | Dialog::Rename { .. } | Dialog::Pattern { .. }
    );
    // the field (selected, as in file managers) or OK gets the focus when the dialog opens
    // (`try_`: the dialog may be gone by the next frame)
    request_animation_frame(move || {
        if let Some(i) = input_ref.try_get_untracked().flatten() {
            let _ = i.focus();
            match stem_len {
                // selection offsets count UTF-16 units
                Some(n) => {
                    let _ = i.set_selection_range(0, n as u32);
                }
                None => i.select(),
            }
        } else if let Some(b) = ok_ref.try_get_untracked().flatten() {
            let _ = b.focus();
        }
    });
    let close = move || {
        ctx.dialog.set(None);
        actions::commander::focus_pane(ctx, ctx.active_pane());
    };
    let d2 = dialog.clone();
    let ok = move || {
        actions::commander::confirm(ctx, d2.clone(), input.get_untracked());
        if ctx.dialog.with_untracked(Option::is_none) {
            actions::commander::focus_pane(ctx, ctx.active_pane());
        }
    };
    let ok2 = ok.clone();
    let on_key = move |ev: ev::KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            close();
        }
        "Enter" if !ev.shift_key() => {
            ev.prevent_default();
            ok2();
        }
        // focus stays in the dialog (it is modal): Tab cycles its controls
        "Tab" => {
            let root = document().query_selector("#dialog").ok().flatten();
            let Some(root) = root else { return };
            let Ok(list) = root.query_selector_all("input, button, a[href]") else {
                return;
            };
            let len = list.length();
            if len == 0 {
                return;
            }
            let active = document().active_element();
            let first = list.item(0);
            let last = list.item(len - 1);
            let at_edge = if ev.shift_key() { first } else { last };
            if active.is_some()
                && at_edge.as_ref().map(|n| n as &web_sys::Node) == active.as_ref().map(|a| a as &web_sys::Node)
            {
                ev.prevent_default();
                let to = if ev.shift_key() {
                    list.item(len - 1)
                } else {
                    list.item(0)
                };
                if let Some(el) = to.and_then(|n| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(n).ok()) {
                    let _ = el.focus();
                }
            }
        }
        _ => {}
    };
    let (title, body, ok_label): (String, AnyView, &str) = match &dialog {
        Dialog::Transfer {
            kind, src, names, dirs, ..
        } => {
            let title = if *kind == BatchKind::Move {
                t.move_title
            } else {
                t.copy_title
            };
            (
                title.to_owned(),
                view! {
                    <Items src=src.spec() names=names.clone() dirs=dirs.len()/>
                    <label for="dialog-input">{t.to}</label>
                }
                .into_any(),
                if *kind == BatchKind::Move { t.move_ } else { t.copy },
            )
        }
        Dialog::Delete { src, names, dirs } => (
            t.delete_title.to_owned(),
            view! {
                <Items src=src.spec() names=names.clone() dirs=dirs.len()/>
                <p class="warn">{t.delete_warning}</p>
            }
            .into_any(),
            t.delete,
        ),
        Dialog::NewFolder { at } => (
            t.new_folder.to_owned(),
            view! {
                <p class="from"><span class="muted">{t.in_folder}" "</span><code class="src">{at.spec()}</code></p>
                <label for="dialog-input">{t.folder_name}</label>
            }
            .into_any(),
            t.create,
        ),
        Dialog::Rename { at, name, .. } => (
            t.rename.to_owned(),
            view! {
                <p class="from"><code class="src">{at.child(name).spec()}</code></p>
                <label for="dialog-input">{t.new_name}</label>
            }
            .into_any(),
            t.rename,
        ),
        Dialog::Properties { at, name, props } => (
            t.properties.to_owned(),
            view! { <PropsView spec=at.child(name).spec() props=props.clone()/> }.into_any(),
            t.close,
        ),
        // shown by ConflictView and PlacesDialog
        Dialog::Conflict { .. } | Dialog::Hotlist | Dialog::History { .. } | Dialog::View { .. } => {
            (String::new(), ().into_any(), t.close)
        }
        Dialog::Pattern { select } => (
            if *select { t.select_pattern } else { t.deselect_pattern }.to_owned(),
            view! {
                <p class="muted">{t.pattern_hint}</p>
                <label for="dialog-input">{t.pattern}</label>
            }
            .into_any(),
            if *select { t.select } else { t.deselect },
        ),
    };
    let is_props = matches!(dialog, Dialog::Properties { .. });
    view! {
        <div class="overlay" on:click=move |_| close()>
            <div id="dialog" class="dialog" role="dialog" aria-modal="true" aria-labelledby="dialog-title"
                data-kind=kind_code(&dialog) on:click=|ev| ev.stop_propagation() on:keydown=on_key>
                <h2 id="dialog-title">{title}</h2>
                {body}
                {has_input.then(|| view! {
                    <input id="dialog-input" type="text" spellcheck="false" node_ref=input_ref
                        prop:value=move || input.get() on:input=move |ev| input.set(event_target_value(&ev))/>
                })}
                <div class="buttons">
                    <button id="dialog-ok" class="primary" node_ref=ok_ref on:click=move |_| ok()>{ok_label}</button>
                    {(!is_props).then(|| view! { <button id="dialog-cancel" on:click=move |_| close()>{t.cancel}</button> })}
                </div>
            </div>
        </div>
    }
}

fn kind_code(d: &Dialog) -> &'static str {
    match d {
        Dialog::Transfer {
            kind: BatchKind::Move, ..
        } => "move",
        Dialog::Transfer { .. } => "copy",
        Dialog::Delete { .. } => "delete",
        Dialog::NewFolder { .. } => "mkdir",
        Dialog::Rename { .. } => "rename",
        Dialog::Properties { .. } => "properties",
        Dialog::Conflict { .. } => "conflict",
        Dialog::Pattern { select: true } => "select",
        Dialog::Pattern { select: false } => "deselect",
        Dialog::Hotlist => "hotlist",
        Dialog::History { .. } => "history",
        Dialog::View { .. } => "view",
    }
}

/// What a copy, move or delete acts on: how many items (how many of them folders), from
/// where, and the first names.
#[component]
fn Items(src: String, names: Vec<String>, dirs: usize) -> impl IntoView {
    const SHOWN: usize = 8;
    let t = use_ctx().t();
    let count = if dirs > 0 {
        format!(
            "{} ({dirs} {})",
            t.count_items(names.len() as u64),
            t.folders_with_contents
        )
    } else {
        t.count_items(names.len() as u64)
    };
    let more = names.len().saturating_sub(SHOWN);
    view! {
        <p class="summary" data-count=names.len().to_string()>{count}</p>
        <p class="from"><span class="muted">{t.from}" "</span><code class="src">{src}</code></p>
        <ul class="items">
            {names.into_iter().take(SHOWN).map(|n| view! { <li>{n}</li> }).collect_view()}
            {(more > 0).then(|| view! { <li class="muted">{format!("+{more}")}</li> })}
        </ul>
    }
}

#[component]
fn PropsView(spec: String, props: Option<Result<rcmd_types::Properties, String>>) -> impl IntoView {
    let ctx = use_ctx();
    let t = ctx.t();
    match props {
        None => view! { <p class="muted" role="status">{t.computing}</p> }.into_any(),
        Some(Err(e)) => view! { <p class="error-text" role="alert">{e}</p> }.into_any(),
        Some(Ok(p)) => view! {
            <dl class="props" data-bytes=p.bytes.to_string() data-count=p.count.to_string()>
                <dt>{t.path}</dt><dd><code>{spec}</code></dd>
                <dt>{t.size}</dt><dd class="p-size">{format!("{} ({} B)", format::size(p.bytes), p.bytes)}</dd>
                {p.is_dir.then(|| view! { <dt>{t.files}</dt><dd class="p-count">{p.count.to_string()}</dd> })}
                {p.mod_time.clone().map(|m| view! { <dt>{t.modified}</dt><dd>{format::time(&m, ctx.lang.get_untracked().code())}</dd> })}
                {p.hashes.iter().map(|(k, v)| view! { <dt>{k.clone()}</dt><dd><code class="hash" data-hash=k.clone()>{v.clone()}</code></dd> }).collect_view()}
                <dt>{t.public_link}</dt>
                <dd class="p-link">{match (p.public_link.clone(), p.public_link_error.clone()) {
                    (Some(url), _) => view! { <code>{url}</code> }.into_any(),
                    (None, _) => view! { <span class="muted">{t.no_public_link}</span> }.into_any(),
                }}</dd>
            </dl>
        }
        .into_any(),
    }
}
