//! The search view (Alt+F7): files below a folder by name pattern, size and age, listed as
//! the folders are read (cancellable, at most a chosen number); each find opens its folder in
//! the active pane.

use leptos::{ev, prelude::*};
use rcmd_types::BatchKind;

use crate::{
    actions::{self, compare as act},
    format,
    state::{use_ctx, Dialog, Location, Tab},
};

/// Finds drawn at most (the rest are counted).
const DRAWN: usize = 2000;

#[component]
pub fn FindView() -> impl IntoView {
    let ctx = use_ctx();
    let c = ctx.cmp;
    let open_folder = move |path: String| {
        let root = c.find_root.get_untracked();
        let Some(base) = Location::parse(&root) else { return };
        let folder = path.rsplit_once('/').map(|(d, _)| d.to_owned()).unwrap_or_default();
        let loc = folder
            .split('/')
            .filter(|s| !s.is_empty())
            .fold(base, |l, s| l.child(s));
        let pane = ctx.active_pane();
        ctx.tab.set(Tab::Files);
        actions::open(ctx, pane, loc);
    };
    // copy or delete a find: the commander's own dialog (it confirms, then plans the batch)
    let ask = move |path: String, delete: bool| {
        let Some(base) = Location::parse(&c.find_root.get_untracked()) else {
            return;
        };
        let (folder, name) = path
            .rsplit_once('/')
            .map(|(d, n)| (d.to_owned(), n.to_owned()))
            .unwrap_or((String::new(), path.clone()));
        let src = folder
            .split('/')
            .filter(|s| !s.is_empty())
            .fold(base, |l, s| l.child(s));
        let other = ctx.panes[1 - ctx.active.get_untracked()].spec().unwrap_or_default();
        ctx.tab.set(Tab::Files);
        ctx.dialog.set(Some(if delete {
            Dialog::Delete {
                src,
                names: vec![name],
                dirs: vec![],
            }
        } else {
            Dialog::Transfer {
                kind: BatchKind::Copy,
                src,
                names: vec![name],
                dirs: vec![],
                dst: other,
            }
        }));
    };
    // the name field takes the keyboard when the view opens (Alt+F7, then type)
    let name_ref = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(el) = name_ref.get() {
            let _ = el.focus();
        }
    });
    view! {
        <section id="find" class="find">
            <form class="find-form" on:submit=move |ev: ev::SubmitEvent| { ev.prevent_default(); act::find(ctx); }>
                <label for="find-root">{move || ctx.c().find_in}</label>
                <input id="find-root" type="text" spellcheck="false" prop:value=move || c.find_root.get()
                    on:input=move |ev| c.find_root.set(event_target_value(&ev))/>
                <label for="find-name">{move || ctx.c().name_pattern}</label>
                <input id="find-name" type="text" spellcheck="false" node_ref=name_ref prop:value=move || c.find_name.get()
                    on:input=move |ev| c.find_name.set(event_target_value(&ev))/>
                <label for="find-min-size">{move || ctx.c().min_size}</label>
                <input id="find-min-size" type="text" prop:value=move || c.fields.with(|f| f[2].clone())
                    on:input=move |ev| c.fields.update(|f| f[2] = event_target_value(&ev))/>
                <label for="find-max-size">{move || ctx.c().max_size}</label>
                <input id="find-max-size" type="text" prop:value=move || c.fields.with(|f| f[3].clone())
                    on:input=move |ev| c.fields.update(|f| f[3] = event_target_value(&ev))/>
                <label for="find-min-age">{move || ctx.c().min_age}</label>
                <input id="find-min-age" type="text" prop:value=move || c.fields.with(|f| f[4].clone())
                    on:input=move |ev| c.fields.update(|f| f[4] = event_target_value(&ev))/>
                <label for="find-max-age">{move || ctx.c().max_age}</label>
                <input id="find-max-age" type="text" prop:value=move || c.fields.with(|f| f[5].clone())
                    on:input=move |ev| c.fields.update(|f| f[5] = event_target_value(&ev))/>
                <label for="find-limit">{move || ctx.c().limit}</label>
                <input id="find-limit" type="number" min="1" max="100000" prop:value=move || c.find_limit.get().to_string()
                    on:input=move |ev| c.find_limit.set(event_target_value(&ev).parse().unwrap_or(1000))/>
                <span class="find-buttons">
                    <button id="find-run" type="submit" class="primary" disabled=move || c.finding.get()>{move || ctx.c().find}</button>
                    <button id="find-cancel" type="button" disabled=move || !c.finding.get() on:click=move |_| act::find_cancel(ctx)>
                        {move || ctx.c().cancel}
                    </button>
                </span>
            </form>
            <p class="find-status" id="find-status" role="status" aria-live="polite">{move || {
                let n = c.found.with(Vec::len);
                let t = ctx.c();
                match (c.finding.get(), c.find_end.get()) {
                    (true, _) => format!("{} {n} {}", t.finding, t.found),
                    (false, Some(true)) => format!("{n} {} · {}", t.found, t.truncated),
                    (false, Some(false)) if n == 0 => t.none_found.to_owned(),
                    (false, Some(false)) => format!("{n} {}", t.found),
                    (false, None) => String::new(),
                }
            }}</p>
            <ul class="find-results" id="find-results" aria-label=move || ctx.c().tab_find>
                {move || c.found.with(|f| f.iter().take(DRAWN).cloned().collect::<Vec<_>>()).into_iter().map(|e| {
                    let path = e.path.clone();
                    view! {
                        <li class="find-row" data-path=e.path.clone()>
                            <span class="f-path">{e.path.clone()}</span>
                            <span class="f-size muted">{format::size(e.size)}</span>
                            <span class="f-time muted">{format::time_short(&e.mod_time)}</span>
                            <button type="button" class="find-open" on:click={
                                let path = path.clone();
                                move |_| open_folder(path.clone())
                            }>{move || ctx.c().open_folder}</button>
                            <button type="button" class="find-copy" on:click={
                                let path = path.clone();
                                move |_| ask(path.clone(), false)
                            }>{move || ctx.c().copy_to_other}</button>
                            <button type="button" class="find-delete" on:click=move |_| ask(path.clone(), true)>
                                {move || ctx.c().delete_found}
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
