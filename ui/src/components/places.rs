//! Going places: the hotlist (Ctrl+D) and history (Alt+↓) lists, a pane's tabs, and the path
//! field (Ctrl+L) with completion of remote and folder names.

use leptos::{ev, html, prelude::*, task::spawn_local};

use crate::{
    actions::{self, commander::focus_pane, places},
    logic::{
        complete::{self, Want},
        nav::Tabs,
    },
    state::{use_ctx, Dialog, Location, Pane},
};

/// How many completions are listed under the path field.
const COMPLETIONS_SHOWN: usize = 12;

/// A list of places to go to: the hotlist (with "add this folder" and removal) or the active
/// pane's history (newest first). Digits 1-9 go to the place with that number, the arrow keys
/// move between places, Delete removes a bookmark, Escape closes.
#[component]
pub fn PlacesDialog(dialog: Dialog) -> impl IntoView {
    let ctx = use_ctx();
    let t = ctx.t();
    let hotlist = matches!(dialog, Dialog::Hotlist);
    let pane = match dialog {
        Dialog::History { pane } => ctx.panes[pane],
        _ => ctx.active_pane(),
    };
    let here = pane.spec();
    // (place, index in the history) newest first; the hotlist in its own order
    let places = move || -> Vec<(String, usize)> {
        if hotlist {
            ctx.hotlist
                .with(|h| h.places.iter().cloned().enumerate().map(|(i, p)| (p, i)).collect())
        } else {
            pane.history.with(|h| {
                h.places()
                    .iter()
                    .cloned()
                    .enumerate()
                    .map(|(i, p)| (p, i))
                    .rev()
                    .collect()
            })
        }
    };
    let list_ref = NodeRef::<html::Ul>::new();
    let add_ref = NodeRef::<html::Button>::new();
    // the place at `i` (the last one when `i` is past the end) gets the focus, or "add this
    // folder" when there is none: the keys must keep reaching the dialog
    let focus_place = move |i: usize| {
        let Some(list) = list_ref.try_get_untracked().flatten() else {
            return;
        };
        let buttons = list.query_selector_all("button.place").ok();
        let n = buttons.as_ref().map_or(0, |l| l.length());
        let button = buttons
            .filter(|_| n > 0)
            .and_then(|l| l.item((i as u32).min(n - 1)))
            .and_then(|n| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(n).ok());
        match button {
            Some(b) => {
                let _ = b.focus();
            }
            None => {
                if let Some(b) = add_ref.try_get_untracked().flatten() {
                    let _ = b.focus();
                } else if let Some(b) = document().get_element_by_id("dialog-cancel") {
                    if let Ok(b) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(b) {
                        let _ = b.focus();
                    }
                }
            }
        }
    };
    request_animation_frame(move || focus_place(0));
    let close = move || {
        ctx.dialog.set(None);
        focus_pane(ctx, pane);
    };
    let go = move |spec: String, index: usize| {
        ctx.dialog.set(None);
        if hotlist {
            places::go(ctx, pane, &spec);
        } else {
            places::jump(ctx, pane, index);
        }
        focus_pane(ctx, pane);
    };
    let focused_place = move || -> Option<(usize, String)> {
        let el = document().active_element()?;
        let spec = el.get_attribute("data-spec")?;
        let pos = el.get_attribute("data-pos")?.parse().ok()?;
        Some((pos, spec))
    };
    let on_key = move |ev: ev::KeyboardEvent| {
        let key = ev.key();
        let count = places().len();
        match key.as_str() {
            "Escape" => {
                ev.prevent_default();
                close();
            }
            "ArrowDown" | "ArrowUp" => {
                ev.prevent_default();
                let at = focused_place().map(|(p, _)| p);
                let next = match (at, key.as_str()) {
                    (None, _) => 0,
                    (Some(p), "ArrowDown") => (p + 1).min(count.saturating_sub(1)),
                    (Some(p), _) => p.saturating_sub(1),
                };
                focus_place(next);
            }
            "Delete" if hotlist => {
                if let Some((pos, spec)) = focused_place() {
                    ev.prevent_default();
                    places::edit_hotlist(ctx, |h| h.remove(&spec));
                    request_animation_frame(move || focus_place(pos));
                }
            }
            k if k.len() == 1 && k.as_bytes()[0].is_ascii_digit() && k != "0" => {
                let n = (k.as_bytes()[0] - b'1') as usize;
                if let Some((spec, index)) = places().get(n).cloned() {
                    ev.prevent_default();
                    go(spec, index);
                }
            }
            _ => {}
        }
    };
    let add_here = here.clone();
    let add = move |_| {
        if let Some(spec) = add_here.clone() {
            places::edit_hotlist(ctx, |h| {
                h.add(&spec);
            });
            // the button is disabled now: the new place takes the focus
            request_animation_frame(move || focus_place(usize::MAX));
        }
    };
    let here_listed = here.clone();
    let already = move || here_listed.as_ref().is_none_or(|s| ctx.hotlist.with(|h| h.contains(s)));
    let current = here.clone();
    view! {
        <div class="overlay" on:click=move |_| close()>
            <div id="dialog" class="dialog places" role="dialog" aria-modal="true" aria-labelledby="dialog-title"
                data-kind=if hotlist { "hotlist" } else { "history" }
                on:click=|ev| ev.stop_propagation() on:keydown=on_key>
                <h2 id="dialog-title">{if hotlist { t.hotlist } else { t.history_title }}</h2>
                <ul class="place-list" node_ref=list_ref>
                    {move || places().into_iter().enumerate().map(|(pos, (spec, index))| {
                        let (s1, s2) = (spec.clone(), spec.clone());
                        // the history marks where the pane is in it (a place can be there twice)
                        let is_here = if hotlist {
                            current.as_deref() == Some(spec.as_str())
                        } else {
                            pane.history.with_untracked(|h| h.at() == index)
                        };
                        view! {
                            <li>
                                <button class="place" data-spec=spec.clone() data-pos=pos.to_string()
                                    aria-current=is_here.then_some("location")
                                    on:click=move |_| go(s1.clone(), index)>
                                    <kbd>{if pos < 9 { (pos + 1).to_string() } else { String::new() }}</kbd>
                                    " "<code>{complete::display(&spec)}</code>
                                </button>
                                {hotlist.then(|| view! {
                                    <button class="remove" aria-label=format!("{} {}", t.remove, s2)
                                        title=t.remove tabindex="-1"
                                        on:click=move |_| places::edit_hotlist(ctx, |h| h.remove(&s2))>"×"</button>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {move || (hotlist && places().is_empty()).then(|| view! { <p class="muted">{t.hotlist_empty}</p> })}
                {hotlist.then(|| view! { <p class="muted keys-hint">{t.hotlist_keys}</p> })}
                <div class="buttons">
                    {hotlist.then(|| view! {
                        <button id="hotlist-add" class="primary" node_ref=add_ref disabled=already on:click=add>
                            {format!("{} ({})", t.hotlist_add, here.as_deref().map(complete::display).unwrap_or_default())}
                        </button>
                    })}
                    <button id="dialog-cancel" on:click=move |_| close()>{t.close}</button>
                </div>
            </div>
        </div>
    }
}

/// A pane's tabs, when it has more than one: a click shows the tab, "+" opens another.
#[component]
pub fn TabBar(pane: Pane) -> impl IntoView {
    let ctx = use_ctx();
    move || {
        let tabs = pane.tabs.get();
        (tabs.places.len() > 1).then(|| {
            view! {
                <div class="pane-tabs" role="tablist" aria-label=ctx.t().tabs>
                    {tabs.places.iter().enumerate().map(|(i, spec)| {
                        let active = i == tabs.active;
                        view! {
                            <button class="pane-tab" role="tab" aria-selected=active.to_string() tabindex="-1"
                                title=complete::display(spec) data-spec=spec.clone()
                                on:click=move |_| {
                                    ctx.active.set(pane.idx);
                                    places::switch_tab(ctx, pane, pane.tabs.try_update(|t| t.select(i)).flatten());
                                    focus_pane(ctx, pane);
                                }>
                                {Tabs::label(spec)}
                            </button>
                            {active.then(|| view! {
                                <button class="tab-close" tabindex="-1" title=ctx.t().close_tab aria-label=ctx.t().close_tab
                                    on:click=move |_| places::switch_tab(ctx, pane, pane.tabs.try_update(|t| t.close()).flatten())>"×"</button>
                            })}
                        }
                    }).collect_view()}
                    <button class="tab-new" tabindex="-1" title=ctx.t().new_tab aria-label=ctx.t().new_tab
                        on:click=move |_| places::new_tab(pane)>"+"</button>
                </div>
            }
        })
    }
}

/// The path field: the pane's place as text; Enter goes there, Escape goes back to the list,
/// Tab completes (remote names, then folders, listed under the field), ↑/↓ choose.
#[component]
pub fn PathField(pane: Pane) -> impl IntoView {
    let ctx = use_ctx();
    let t = ctx.t();
    let text = RwSignal::new(pane.spec().map(|s| complete::display(&s)).unwrap_or_default());
    let invalid = RwSignal::new(false);
    // the parent folder listed for completion and its folders
    let folders: RwSignal<(String, Vec<String>)> = RwSignal::new(Default::default());
    let chosen: RwSignal<Option<usize>> = RwSignal::new(None);
    let input_ref = NodeRef::<html::Input>::new();
    request_animation_frame(move || {
        if let Some(i) = input_ref.try_get_untracked().flatten() {
            let _ = i.focus();
            i.select();
        }
    });
    let want = Memo::new(move |_| complete::want(&text.get(), ctx.is_local(), ctx.home.get().as_deref()));
    Effect::new(move |_| {
        let Want::Folder { parent, .. } = want.get() else {
            return;
        };
        if folders.with_untracked(|(p, _)| *p == parent) {
            return;
        }
        folders.set((parent.clone(), vec![]));
        spawn_local(async move {
            let names = places::folders_of(&parent).await;
            // typed on meanwhile: the answer is for a folder no longer asked about
            if folders.try_with_untracked(|(p, _)| *p == parent) == Some(true) {
                folders.set((parent, names));
            }
        });
    });
    let found = Memo::new(move |_| {
        let remotes = ctx.remotes.get().unwrap_or_default();
        folders.with(|(_, f)| complete::candidates(&want.get(), &remotes, f))
    });
    let done = move || {
        pane.editing_path.set(false);
        focus_pane(ctx, pane);
    };
    let set_text = move |value: String| {
        text.set(value.clone());
        chosen.set(None);
        invalid.set(false);
        if let Some(i) = input_ref.get_untracked() {
            i.set_value(&value);
        }
    };
    let go = move || {
        let typed = match chosen.get_untracked() {
            Some(i) => found
                .with_untracked(|f| f.get(i).cloned())
                .unwrap_or_else(|| text.get_untracked()),
            None => text.get_untracked(),
        };
        let spec = complete::to_spec(&typed, ctx.is_local(), ctx.home.get_untracked().as_deref());
        match spec.and_then(|s| Location::parse(&s)) {
            Some(loc) => {
                actions::open(ctx, pane, loc);
                done();
            }
            None => invalid.set(true),
        }
    };
    let on_key = move |ev: ev::KeyboardEvent| match ev.key().as_str() {
        "Enter" => {
            ev.prevent_default();
            go();
        }
        "Escape" => {
            ev.prevent_default();
            done();
        }
        "Tab" if !ev.shift_key() => {
            ev.prevent_default();
            let list = found.get_untracked();
            let typed = text.get_untracked();
            match list.as_slice() {
                [] => {}
                [one] => set_text(one.clone()),
                many => {
                    let common = complete::common_prefix(many);
                    if common.chars().count() > typed.chars().count() {
                        set_text(common);
                    } else {
                        chosen.update(|c| *c = Some(c.map_or(0, |i| (i + 1) % many.len())));
                    }
                }
            }
        }
        "ArrowDown" | "ArrowUp" => {
            ev.prevent_default();
            let n = found.with_untracked(Vec::len).min(COMPLETIONS_SHOWN);
            if n > 0 {
                let down = ev.key() == "ArrowDown";
                chosen.update(|c| {
                    *c = Some(match (*c, down) {
                        (None, true) => 0,
                        (None, false) => n - 1,
                        (Some(i), true) => (i + 1) % n,
                        (Some(i), false) => (i + n - 1) % n,
                    })
                });
            }
        }
        _ => {}
    };
    view! {
        <div class="path-edit">
            <input class="path-input" type="text" spellcheck="false" autocomplete="off" node_ref=input_ref
                aria-label=t.path title=t.path_field_hint aria-invalid=move || invalid.get().to_string()
                aria-autocomplete="list" prop:value=move || text.get()
                on:input=move |ev| { text.set(event_target_value(&ev)); chosen.set(None); invalid.set(false); }
                on:keydown=on_key on:blur=move |_| pane.editing_path.set(false)/>
            {move || invalid.get().then(|| view! { <p class="path-error" role="alert">{t.path_invalid}</p> })}
            {move || {
                let list = found.get();
                (!list.is_empty()).then(|| view! {
                    <ul class="completions" role="listbox" aria-label=t.path>
                        {list.into_iter().take(COMPLETIONS_SHOWN).enumerate().map(|(i, c)| {
                            let c2 = c.clone();
                            view! {
                                <li role="option" aria-selected=move || (chosen.get() == Some(i)).to_string()
                                    // mousedown, not click: the field would lose the focus first
                                    on:mousedown=move |ev: ev::MouseEvent| { ev.prevent_default(); set_text(c2.clone()); }>
                                    {c}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                })
            }}
        </div>
    }
}
