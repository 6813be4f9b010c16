//! Settings: which rclone config file the sidecar uses.

use leptos::prelude::*;

use crate::{
    actions,
    state::{use_ctx, Theme},
};

#[component]
pub fn SettingsPanel() -> impl IntoView {
    let ctx = use_ctx();
    let draft = RwSignal::new(String::new());
    let autostart = RwSignal::new(rcmd_types::AutostartState::default());
    leptos::task::spawn_local(async move {
        if let Ok(a) =
            crate::ipc::invoke::<_, rcmd_types::AutostartState>("autostart_state", &crate::actions::NoArgs {}).await
        {
            autostart.set(a);
        }
    });
    let set_autostart = move |enabled: bool, minimized: bool| {
        leptos::task::spawn_local(async move {
            match crate::actions::desktop::set_autostart(enabled, minimized).await {
                Ok(a) => autostart.set(a),
                Err(e) => ctx.error.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| draft.set(ctx.rclone_config.get().unwrap_or_default()));
    view! {
        <details class="settings" id="settings-panel">
            <summary>{move || ctx.t().settings}</summary>
            <div class="field">
            <label for="rclone-config">{move || ctx.t().rclone_config}</label>
            <input id="rclone-config" type="text" spellcheck="false"
                placeholder=move || ctx.t().rclone_config_hint
                prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))/>
            <button id="apply-config" on:click=move |_| actions::set_rclone_config(ctx, draft.get_untracked())>
                {move || ctx.t().apply}
            </button>
            </div>
            <div class="field">
            <label for="theme-select">{move || ctx.t().theme}</label>
            <select id="theme-select" prop:value=move || ctx.theme.get().code()
                on:change=move |ev| ctx.theme.set(Theme::from_code(&event_target_value(&ev)))>
                <option value="system" selected=move || ctx.theme.get() == Theme::System>{move || ctx.t().theme_system}</option>
                <option value="light" selected=move || ctx.theme.get() == Theme::Light>{move || ctx.t().theme_light}</option>
                <option value="dark" selected=move || ctx.theme.get() == Theme::Dark>{move || ctx.t().theme_dark}</option>
            </select>
            </div>
            <div class="field">
            <label for="zoom-select">{move || ctx.t().zoom}</label>
            <select id="zoom-select" prop:value=move || ctx.zoom.get().to_string()
                on:change=move |ev| { if let Ok(z) = event_target_value(&ev).parse::<u32>() { ctx.zoom.set(z) } }>
                {crate::logic::zoom::LEVELS.map(|z| view! { <option value=z.to_string() selected=move || ctx.zoom.get() == z>{format!("{z} %")}</option> }).collect_view()}
            </select>
            </div>
            <label class="check">
                <input id="auto-resume" type="checkbox" prop:checked=move || ctx.auto_resume.get()
                    on:change=move |ev| actions::set_auto_resume(ctx, event_target_checked(&ev))/>
                {move || ctx.t().auto_resume}
            </label>
            <label class="check">
                <input id="start-at-login" type="checkbox" prop:checked=move || autostart.get().enabled
                    on:change=move |ev| set_autostart(event_target_checked(&ev), autostart.get_untracked().minimized)/>
                {move || ctx.m().start_login}
            </label>
            <label class="check">
                <input id="start-minimized" type="checkbox" prop:checked=move || autostart.get().minimized
                    disabled=move || !autostart.get().enabled
                    on:change=move |ev| set_autostart(true, event_target_checked(&ev))/>
                {move || ctx.m().start_minimized}
            </label>
        </details>
    }
}
