//! Title bar: sidecar status, rclone version, language switch.

use leptos::prelude::*;
use rcmd_types::SidecarState;

use crate::{actions, state::use_ctx};

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
            Some(SidecarState::Restarting { attempt, problem, retry_in_ms }) => format!(
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
            <span class="spacer"></span>
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
