//! The commander's actions: what each key or button asks for, the confirmations, and the
//! backend calls behind them (new folder, rename, properties, transfer figures, bwlimit).

use leptos::{prelude::*, task::spawn_local};
use rcmd_types::{BatchKind, BwLimit, Properties, TransferStats};
use serde::Serialize;

use crate::{
    actions::{self, places, DirArgs, NoArgs},
    ipc,
    logic::{chart, keys::Command},
    state::{Ctx, Dialog, Location, Pane},
};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RenameArgs<'a> {
    remote: &'a str,
    path: &'a str,
    new_name: &'a str,
    is_dir: bool,
}

#[derive(Serialize)]
struct RateArgs {
    rate: Option<String>,
}

/// How many speed samples the chart keeps (one a second: five minutes).
pub const CHART_WINDOW_MS: f64 = 5.0 * 60_000.0;

/// Runs a keyboard command (or its button) in `pane`.
pub fn run(ctx: Ctx, pane: Pane, cmd: Command) {
    // the cursor moves need the shown names; nothing else copies them
    let rows = || pane.row_names();
    // any other key ends a type-ahead search
    if !matches!(cmd, Command::Find(_)) && pane.typeahead.with_untracked(|t| !t.text.is_empty()) {
        pane.typeahead.update(|t| t.reset());
    }
    match cmd {
        Command::SwitchPane => focus_pane(ctx, ctx.other_pane(pane)),
        Command::Open => match pane.at_cursor() {
            Some((loc, e)) if e.is_dir => actions::open(ctx, pane, loc.child(&e.name)),
            Some((loc, e)) => ask_properties(ctx, loc, e.name),
            None => {}
        },
        Command::Up => go_up(ctx, pane),
        Command::Refresh => actions::refresh(ctx, pane),
        Command::Compare => super::compare::compare_panes(ctx),
        Command::TwoWay => {
            if let (Some(l), Some(r)) = (ctx.panes[0].spec(), ctx.panes[1].spec()) {
                ctx.pair_prefill.set(Some((l, r)));
                ctx.tab.set(crate::state::Tab::Pairs);
            }
        }
        Command::Search => super::compare::search_here(ctx),
        Command::Copy => ask_transfer(ctx, pane, BatchKind::Copy),
        Command::Move => ask_transfer(ctx, pane, BatchKind::Move),
        Command::Delete => ask_delete(ctx, pane),
        Command::NewFolder => {
            if let Some(at) = pane.location.get_untracked() {
                ctx.dialog.set(Some(Dialog::NewFolder { at }));
            }
        }
        Command::Rename => {
            if let Some((at, e)) = pane.at_cursor() {
                ctx.dialog.set(Some(Dialog::Rename {
                    at,
                    name: e.name,
                    is_dir: e.is_dir,
                }));
            }
        }
        Command::Properties => {
            if let Some((loc, e)) = pane.at_cursor() {
                ask_properties(ctx, loc, e.name);
            }
        }
        Command::Cursor { delta, extend } => {
            let rows = rows();
            pane.sel.update(|s| s.move_by(&rows, delta, extend))
        }
        Command::Home { extend } => {
            let rows = rows();
            pane.sel.update(|s| s.move_by(&rows, -(rows.len() as isize), extend))
        }
        Command::End { extend } => {
            let rows = rows();
            pane.sel.update(|s| s.move_by(&rows, rows.len() as isize, extend))
        }
        Command::ToggleSelect => {
            let rows = rows();
            pane.sel.update(|s| s.toggle_cursor(&rows))
        }
        Command::SelectAll => {
            let rows = rows();
            pane.sel.update(|s| s.select_all(&rows))
        }
        Command::ClearSelection => pane.sel.update(|s| s.clear()),
        Command::InvertSelection => {
            let rows = rows();
            pane.sel.update(|s| s.invert(&rows))
        }
        Command::Pattern { select } => ctx.dialog.set(Some(Dialog::Pattern { select })),
        Command::Filter => focus(&format!("#{} .filter", pane.dom_id())),
        Command::Back => places::step(ctx, pane, false),
        Command::Forward => places::step(ctx, pane, true),
        Command::History => ctx.dialog.set(Some(Dialog::History { pane: pane.idx })),
        Command::PathField => pane.editing_path.set(true),
        Command::Hotlist => ctx.dialog.set(Some(Dialog::Hotlist)),
        Command::NewTab => places::new_tab(pane),
        Command::CloseTab => places::switch_tab(ctx, pane, pane.tabs.try_update(|t| t.close()).flatten()),
        Command::CycleTab { step } => places::switch_tab(ctx, pane, pane.tabs.try_update(|t| t.cycle(step)).flatten()),
        Command::Find(ch) => places::type_ahead(pane, ch),
        Command::View => match pane.at_cursor() {
            Some((loc, e)) if !e.is_dir => super::view::ask_view(ctx, loc, e.name),
            _ => {}
        },
        Command::Edit => match pane.at_cursor() {
            Some((loc, e)) if !e.is_dir => super::view::edit(ctx, loc, e.name),
            _ => {}
        },
    }
}

/// Moves the keyboard to `pane` (its list gets the focus).
pub fn focus_pane(ctx: Ctx, pane: Pane) {
    ctx.active.set(pane.idx);
    focus(&format!("#{} .list", pane.dom_id()));
}

/// Focuses the first element matching `css`, if any.
pub fn focus(css: &str) {
    let el = document().query_selector(css).ok().flatten();
    if let Some(el) = el.and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok()) {
        let _ = el.focus();
    }
}

pub fn go_up(ctx: Ctx, pane: Pane) {
    let Some(loc) = pane.location.get_untracked() else {
        return;
    };
    if let Some(parent) = loc.parent() {
        // the folder we came out of gets the cursor, as file managers do
        let left = loc.path.rsplit('/').next().unwrap_or_default().to_owned();
        pane.point_at.set(Some(left));
        actions::open(ctx, pane, parent);
    }
}

/// The selected entries of `pane` (or the cursor row), with which of them are folders.
fn targets(pane: Pane) -> (Vec<String>, Vec<String>) {
    let rows = pane.row_names();
    let names = pane.sel.with_untracked(|s| s.targets(&rows));
    let dirs = pane.dirs_among(&names);
    (names, dirs)
}

/// F5/F6: asks to copy or move the selection of `from` to the other pane's folder.
pub fn ask_transfer(ctx: Ctx, from: Pane, kind: BatchKind) {
    let Some(src) = from.location.get_untracked() else {
        return;
    };
    let (names, dirs) = targets(from);
    if names.is_empty() {
        return;
    }
    let dst = ctx
        .other_pane(from)
        .location
        .get_untracked()
        .map(|l| l.spec())
        .unwrap_or_default();
    ctx.dialog.set(Some(Dialog::Transfer {
        kind,
        src,
        names,
        dirs,
        dst,
    }));
}

pub fn ask_delete(ctx: Ctx, pane: Pane) {
    let Some(src) = pane.location.get_untracked() else {
        return;
    };
    let (names, dirs) = targets(pane);
    if !names.is_empty() {
        ctx.dialog.set(Some(Dialog::Delete { src, names, dirs }));
    }
}

/// The user said yes to the open dialog: do what it asked.
pub fn confirm(ctx: Ctx, dialog: Dialog, input: String) {
    match dialog {
        Dialog::Transfer { kind, src, names, .. } => {
            ctx.dialog.set(None);
            actions::transfer(ctx, kind, src, names, input);
            clear_selection(ctx);
        }
        Dialog::Delete { src, names, .. } => {
            ctx.dialog.set(None);
            actions::create_batch(
                ctx,
                BatchKind::Delete,
                src,
                names,
                None,
                Default::default(),
                Default::default(),
            );
            clear_selection(ctx);
        }
        // answered with its own buttons (actions::answer_conflict)
        Dialog::Conflict { .. } => {}
        Dialog::Pattern { select } => {
            ctx.dialog.set(None);
            let pane = ctx.active_pane();
            let rows = pane.row_names();
            pane.sel.update(|s| {
                s.by_pattern(&rows, &input, select);
            });
        }
        Dialog::NewFolder { at } => {
            let name = input.trim().to_owned();
            if name.is_empty() || name.contains('/') {
                return;
            }
            spawn_local(async move {
                let dir = at.child(&name);
                match ipc::invoke::<_, ()>("make_dir", &DirArgs::of(&dir)).await {
                    Ok(()) => {
                        ctx.dialog.set(None);
                        point_after_refresh(ctx, &at, name);
                    }
                    Err(e) => ctx.error.set(Some(e)),
                }
            });
        }
        Dialog::Rename { at, name, is_dir } => {
            let new_name = input.trim().to_owned();
            if new_name.is_empty() || new_name == name {
                ctx.dialog.set(None);
                return;
            }
            spawn_local(async move {
                let from = at.child(&name);
                let args = RenameArgs {
                    remote: &from.remote,
                    path: &from.path,
                    new_name: &new_name,
                    is_dir,
                };
                match ipc::invoke::<_, String>("rename", &args).await {
                    Ok(_) => {
                        ctx.dialog.set(None);
                        point_after_refresh(ctx, &at, new_name);
                    }
                    Err(e) => ctx.error.set(Some(e)),
                }
            });
        }
        Dialog::Properties { .. } | Dialog::Hotlist | Dialog::History { .. } | Dialog::View { .. } => {
            ctx.dialog.set(None)
        }
    }
}

fn clear_selection(ctx: Ctx) {
    ctx.active_pane().sel.update(|s| s.names.clear());
}

/// Refreshes the panes showing `at` and puts the active one's cursor on `name`.
fn point_after_refresh(ctx: Ctx, at: &Location, name: String) {
    let pane = ctx.active_pane();
    if pane.shows(at) {
        pane.point_at.set(Some(name));
    }
    actions::refresh_showing(ctx, at);
    focus_pane(ctx, pane);
}

pub fn ask_properties(ctx: Ctx, at: Location, name: String) {
    ctx.dialog.set(Some(Dialog::Properties {
        at: at.clone(),
        name: name.clone(),
        props: None,
    }));
    spawn_local(async move {
        let target = at.child(&name);
        let reply = ipc::invoke::<_, Properties>("properties", &DirArgs::of(&target)).await;
        ctx.dialog.update(|d| {
            if let Some(Dialog::Properties { at: a, name: n, props }) = d {
                if *a == at && *n == name {
                    *props = Some(reply.map_err(|e| e.message));
                }
            }
        });
    });
}

/// Reads the transfer figures once a second while the app runs: the header's total speed,
/// the transfers view and its chart; moves the page's clock (`ctx.clock`) on each round.
pub fn poll_stats(ctx: Ctx) {
    ctx.clock.set(js_sys::Date::now());
    spawn_local(async move {
        // only while something can answer: a server that is offline would log a failure a second
        let ready = match ctx.connection.get_untracked() {
            Some(c) if c.server.is_some() => c.state == rcmd_types::LinkState::Connected,
            _ => matches!(
                ctx.sidecar.get_untracked(),
                Some(rcmd_types::SidecarState::Ready { .. })
            ),
        };
        if !ready && ctx.stats.with_untracked(Option::is_some) {
            // nothing answers: a speed from before the outage would be shown as live
            ctx.stats.set(None);
        }
        if ready {
            let answered = ipc::invoke::<_, TransferStats>("transfer_stats", &NoArgs {}).await;
            // the link may have gone while the call was out: its answer is not live any more
            let still = ctx.connection.with_untracked(|c| {
                c.as_ref()
                    .is_none_or(|c| c.server.is_none() || c.state == rcmd_types::LinkState::Connected)
            });
            if let (Ok(s), true) = (answered, still) {
                let now = js_sys::Date::now();
                let speed = s.speed;
                ctx.stats.set(Some(s));
                ctx.speed.update(|v| {
                    v.push(chart::Sample { at_ms: now, speed });
                    chart::trim(v, now, CHART_WINDOW_MS);
                });
            }
        }
        set_timeout(move || poll_stats(ctx), std::time::Duration::from_secs(1));
    });
}

/// Reads the bandwidth limit, or sets it to `rate` ("off", "10M", "1M:512k").
pub fn bwlimit(ctx: Ctx, rate: Option<String>) {
    let rate_given = rate.is_some();
    spawn_local(async move {
        match ipc::invoke::<_, BwLimit>("bwlimit", &RateArgs { rate }).await {
            // (an error shown for something else stays)
            Ok(b) => ctx.bwlimit.set(Some(b)),
            // reading it: a server may not let this user (its answer is not worth a banner)
            Err(e) if rate_given => ctx.error.set(Some(e)),
            Err(_) => {}
        }
    });
}
