//! The log view: app and rclone lines from the log files, filtered by level and text, with
//! copy. A failed item's "log lines" link opens it filtered by the item's path.

use leptos::{prelude::*, task::spawn_local};
use rcmd_types::{LogLine, LogQuery};
use serde::Serialize;

use crate::{ipc, state::use_ctx};

#[derive(Serialize)]
struct QueryArgs<'a> {
    query: &'a LogQuery,
}

#[component]
pub fn Logs() -> impl IntoView {
    let ctx = use_ctx();
    let m = move || ctx.m();
    let level = RwSignal::new(String::new());
    let lines = RwSignal::new(None::<Vec<LogLine>>);
    let copied = RwSignal::new(false);
    let load = move || {
        let query = LogQuery {
            level: level.get_untracked(),
            text: ctx.log_filter.get_untracked(),
            limit: 2000,
        };
        spawn_local(async move {
            match ipc::invoke::<_, Vec<LogLine>>("logs_read", &QueryArgs { query: &query }).await {
                Ok(l) => {
                    let _ = lines.try_set(Some(l));
                }
                Err(e) => ctx.error.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| {
        level.track();
        ctx.log_filter.track();
        load();
    });
    let copy = move |_| {
        let text: String = lines.with_untracked(|l| {
            l.iter()
                .flatten()
                .map(|l| format!("{} {} {}: {}\n", l.at, l.level, l.target, l.message))
                .collect()
        });
        if let Some(w) = web_sys::window() {
            let _ = w.navigator().clipboard().write_text(&text);
            copied.set(true);
        }
    };
    view! {
        <section class="logs" id="logs-view">
            <div class="log-tools">
                <select id="log-level" aria-label=move || m().all_levels on:change=move |ev| level.set(event_target_value(&ev))>
                    <option value="">{move || m().all_levels}</option>
                    {["error", "warn", "info", "debug"].map(|l| view! { <option value=l>{l.to_uppercase()}</option> }).collect_view()}
                </select>
                <input id="log-text" type="search" spellcheck="false" placeholder=move || m().filter_text aria-label=move || m().filter_text
                    prop:value=move || ctx.log_filter.get() on:change=move |ev| ctx.log_filter.set(event_target_value(&ev))/>
                <button id="log-refresh" on:click=move |_| load()>{move || m().refresh}</button>
                <button id="log-copy" on:click=copy>{move || if copied.get() { m().copied } else { m().copy_lines }}</button>
            </div>
            {move || match lines.get() {
                None => view! { <p class="muted">{ctx.t().loading}</p> }.into_any(),
                Some(l) if l.is_empty() => view! { <p class="muted" id="no-log-lines">{m().no_lines}</p> }.into_any(),
                Some(l) => view! {
                    <ol id="log-lines" class="log-lines">
                        {l.into_iter().map(|l| view! {
                            <li class="log-line" data-level=l.level.to_lowercase()>
                                <span class="log-at">{l.at.get(11..23).unwrap_or(&l.at).to_owned()}</span>
                                <span class="log-level">{l.level.clone()}</span>
                                <span class="log-target">{l.target.clone()}</span>
                                <span class="log-msg">{l.message.clone()}</span>
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any(),
            }}
        </section>
    }
}
