//! Title bar: sidecar status, rclone version, language switch.

use leptos::prelude::*;
use rcmd_types::{LinkState, SidecarState};

use crate::{
    actions, format,
    state::{use_ctx, Tab},
};

#[component]
pub fn Header() -> impl IntoView {
    let ctx = use_ctx();
    let state_name = move || match ctx.sidecar.get() {
        None => "starting",
        Some(SidecarState::Starting { .. }) => "starting",
        Some(SidecarState::Ready { .. }) => "ready",
        Some(SidecarState::Restarting { .. }) => "restarting",
        Some(SidecarState::Failed { .. }) => "failed",
        Some(SidecarState::Stopped) => "stopped",
    };
    let pid = move || match ctx.sidecar.get() {
        Some(SidecarState::Ready { pid, .. }) => pid.to_string(),
        _ => String::new(),
    };
    let label = move || {
        let t = ctx.t();
        match ctx.sidecar.get() {
            None => t.starting.to_owned(),
            Some(s @ SidecarState::Ready { .. }) | Some(s @ SidecarState::Stopped) => t.state_label(&s).to_owned(),
            Some(SidecarState::Starting { attempt }) if attempt > 1 => {
                format!("{} ({} {attempt})", t.starting, t.attempt)
            }
            Some(s @ SidecarState::Starting { .. }) => t.state_label(&s).to_owned(),
            Some(SidecarState::Restarting {
                attempt,
                problem,
                retry_in_ms,
            }) => format!(
                "{} — {} ({} {attempt}, {} {:.1} s)",
                t.restarting,
                t.problem(&problem),
                t.attempt,
                t.retry_in,
                retry_in_ms as f64 / 1000.0
            ),
            Some(SidecarState::Failed { problem }) => format!("{} — {}", t.failed, t.problem(&problem)),
        }
    };
    let version = move || match ctx.sidecar.get() {
        Some(SidecarState::Ready { version, .. }) => version,
        _ => String::new(),
    };
    let failed = move || matches!(ctx.sidecar.get(), Some(SidecarState::Failed { .. }));

    view! {
        <header class="header">
            <h1>"RCMD"</h1>
            <span id="sidecar-status" class="status" data-state=state_name data-pid=pid>
                <span class="dot"></span>
                {label}
            </span>
            <Show when=failed>
                <button id="restart-sidecar" on:click=move |_| actions::restart_sidecar(ctx)>
                    {move || ctx.t().restart}
                </button>
            </Show>
            <ConnectionStatus/>
            <span class="spacer"></span>
            <TotalSpeed/>
            <BwLimit/>
            <span class="version">
                {move || ctx.t().rclone_version} " "
                <span id="rclone-version">{version}</span>
            </span>
            <button id="lang-toggle" title="Language / 언어"
                on:click=move |_| ctx.lang.update(|l| *l = l.other())>
                {move || ctx.lang.get().other().texts().lang_name}
            </button>
        </header>
    }
}

/// Which connection the app talks to, and how that link is: "This computer", or
/// "Server nas — connected / offline, retrying in 2 s (why) / refused (why)".
#[component]
fn ConnectionStatus() -> impl IntoView {
    let ctx = use_ctx();
    let kind = move || match ctx.connection.get().and_then(|c| c.server) {
        Some(_) => "server",
        None => "local",
    };
    let state = move || {
        ctx.connection.get().map(|c| match c.state {
            LinkState::Local => "local",
            LinkState::Connecting => "connecting",
            LinkState::Connected => "connected",
            LinkState::Offline => "offline",
            LinkState::Refused => "refused",
        })
    };
    let label = move || {
        let t = ctx.t();
        let Some(c) = ctx.connection.get() else {
            return String::new();
        };
        let Some(name) = c.server else {
            return t.conn_local.to_owned();
        };
        let how = match c.state {
            LinkState::Local | LinkState::Connecting => t.conn_connecting.to_owned(),
            LinkState::Connected => match c.down_for_ms {
                Some(ms) => format!(
                    "{} ({} {:.1} s)",
                    t.conn_connected,
                    t.conn_back_after,
                    ms as f64 / 1000.0
                ),
                None => t.conn_connected.to_owned(),
            },
            LinkState::Offline => format!(
                "{} {} s ({})",
                t.conn_offline,
                c.retry_in_ms.map(|ms| ms.div_ceil(1000)).unwrap_or(1),
                c.error.unwrap_or_default()
            ),
            LinkState::Refused => format!(
                "{} — {}; {}",
                t.conn_refused,
                c.error.unwrap_or_default(),
                t.conn_refused_hint
            ),
        };
        format!("{} {name} — {how}", t.conn_server)
    };
    // the whole text and the address on hover: the line itself is cut to the header's width
    let title = move || {
        let url = ctx.connection.get().and_then(|c| c.url).unwrap_or_default();
        format!("{}\n{url}", label())
    };
    let refused = move || state() == Some("refused");
    // a refused token: the click opens where a new one goes
    let open_connection = move |_| {
        if refused() {
            open_connection_panel();
        }
    };
    view! {
        <span id="connection-status" class="status conn" data-kind=kind data-state=state title=title
            class:clickable=refused on:click=open_connection>
            <span class="dot"></span>
            <span class="conn-label">{label}</span>
        </span>
    }
}

/// Opens the sidebar's Connection section and brings it into view.
fn open_connection_panel() {
    let Some(panel) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("connection-panel"))
    else {
        return;
    };
    let _ = panel.set_attribute("open", "");
    panel.scroll_into_view();
}

/// The total speed of every transfer; a click shows the transfers view.
#[component]
fn TotalSpeed() -> impl IntoView {
    let ctx = use_ctx();
    let speed = move || ctx.stats.with(|s| s.as_ref().map(|s| s.speed).unwrap_or(0.0));
    let count = move || {
        ctx.stats
            .with(|s| s.as_ref().map(|s| s.transferring.len()).unwrap_or(0))
    };
    view! {
        <button id="total-speed" class="speed" data-speed=move || format!("{:.0}", speed())
            title=move || ctx.t().show_transfers on:click=move |_| ctx.tab.set(Tab::Transfers)>
            {move || format!("⇅ {}/s", format::size(speed() as i64))}
            {move || (count() > 0).then(|| format!(" · {}", count()))}
        </button>
    }
}

/// The live bandwidth limit (`core/bwlimit`): shown, and set from a preset or typed rate.
#[component]
fn BwLimit() -> impl IntoView {
    let ctx = use_ctx();
    let draft = RwSignal::new(String::new());
    let current = move || ctx.bwlimit.get().map(|b| b.rate).unwrap_or_default();
    // on a server only its admins change the limit: others see it, disabled, and why
    let may = move || ctx.connection.with(|c| c.as_ref().is_none_or(|c| c.may_administer()));
    let role = move || {
        ctx.connection
            .with(|c| c.as_ref().and_then(|c| c.role.clone()).unwrap_or_default())
    };
    let apply = move || {
        let rate = draft.get_untracked();
        let rate = if rate.trim().is_empty() { "off".to_owned() } else { rate };
        actions::commander::bwlimit(ctx, Some(rate));
        draft.set(String::new());
    };
    view! {
        <span class="bwlimit">
            <label for="bwlimit-input">{move || ctx.t().bwlimit}</label>
            <input id="bwlimit-input" type="text" list="bwlimit-presets" size="7" spellcheck="false"
                disabled=move || !may() placeholder=current prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))
                on:keydown=move |ev| if ev.key() == "Enter" { apply() }/>
            <datalist id="bwlimit-presets">
                {["off", "512K", "1M", "5M", "10M", "50M"].map(|v| view! { <option value=v></option> }).collect_view()}
            </datalist>
            <button id="bwlimit-apply" on:click=move |_| apply() disabled=move || !may()
                title=move || (!may()).then(|| format!("{} {}", ctx.t().admins_only, role()))>
                {move || ctx.t().apply}
            </button>
            <span id="bwlimit-current" class="muted" data-bps=move || ctx.bwlimit.get().map(|b| b.bytes_per_second.to_string()).unwrap_or_default()>
                {current}
            </span>
        </span>
    }
}
