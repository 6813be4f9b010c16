//! The two-pane commander: both panes, the function-key bar (F5 copy … F8 delete, for the
//! mouse too), dragging rows from one pane to the other, and the dialog that confirms.

use leptos::{ev, prelude::*};
use rcmd_types::BatchKind;
use wasm_bindgen::JsCast;

use super::{
    dialog::DialogHost,
    pane::{Drag, PaneView},
};
use crate::{
    actions,
    logic::keys::{self, Command},
    state::{use_ctx, Dialog, Location},
};

/// The element a key event was aimed at.
fn target(ev: &ev::KeyboardEvent) -> Option<web_sys::Element> {
    ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok())
}

/// Whether the key goes to a text field (or a select) or into a modal dialog: never the panes'.
fn typing_or_modal(ev: &ev::KeyboardEvent) -> bool {
    let Some(el) = target(ev) else { return false };
    let editable = el
        .dyn_ref::<web_sys::HtmlElement>()
        .is_some_and(|h| h.is_content_editable());
    let field = matches!(
        el.tag_name().to_ascii_lowercase().as_str(),
        "input" | "textarea" | "select"
    );
    editable
        || field
        || el
            .closest("[role='dialog'], [aria-modal='true']")
            .ok()
            .flatten()
            .is_some()
}

/// Whether the key was aimed at a control that Enter or Space presses.
fn on_control(ev: &ev::KeyboardEvent) -> bool {
    target(ev).is_some_and(|el| {
        el.closest("button, a[href], summary, [role='button'], [role='tab'], [role='checkbox']")
            .ok()
            .flatten()
            .is_some()
    })
}

/// Pixels the pointer must travel with the button down before a press becomes a drag.
const DRAG_START_PX: i32 = 6;

#[component]
pub fn Commander() -> impl IntoView {
    let ctx = use_ctx();
    let drag: RwSignal<Option<Drag>> = RwSignal::new(None);
    let moved = window_event_listener(ev::mousemove, move |ev| {
        if drag.with_untracked(Option::is_none) {
            return;
        }
        drag.update(|d| {
            if let Some(d) = d {
                d.at = (ev.client_x(), ev.client_y());
                let (dx, dy) = (d.at.0 - d.start.0, d.at.1 - d.start.1);
                d.moving |= dx.abs() + dy.abs() >= DRAG_START_PX;
            }
        });
    });
    let released = window_event_listener(ev::mouseup, move |ev| {
        let Some(d) = drag.try_update(Option::take).flatten() else {
            return;
        };
        if d.moving {
            drop_on(ctx, d, ev.client_x(), ev.client_y(), ev.shift_key());
        }
    });
    // The panes own the keyboard whenever no dialog or text field has it: a key that reaches
    // the window unhandled (the focus is on a breadcrumb, a remote in the sidebar, a header
    // button, or nowhere) goes to the active pane, whose list takes the focus back.
    let keys = window_event_listener(ev::keydown, move |ev| {
        if ev.default_prevented() {
            return;
        }
        if ctx.dialog.with_untracked(Option::is_some) {
            // Escape (and F3 a quick view) closes a dialog even when its focused control went
            // away (a bookmark just removed, a view re-rendered as its file arrived): the
            // dialogs' own handlers take it first when the focus is inside
            let viewing = ctx.dialog.with_untracked(|d| matches!(d, Some(Dialog::View { .. })));
            if ev.key() == "Escape" || (viewing && ev.key() == "F3") {
                ev.prevent_default();
                ctx.dialog.set(None);
                actions::commander::focus_pane(ctx, ctx.active_pane());
            }
            return;
        }
        if typing_or_modal(&ev) {
            return;
        }
        let Some(cmd) = keys::command(&ev.key(), ev.ctrl_key() || ev.meta_key(), ev.shift_key(), ev.alt_key()) else {
            return;
        };
        // a focused button, link or checkbox keeps Enter and Space: they press it
        if matches!(ev.key().as_str(), "Enter" | " ") && on_control(&ev) {
            return;
        }
        ev.prevent_default();
        let pane = ctx.active_pane();
        actions::commander::focus_pane(ctx, pane);
        actions::commander::run(ctx, pane, cmd);
    });
    // window listeners outlive the component unless removed (another tab replaces it)
    on_cleanup(move || {
        moved.remove();
        released.remove();
        keys.remove();
    });
    let key_button =
        move |id: &'static str, key: &'static str, cmd: Command, label: fn(&crate::i18n::Texts) -> &'static str| {
            view! {
                <button id=id class="fkey" on:click=move |_| actions::commander::run(ctx, ctx.active_pane(), cmd)>
                    <kbd>{key}</kbd>" "{move || label(ctx.t())}
                </button>
            }
        };
    view! {
        <div class="commander" class:dragging=move || drag.with(|d| d.as_ref().is_some_and(|d| d.moving))>
            <div class="panes">
                <PaneView idx=0 drag=drag/>
                <PaneView idx=1 drag=drag/>
            </div>
            <div class="fkeys" role="toolbar" aria-label=move || ctx.t().commands>
                {key_button("cmd-view", "F3", Command::View, |t| t.view)}
                {key_button("cmd-edit", "F4", Command::Edit, |t| t.edit)}
                {key_button("cmd-rename", "⇧F6", Command::Rename, |t| t.rename)}
                {key_button("cmd-copy", "F5", Command::Copy, |t| t.copy)}
                {key_button("cmd-move", "F6", Command::Move, |t| t.move_)}
                {key_button("cmd-mkdir", "F7", Command::NewFolder, |t| t.new_folder)}
                {key_button("cmd-delete", "F8", Command::Delete, |t| t.delete)}
                {key_button("cmd-props", "Alt+⏎", Command::Properties, |t| t.properties)}
                {key_button("cmd-refresh", "Ctrl+R", Command::Refresh, |t| t.refresh)}
                <button id="cmd-compare" class="fkey" on:click=move |_| actions::compare::compare_panes(ctx)>
                    <kbd>"⇧F2"</kbd>" "{move || ctx.c().compare}
                </button>
                <button id="cmd-find" class="fkey" on:click=move |_| actions::compare::search_here(ctx)>
                    <kbd>"Alt+F7"</kbd>" "{move || ctx.c().find}
                </button>
            </div>
            {move || drag.get().filter(|d| d.moving).map(|d| view! {
                <div class="drag-label" aria-hidden="true" style:left=format!("{}px", d.at.0 + 12) style:top=format!("{}px", d.at.1 + 12)>
                    {format!("{} × {}", d.names.len(), d.names.first().cloned().unwrap_or_default())}
                </div>
            })}
            <super::view::EditStrip/>
            <DialogHost/>
        </div>
    }
}

/// A drag ended at (`x`, `y`): on the other pane it asks to copy (move with Shift) into that
/// pane's folder, or into the folder row it was dropped on.
fn drop_on(ctx: crate::state::Ctx, d: Drag, x: i32, y: i32, shift: bool) {
    let Some(el) = document().element_from_point(x as f32, y as f32) else {
        return;
    };
    let Some(pane_el) = el.closest("[data-pane]").ok().flatten() else {
        return;
    };
    let Some(to) = pane_el.get_attribute("data-pane").and_then(|v| v.parse::<usize>().ok()) else {
        return;
    };
    if to == d.from {
        return;
    }
    let (from, target) = (ctx.panes[d.from], ctx.panes[to]);
    let (Some(src), Some(mut dst)) = (from.location.get_untracked(), target.location.get_untracked()) else {
        return;
    };
    let onto_dir = el
        .closest(".row[data-dir='true']")
        .ok()
        .flatten()
        .and_then(|r| r.dyn_into::<web_sys::Element>().ok())
        .and_then(|r| r.get_attribute("data-name"));
    if let Some(dir) = onto_dir {
        dst = dst.child(&dir);
    }
    let dirs = from.dirs_among(&d.names);
    let kind = if shift { BatchKind::Move } else { BatchKind::Copy };
    ctx.active.set(d.from);
    ctx.dialog.set(Some(Dialog::Transfer {
        kind,
        src,
        names: d.names,
        dirs,
        dst: Location::spec(&dst),
    }));
}
