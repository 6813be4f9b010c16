//! The page layout and the reactions to sidecar state.

use leptos::prelude::*;
use rcmd_types::SidecarState;

use crate::{
    actions,
    components::{BreakerPanel, Browser, ConnectionPanel, ErrorBanner, Header, Jobs, NotificationsPanel, RemoteList, SettingsPanel},
    state::{Ctx, Tab},
};

#[component]
pub fn App() -> impl IntoView {
    let ctx = Ctx::new();
    provide_context(ctx);
    actions::connect(ctx);

    // Each new ready rclone process (first start or restart) reloads what is on screen.
    let ready_pid = Memo::new(move |_| match ctx.sidecar.get() {
        Some(SidecarState::Ready { pid, .. }) => Some(pid),
        _ => None,
    });
    Effect::new(move |_| {
        if ready_pid.get().is_some() {
            actions::reload(ctx);
        }
    });
    Effect::new(move |_| {
        let lang = ctx.lang.get();
        lang.save();
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", lang.code());
        }
    });

    view! {
        <div class="app">
            <Header/>
            <ErrorBanner/>
            <div class="body">
                <aside class="sidebar">
                    <RemoteList/>
                    <BreakerPanel/>
                    <ConnectionPanel/>
                    <SettingsPanel/>
                    <NotificationsPanel/>
                </aside>
                <main class="content">
                    <nav class="tabs">
                        <button id="tab-files" class:active=move || ctx.tab.get() == Tab::Files
                            on:click=move |_| ctx.tab.set(Tab::Files)>{move || ctx.t().tab_files}</button>
                        <button id="tab-jobs" class:active=move || ctx.tab.get() == Tab::Jobs
                            on:click=move |_| ctx.tab.set(Tab::Jobs)>
                            {move || format!("{} ({})", ctx.t().tab_jobs, ctx.batches.with(|b| b.len()))}
                        </button>
                    </nav>
                    {move || match ctx.tab.get() {
                        Tab::Files => view! { <Browser/> }.into_any(),
                        Tab::Jobs => view! { <Jobs/> }.into_any(),
                    }}
                </main>
            </div>
        </div>
    }
}
