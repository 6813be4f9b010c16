//! The job queue: each batch with its progress bar (items and bytes), speed, ETA, status and
//! actions; a detail view with the failed items and their suggestions.

use leptos::prelude::*;
use rcmd_types::{batch_id_text, BatchInfo, BatchStatus};

use crate::{actions, format, state::use_ctx};

#[component]
pub fn Jobs() -> impl IntoView {
    let ctx = use_ctx();
    view! {
        <section id="jobs" class="jobs">
            {move || {
                let list: Vec<BatchInfo> = ctx.batches.get().into_values().rev().collect();
                if list.is_empty() {
                    view! { <p class="muted placeholder" id="no-jobs">{ctx.t().no_jobs}</p> }.into_any()
                } else {
                    view! {
                        <ul class="job-list">
                            <For each=move || list.clone() key=|b| (b.id, format!("{:?}", b.status), b.counts.done, b.counts.failed)
                                children=move |b| view! { <JobRow batch=b/> }/>
                        </ul>
                    }
                    .into_any()
                }
            }}
            <Report/>
        </section>
    }
}

#[component]
pub fn JobRow(batch: BatchInfo) -> impl IntoView {
    let ctx = use_ctx();
    let id = batch.id;
    let status = batch.status;
    let progress = move || ctx.progress.with(|m| m.get(&id).cloned());
    let (items_done, items_total, bytes_done, bytes_total) = (
        batch.counts.done,
        batch.counts.total(),
        batch.counts.bytes_done,
        batch.counts.bytes_total,
    );
    let live = move || {
        progress()
            // a started batch reports "queued" until its first state change: progress frames
            // are its live state either way
            .filter(|_| matches!(status, BatchStatus::Running | BatchStatus::Queued))
            .map(|p| {
                (
                    p.items_done,
                    p.items_total,
                    p.bytes_done,
                    p.bytes_total,
                    p.speed,
                    p.eta_s,
                )
            })
            .unwrap_or((items_done, items_total, bytes_done, bytes_total, 0.0, None))
    };
    let pct = move || {
        let (_, _, b, bt, _, _) = live();
        if bt == 0 {
            0.0
        } else {
            b as f64 * 100.0 / bt as f64
        }
    };
    // a server's batch while the server cannot be reached: what was seen last, marked so (no
    // speed or time left that nothing backs)
    let stale = move || {
        matches!(status, BatchStatus::Running | BatchStatus::Queued)
            && ctx.connection.with(|c| {
                c.as_ref().is_some_and(|c| {
                    c.server.is_some()
                        && matches!(c.state, rcmd_types::LinkState::Offline | rcmd_types::LinkState::Refused)
                })
            })
    };
    let failed = batch.counts.failed;
    // a delete has no destination: no arrow pointing at nothing
    let (kind, src, dst, created) = (batch.kind, batch.src.clone(), batch.dst.clone(), batch.created_at_ms);
    let title = move || {
        let t = ctx.t();
        match &dst {
            Some(d) => format!("#{} {} {src} → {d}", batch_id_text(id), t.batch_kind(kind)),
            None => format!("#{} {} {src}", batch_id_text(id), t.batch_kind(kind)),
        }
    };
    let when = move || format::time_ms(created, ctx.lang.get().code());
    // run by another process (the command line, another app): shown, not controlled here
    let elsewhere = batch.runner.clone().filter(|_| status == BatchStatus::Running);
    let here = elsewhere.is_none();
    let state_attr = if here {
        format!("{status:?}").to_lowercase()
    } else {
        "elsewhere".to_owned()
    };
    let reason = batch.pause_reason.clone();
    let can_retry = failed > 0 && !status.is_resumable();
    view! {
        <li class="job" data-batch=id.to_string() data-status=state_attr data-stale=move || stale().to_string()
            class:stale=stale>
            <div class="job-head">
                <span class="job-title">{title}</span>
                <time class="job-time muted">{when}</time>
                <span class="job-status">{
                    let elsewhere = elsewhere.clone();
                    move || match &elsewhere {
                        Some(r) => format!("{} ({r})", ctx.t().running_elsewhere),
                        None => ctx.t().batch_status(status).to_string(),
                    }
                }</span>
            </div>
            <div class="bar"><div class="fill" style:width=move || format!("{:.1}%", pct())></div></div>
            <div class="job-meta">
                {move || {
                    let (d, t, b, bt, speed, eta) = live();
                    let tx = ctx.t();
                    let mut s = format!("{d}/{} · {} / {}", tx.count_items(t), format::size(b as i64), format::size(bt as i64));
                    // bytes standing still: no speed and no (climbing) ETA, but for how long (read
                    // against the page's 1 s clock: shown at 10 s even when no frame comes)
                    let stalled = (status == BatchStatus::Running)
                        .then(|| ctx.progress_seen.with(|m| m.get(&id).and_then(|s| s.stalled_for(ctx.clock.get()))))
                        .flatten();
                    if stale() {
                        s.push_str(&format!(" · {}", tx.stale_unreachable));
                    } else if let Some(secs) = stalled {
                        s.push_str(&format!(" · {} {secs} s", tx.no_progress_for));
                    } else {
                        if speed > 0.0 {
                            s.push_str(&format!(" · {}/s", format::size(speed as i64)));
                        }
                        if let Some(e) = eta {
                            s.push_str(&format!(" · {:.0} s {}", e, tx.eta));
                        }
                    }
                    if failed > 0 {
                        s.push_str(&format!(" · {failed} ✗"));
                    }
                    s
                }}
            </div>
            {reason.map(|r| view! { <div class="job-reason muted">{r}</div> })}
            <div class="job-buttons">
                <Show when=move || here && status == BatchStatus::Running>
                    <button class="pause" on:click=move |_| actions::batch_action(ctx, "batch_pause", id)>{move || ctx.t().pause}</button>
                </Show>
                <Show when=move || matches!(status, BatchStatus::Paused | BatchStatus::Queued)>
                    <button class="resume" on:click=move |_| actions::batch_action(ctx, "batch_resume", id)>{move || ctx.t().resume}</button>
                </Show>
                <Show when=move || here && status.is_resumable()>
                    <button class="cancel" on:click=move |_| actions::batch_action(ctx, "batch_cancel", id)>{move || ctx.t().cancel}</button>
                </Show>
                <Show when=move || can_retry>
                    <button class="retry" on:click=move |_| actions::batch_action(ctx, "batch_retry_failed", id)>{move || ctx.t().retry_failed}</button>
                </Show>
                <button class="details" on:click=move |_| actions::show_report(ctx, id)>{move || ctx.t().details}</button>
            </div>
        </li>
    }
}

#[component]
fn Report() -> impl IntoView {
    let ctx = use_ctx();
    move || {
        let r = ctx.report.get()?;
        let t = ctx.t();
        Some(view! {
            <div id="job-report" class="report">
                <h3>{format!("#{} — {}", batch_id_text(r.batch.id), t.batch_status(r.batch.status))}
                    <button class="link" on:click=move |_| ctx.report.set(None)>{t.dismiss}</button></h3>
                <p class="report-counts">{format!("{} / {} · {} ✗", r.batch.counts.done, t.count_items(r.batch.counts.total()), r.batch.counts.failed)}</p>
                // what it moved, how long it took, and what it went through
                <p class="report-bytes" data-bytes=r.batch.counts.bytes_done.to_string()>{format!(
                    "{} / {} · {} {}",
                    format::size(r.batch.counts.bytes_done as i64),
                    format::size(r.batch.counts.bytes_total as i64),
                    t.report_took,
                    format::duration((r.batch.updated_at_ms - r.batch.created_at_ms).max(0) as u64 / 1000)
                )}</p>
                {(r.retried > 0).then(|| view! { <p class="report-retried">{format!("{} {}", t.report_retried, r.retried)}</p> })}
                {ctx.outages.with(|o| o.get(&r.batch.id).cloned()).map(|downs| view! {
                    <p class="report-outages" data-count=downs.len().to_string()>{format!(
                        "{} {}",
                        t.report_outages,
                        downs.iter().map(|ms| format!("{:.1} s", *ms as f64 / 1000.0)).collect::<Vec<_>>().join(", ")
                    )}</p>
                })}
                {r.batch.on_conflict.map(|p| view! {
                    <p class="on-conflict" data-policy=p.as_str()>{format!("{}: {}", t.existing_files, t.policy(p))}</p>
                })}
                {(!r.skipped.is_empty()).then(|| view! {
                    <h4>{format!("{} ({})", t.skipped_items, r.batch.counts.skipped)}</h4>
                    <ul class="skipped-items">
                        {r.skipped.iter().map(|k| view! {
                            <li data-path=k.path.clone()><code>{k.path.clone()}</code>" — "{match k.reason.as_str() {
                                rcmd_types::KEPT_NEWER => t.kept_newer.to_owned(),
                                rcmd_types::KEPT_EXISTING => t.kept_existing.to_owned(),
                                other => other.to_owned(),
                            }}</li>
                        }).collect_view()}
                    </ul>
                })}
                {(!r.renamed.is_empty()).then(|| view! {
                    <h4>{t.renamed_items}</h4>
                    <ul class="renamed-items">
                        {r.renamed.iter().map(|k| view! {
                            <li data-path=k.path.clone() data-to=k.to.clone()><code>{k.path.clone()}</code>" → "<code>{k.to.clone()}</code></li>
                        }).collect_view()}
                    </ul>
                })}
                {(!r.failed.is_empty()).then(|| view! {
                    <h4>{t.failed_items}</h4>
                    <ul class="failed-items">
                        {r.failed.iter().map(|f| view! {
                            <li data-path=f.path.clone()>
                                <strong>{f.path.clone()}</strong>
                                {f.class.map(|c| view! { <span class="class">{t.class(c)}</span> })}
                                <p class="detail">{f.error.clone()}</p>
                                <p class="suggestion">{if t.korean { f.suggestion_ko.clone() } else { f.suggestion_en.clone() }}</p>
                                <FailedLinks path=f.path.clone() reason=f.reason/>
                            </li>
                        }).collect_view()}
                    </ul>
                })}
            </div>
        })
    }
}

/// A failed item's links: its log lines (the log view filtered by its path) and, for an
/// expired login, the remote setup where "Reconnect" is.
#[component]
fn FailedLinks(path: String, reason: Option<rcmd_types::FailureReason>) -> impl IntoView {
    let ctx = use_ctx();
    let reconnect = matches!(
        reason,
        Some(rcmd_types::FailureReason::NeedsReconnect | rcmd_types::FailureReason::Unauthorized)
    );
    view! {
        <button class="link log-link" on:click=move |_| {
            ctx.log_filter.set(path.clone());
            ctx.tab.set(crate::state::Tab::Logs);
        }>{move || ctx.m().log_lines}</button>
        {reconnect.then(|| view! {
            <button class="link reconnect-link" on:click=move |_| ctx.tab.set(crate::state::Tab::Setup)>{move || ctx.m().reconnect}</button>
        })}
    }
}
