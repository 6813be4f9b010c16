//! The configured remotes; a click opens one in the pane the keyboard works in.

use leptos::prelude::*;

use crate::{
    actions,
    state::{use_ctx, Location},
};

#[component]
pub fn RemoteList() -> impl IntoView {
    let ctx = use_ctx();
    let current = move || ctx.pane().location.get().map(|l| l.remote);
    view! {
        <section class="remotes">
            <div class="section-title">
                <h2>{move || ctx.t().remotes}</h2>
                <button class="link" id="refresh-remotes" on:click=move |_| actions::reload(ctx)>
                    {move || ctx.t().refresh}
                </button>
            </div>
            {move || match ctx.remotes.get() {
                None => view! { <p class="muted">{ctx.t().loading}</p> }.into_any(),
                Some(list) if list.is_empty() => view! { <p class="muted" id="no-remotes">{ctx.t().no_remotes}</p> }.into_any(),
                Some(list) => view! {
                    <ul id="remotes">
                        <For each=move || list.clone() key=|name| name.clone() children=move |name| {
                            let n = name.clone();
                            let selected = move || current().as_deref() == Some(n.as_str());
                            let target = name.clone();
                            view! {
                                <li data-remote=name.clone() class:selected=selected
                                    on:click=move |_| actions::open_active(ctx, Location::root(&target))>
                                    <span class="remote-name">{format!("{name}:")}</span>
                                    <BreakerBadge remote=name.clone()/>
                                </li>
                            }
                        }/>
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}

/// A dot and label for a remote's breaker, when it has one.
#[component]
fn BreakerBadge(remote: String) -> impl IntoView {
    let ctx = use_ctx();
    move || {
        let (snap, _) = ctx.breakers.with(|m| m.get(&remote).cloned())?;
        let state = format!("{:?}", snap.state).to_lowercase();
        let rate = snap
            .failure_rate
            .map(|r| format!(" {:.0}%", r * 100.0))
            .unwrap_or_default();
        Some(view! {
            <span class="breaker" data-breaker=state>
                <span class="bdot"></span>
                {format!("{}{rate}", ctx.t().breaker_state(snap.state))}
            </span>
        })
    }
}
