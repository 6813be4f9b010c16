//! The transfers view: every file in flight with its progress, speed and ETA (rclone's
//! `core/stats`), the last finished and failed files, and the total speed of the last
//! minutes as an SVG line.

use leptos::prelude::*;

use crate::{
    actions::commander::CHART_WINDOW_MS,
    format,
    logic::chart::{nice_max, points},
    state::use_ctx,
};

const CHART_W: f64 = 600.0;
const CHART_H: f64 = 120.0;

#[component]
pub fn Transfers() -> impl IntoView {
    let ctx = use_ctx();
    view! {
        <section id="transfers" class="transfers">
            <SpeedChart/>
            <h2>{move || ctx.t().in_flight}</h2>
            {move || {
                let t = ctx.t();
                let now = ctx.stats.get().map(|s| s.transferring).unwrap_or_default();
                if now.is_empty() {
                    return view! { <p class="muted" id="no-transfers">{t.no_transfers}</p> }.into_any();
                }
                view! {
                    <table class="in-flight">
                        <thead><tr><th>{t.name}</th><th>{t.progress}</th><th class="num">{t.size}</th><th class="num">{t.speed}</th><th class="num">{t.eta}</th></tr></thead>
                        <tbody>
                            {now.into_iter().map(|f| view! {
                                <tr class="transfer" data-name=f.name.clone() data-pct=f.percentage.to_string()>
                                    <td class="tname">{f.name.clone()}</td>
                                    <td><progress max="100" value=f.percentage.to_string() aria-label=f.name.clone()></progress>
                                        {format!(" {}%", f.percentage)}</td>
                                    <td class="num">{format!("{} / {}", format::size(f.bytes as i64), format::size(f.size))}</td>
                                    <td class="num">{format!("{}/s", format::size(f.speed as i64))}</td>
                                    <td class="num">{f.eta_s.map(format::duration).unwrap_or_else(|| "—".into())}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }
                .into_any()
            }}
            <h2>{move || ctx.t().finished}</h2>
            {move || {
                let t = ctx.t();
                let done = ctx.stats.get().map(|s| s.done).unwrap_or_default();
                if done.is_empty() {
                    return view! { <p class="muted">{t.none_yet}</p> }.into_any();
                }
                view! {
                    <ul class="finished">
                        {done.into_iter().take(30).map(|d| {
                            let ok = d.error.is_empty();
                            view! {
                                <li class:failed=!ok data-name=d.name.clone()>
                                    <span class="mark" aria-hidden="true">{if ok { "✓" } else { "✗" }}</span>
                                    <span class="sr-only">{if ok { t.done } else { t.failed_word }}</span>
                                    <span class="tname">{d.name.clone()}</span>
                                    <span class="muted">{format::size(d.size)}</span>
                                    {(!ok).then(|| view! { <span class="error-text">{d.error.clone()}</span> })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </section>
    }
}

/// Total speed over the last five minutes; the y axis tops at a round value.
#[component]
fn SpeedChart() -> impl IntoView {
    let ctx = use_ctx();
    let top = Memo::new(move |_| nice_max(ctx.speed.with(|v| v.iter().map(|s| s.speed).fold(0.0, f64::max))));
    let line = move || {
        let now = js_sys::Date::now();
        ctx.speed
            .with(|v| points(v, now, CHART_WINDOW_MS, CHART_W, CHART_H, top.get()))
    };
    view! {
        <figure class="chart">
            <figcaption>{move || format!("{} — {}/s", ctx.t().speed_chart, format::size(ctx.stats.with(|s| s.as_ref().map(|s| s.speed).unwrap_or(0.0)) as i64))}</figcaption>
            <svg id="speed-chart" viewBox=format!("0 0 {CHART_W} {CHART_H}") preserveAspectRatio="none" role="img"
                aria-label=move || ctx.t().speed_chart data-samples=move || ctx.speed.with(Vec::len).to_string()>
                <line class="grid" x1="0" y1=CHART_H / 2.0 x2=CHART_W y2=CHART_H / 2.0/>
                <polyline class="speed" points=line fill="none"/>
            </svg>
            <div class="axis muted"><span>{move || ctx.t().chart_ago}</span><span>{move || format!("{} {}/s", ctx.t().chart_top, format::size(top.get() as i64))}</span><span>{move || ctx.t().now}</span></div>
        </figure>
    }
}
