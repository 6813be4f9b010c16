//! The selected remote's circuit breaker: state, failure rate, last error with its class and
//! suggestion, time of the next probe, and reset / pause buttons.

use leptos::prelude::*;
use rcmd_types::BreakerState;

use crate::{actions, state::use_ctx};

#[component]
pub fn BreakerPanel() -> impl IntoView {
    let ctx = use_ctx();
    move || {
        let remote = ctx.pane().location.get()?.remote;
        let t = ctx.t();
        let entry = ctx.breakers.with(|m| m.get(&remote).cloned());
        let Some((snap, received_at)) = entry else {
            return Some(
                view! {
                    <section id="breaker-panel" class="breaker-panel">
                        <h2>{t.breaker}</h2>
                        <p class="muted">{t.no_calls_yet}</p>
                    </section>
                }
                .into_any(),
            );
        };
        let state = format!("{:?}", snap.state).to_lowercase();
        let state_attr = state.clone();
        let rate = snap
            .failure_rate
            .map(|r| format!("{:.0}%", r * 100.0))
            .unwrap_or_else(|| "—".into());
        let next = snap.next_probe_in_ms.map(|ms| {
            let at = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(received_at + ms as f64));
            String::from(at.to_locale_time_string(ctx.lang.get().code()))
        });
        let last = snap.last_failure.clone();
        let open = snap.state != BreakerState::Closed;
        let (r1, r2) = (remote.clone(), remote.clone());
        Some(
            view! {
                <section id="breaker-panel" class="breaker-panel" data-breaker=state_attr>
                    <h2>{t.breaker}</h2>
                    <p><span class="breaker" data-breaker=state><span class="bdot"></span>
                        <span id="breaker-state">{t.breaker_state(snap.state)}</span></span></p>
                    <p>{t.failure_rate} ": " <span id="breaker-rate">{rate}</span>
                       " · " {snap.consecutive_failures} " " {t.in_a_row}</p>
                    {next.map(|n| view! { <p>{t.next_probe} ": " <span id="breaker-next">{n}</span></p> })}
                    {last.map(|f| view! {
                        <div class="last-error">
                            <strong>{t.last_error}</strong>
                            <span class="class" data-class=format!("{:?}", f.class).to_lowercase()>{t.class(f.class)}</span>
                            <p class="detail">{f.message.clone()}</p>
                            <p id="breaker-suggestion" class="suggestion">{t.suggestion(&f).to_owned()}</p>
                        </div>
                    })}
                    <div class="buttons">
                        <button id="breaker-reset" disabled=!open
                            on:click=move |_| actions::breaker_action(ctx, "reset_breaker", r1.clone())>{t.reset}</button>
                        <button id="breaker-pause" disabled=snap.state == BreakerState::ForcedOpen
                            on:click=move |_| actions::breaker_action(ctx, "pause_remote", r2.clone())>{t.pause}</button>
                    </div>
                </section>
            }
            .into_any(),
        )
    }
}
