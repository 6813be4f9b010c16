//! Scheduled batches: the list (readable "when", next and last run), an editor with presets
//! (cron underneath), the run history with missed and skipped runs, and the system timer
//! that runs them while RCMD is closed.

use leptos::{prelude::*, task::spawn_local};
use rcmd_types::{
    BatchKind, ConflictPolicy, Overlap, PairInfo, RunOutcome, ScheduleInfo, ScheduleRun, ScheduleSpec, TimerState,
    WatchStatus, WatchTrigger,
};
use serde::Serialize;

use crate::{
    actions::NoArgs,
    ipc,
    logic::when::{parse_time, When},
    state::use_ctx,
};

#[derive(Serialize)]
struct SaveArgs<'a> {
    id: Option<i64>,
    spec: &'a ScheduleSpec,
}

#[derive(Serialize)]
struct IdArgs {
    id: i64,
}

#[derive(Serialize)]
struct RunsArgs {
    id: Option<i64>,
}

#[derive(Serialize)]
struct TimerArgs {
    install: bool,
    cron: bool,
}

fn outcome_code(o: RunOutcome) -> &'static str {
    match o {
        RunOutcome::Started => "started",
        RunOutcome::StartedLate => "started-late",
        RunOutcome::Missed => "missed",
        RunOutcome::Skipped => "skipped",
        RunOutcome::Waiting => "waiting",
        RunOutcome::Failed => "failed",
    }
}

#[component]
pub fn Schedules() -> impl IntoView {
    let ctx = use_ctx();
    let m = move || ctx.m();
    let list = RwSignal::new(Vec::<ScheduleInfo>::new());
    let runs = RwSignal::new(Vec::<ScheduleRun>::new());
    let timer = RwSignal::new(None::<TimerState>);
    let watches = RwSignal::new(Vec::<WatchStatus>::new());
    let editing = RwSignal::new(None::<(Option<i64>, ScheduleSpec)>);
    let load = move || {
        spawn_local(async move {
            match ipc::invoke::<_, Vec<ScheduleInfo>>("schedule_list", &NoArgs {}).await {
                Ok(l) => {
                    let _ = list.try_set(l);
                }
                Err(e) => ctx.error.set(Some(e)),
            }
            if let Ok(r) = ipc::invoke::<_, Vec<ScheduleRun>>("schedule_runs", &RunsArgs { id: None }).await {
                let _ = runs.try_set(r);
            }
            if let Ok(t) = ipc::invoke::<_, TimerState>("schedule_timer_state", &NoArgs {}).await {
                let _ = timer.try_set(Some(t));
            }
            if let Ok(w) = ipc::invoke::<_, Vec<WatchStatus>>("watch_status", &NoArgs {}).await {
                let _ = watches.try_set(w);
            }
        });
    };
    // reload on every schedule event (a run started, was missed, ...)
    Effect::new(move |_| {
        ctx.schedule_rev.get();
        load();
    });
    let remove = move |id: i64| {
        spawn_local(async move {
            if let Err(e) = ipc::invoke::<_, ()>("schedule_remove", &IdArgs { id }).await {
                ctx.error.set(Some(e));
            }
            load();
        });
    };
    let toggle = move |info: ScheduleInfo, on: bool| {
        spawn_local(async move {
            let spec = ScheduleSpec {
                enabled: on,
                ..info.spec
            };
            if let Err(e) = ipc::invoke::<_, i64>(
                "schedule_save",
                &SaveArgs {
                    id: Some(info.id),
                    spec: &spec,
                },
            )
            .await
            {
                ctx.error.set(Some(e));
            }
            load();
        });
    };
    let set_timer = move |install: bool, cron: bool| {
        spawn_local(async move {
            match ipc::invoke::<_, TimerState>("schedule_timer", &TimerArgs { install, cron }).await {
                Ok(t) => timer.set(Some(t)),
                Err(e) => ctx.error.set(Some(e)),
            }
        });
    };
    let new_spec = move || ScheduleSpec {
        name: String::new(),
        cron: "0 2 * * *".into(),
        kind: BatchKind::Copy,
        src: String::new(),
        dst: Some(String::new()),
        overlap: Overlap::Skip,
        catch_up: true,
        enabled: true,
        on_conflict: ConflictPolicy::default(),
        sync: None,
        pair: None,
        watch: None,
    };
    view! {
        <section class="schedules" id="schedules-view">
            <div class="section-title">
                <h2>{move || m().tab_schedules}</h2>
                <button id="new-schedule" on:click=move |_| editing.set(Some((None, new_spec())))>{move || m().new_schedule}</button>
            </div>
            {move || list.with(Vec::is_empty).then(|| view! { <p class="muted" id="no-schedules">{m().no_schedules}</p> })}
            <ul id="schedules">
                <For each=move || list.get() key=|s| format!("{s:?}") children=move |s| {
                    let korean = ctx.t().korean;
                    let when = When::from_cron(&s.spec.cron).describe(korean);
                    let next = s.next_ms.map(crate::format::time_short_ms).unwrap_or_else(|| m().off.to_owned());
                    let last = s.last.as_ref().map(|r| format!("{} ({})", crate::format::time_short_ms(r.due_ms), m().outcome(r.outcome))).unwrap_or_else(|| m().never.to_owned());
                    let (s1, s2, s3) = (s.clone(), s.clone(), s.clone());
                    let kind = match s.spec.kind {
                        BatchKind::Move => m().move_,
                        BatchKind::Sync => ctx.c().tab_compare,
                        BatchKind::Bisync => ctx.pt().two_way,
                        _ => m().copy,
                    };
                    let id = s.id;
                    let watch = move || watches.with(|w| w.iter().find(|w| w.schedule_id == id).cloned());
                    view! {
                        <li data-schedule=s.id.to_string()>
                            <label class="check">
                                <input type="checkbox" class="enabled" title=m().enabled aria-label=m().enabled prop:checked=s.spec.enabled
                                    on:change=move |ev| toggle(s1.clone(), event_target_checked(&ev))/>
                                <strong class="sched-name">{s.spec.name.clone()}</strong>
                            </label>
                            <span class="sched-when">{when}</span>
                            <span class="sched-route">{format!("{kind}: {} → {}", s.spec.src, s.spec.dst.clone().unwrap_or_default())}</span>
                            <span class="sched-next">{format!("{} {next}", m().next_run)}</span>
                            <span class="sched-last">{format!("{} {last}", m().last_run)}</span>
                            {move || watch().map(|w| match w.problem {
                                None => view! { <span class="sched-watch" data-watching="true">{format!("👁 {} ({})", ctx.pt().watching, w.folders.join(", "))}</span> }.into_any(),
                                Some(p) => view! { <span class="sched-watch bad" data-watching="false">{format!("{}: {p}", ctx.pt().not_watching)}</span> }.into_any(),
                            })}
                            <button class="edit" on:click=move |_| editing.set(Some((Some(s2.id), s2.spec.clone())))>{m().edit}</button>
                            <button class="delete danger" on:click=move |_| remove(s3.id)>{m().delete}</button>
                        </li>
                    }
                }/>
            </ul>
            {move || editing.get().map(|(id, spec)| view! { <ScheduleEditor id spec editing on_saved=move || load()/> })}
            <h3>{move || m().history}</h3>
            <ul id="schedule-runs" class="runs">
                <For each=move || runs.get() key=|r| (r.schedule_id, r.due_ms, format!("{:?}", r.outcome), r.batch_id) children=move |r| {
                    view! {
                        <li class=format!("run outcome-{}", outcome_code(r.outcome)) data-outcome=outcome_code(r.outcome)>
                            <span>{crate::format::time_short_ms(r.due_ms)}</span>
                            <span>{r.schedule_name.clone()}</span>
                            <strong>{move || m().outcome(r.outcome)}</strong>
                            {r.batch_id.map(|b| view! { <span>{format!("#{}", rcmd_types::batch_id_text(b))}</span> })}
                            {r.detail.clone().map(|d| view! { <span class="muted">{d}</span> })}
                        </li>
                    }
                }/>
            </ul>
            <h3>{move || m().timer_title}</h3>
            {move || timer.get().map(|t| {
                let command = t.command.clone();
                if t.systemd {
                    view! {
                        <p id="timer-state" data-installed="true">{m().timer_on} <code>{command}</code></p>
                        <button id="timer-remove" on:click=move |_| set_timer(false, false)>{m().timer_remove}</button>
                    }.into_any()
                } else {
                    view! {
                        <p id="timer-state" data-installed="false">{m().timer_off} <code>{format!("* * * * * {command}")}</code></p>
                        <button id="timer-install" on:click=move |_| set_timer(true, false)>{m().timer_install}</button>
                        <button id="timer-cron" on:click=move |_| set_timer(true, true)>{m().timer_cron}</button>
                    }.into_any()
                }
            })}
        </section>
    }
}

/// The editor: presets ("every day at 02:00") or a cron expression, what to copy or move,
/// the overlap rule and catch-up.
#[component]
fn ScheduleEditor(
    id: Option<i64>,
    spec: ScheduleSpec,
    editing: RwSignal<Option<(Option<i64>, ScheduleSpec)>>,
    on_saved: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = use_ctx();
    let m = move || ctx.m();
    let initial = When::from_cron(&spec.cron);
    let preset = RwSignal::new(match initial {
        When::Daily { .. } => "daily",
        When::Hourly { .. } => "hourly",
        When::Weekly { .. } => "weekly",
        When::Custom(_) => "custom",
    });
    let (h0, m0, d0) = match initial {
        When::Daily { hour, minute } => (hour, minute, 1),
        When::Weekly { weekday, hour, minute } => (hour, minute, weekday),
        When::Hourly { minute } => (2, minute, 1),
        When::Custom(_) => (2, 0, 1),
    };
    let time = RwSignal::new(format!("{h0:02}:{m0:02}"));
    let minute = RwSignal::new(m0.to_string());
    let weekday = RwSignal::new(d0);
    let cron = RwSignal::new(spec.cron.clone());
    let name = RwSignal::new(spec.name.clone());
    let kind = RwSignal::new(spec.kind);
    let src = RwSignal::new(spec.src.clone());
    let dst = RwSignal::new(spec.dst.clone().unwrap_or_default());
    let overlap = RwSignal::new(spec.overlap);
    let on_conflict = RwSignal::new(spec.on_conflict);
    let catch_up = RwSignal::new(spec.catch_up);
    let pair = RwSignal::new(spec.pair);
    let pairs = RwSignal::new(Vec::<PairInfo>::new());
    let watch_on = RwSignal::new(spec.watch.is_some());
    let quiet = RwSignal::new(spec.watch.unwrap_or_default().quiet_secs.to_string());
    let error = RwSignal::new(None::<String>);
    let enabled = spec.enabled;
    // what the editor does not show is kept as it was (a sync's filter and guard)
    let kept_sync = spec.sync.clone();
    spawn_local(async move {
        if let Ok(l) = ipc::invoke::<_, Vec<PairInfo>>("pair_list", &NoArgs {}).await {
            if pair.get_untracked().is_none() {
                pair.set(l.first().map(|p| p.id));
            }
            let _ = pairs.try_set(l);
        }
    });
    // the chosen "when", or why it is not valid
    let when = Memo::new(move |_| -> Result<When, String> {
        let (h, mi) = parse_time(&time.get()).ok_or_else(|| format!("{}: HH:MM", m().at_time))?;
        Ok(match preset.get() {
            "daily" => When::Daily { hour: h, minute: mi },
            "hourly" => When::Hourly {
                minute: minute
                    .get()
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|v| *v < 60)
                    .ok_or_else(|| m().at_minute.to_owned())?,
            },
            "weekly" => When::Weekly {
                weekday: weekday.get(),
                hour: h,
                minute: mi,
            },
            _ => When::Custom(cron.get()),
        })
    });
    let save = move || {
        let w = match when.get_untracked() {
            Ok(w) => w,
            Err(e) => {
                error.set(Some(e));
                return;
            }
        };
        let watch = if watch_on.get_untracked() {
            match quiet.get_untracked().trim().parse::<u32>() {
                Ok(q) if q > 0 => Some(WatchTrigger { quiet_secs: q }),
                _ => {
                    error.set(Some(format!("{}: 1-3600", ctx.pt().watch_quiet)));
                    return;
                }
            }
        } else {
            None
        };
        let kind_now = kind.get_untracked();
        // a two-way schedule runs its pair; its sides are shown as source and destination
        let (src_now, dst_now, pair_now) = if kind_now == BatchKind::Bisync {
            let chosen = pair.get_untracked();
            let p = pairs.with_untracked(|l| l.iter().find(|p| Some(p.id) == chosen).cloned());
            match p {
                Some(p) => (p.spec.path1, Some(p.spec.path2), Some(p.id)),
                None => {
                    error.set(Some(ctx.pt().none.to_owned()));
                    return;
                }
            }
        } else {
            (
                src.get_untracked().trim().to_owned(),
                Some(dst.get_untracked().trim().to_owned()),
                None,
            )
        };
        let spec = ScheduleSpec {
            name: name.get_untracked().trim().to_owned(),
            cron: w.to_cron(),
            kind: kind_now,
            src: src_now,
            dst: dst_now,
            overlap: overlap.get_untracked(),
            catch_up: catch_up.get_untracked(),
            enabled,
            on_conflict: on_conflict.get_untracked(),
            sync: if kind_now == BatchKind::Sync {
                kept_sync.clone()
            } else {
                None
            },
            pair: pair_now,
            watch,
        };
        spawn_local(async move {
            match ipc::invoke::<_, i64>("schedule_save", &SaveArgs { id, spec: &spec }).await {
                Ok(_) => {
                    editing.set(None);
                    on_saved();
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    view! {
        <form class="schedule-editor" id="schedule-editor" on:submit=move |ev| { ev.prevent_default(); save(); }>
            <label for="sched-name">{move || m().name}</label>
            <input id="sched-name" type="text" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            <label for="sched-kind">{move || m().action}</label>
            <select id="sched-kind" on:change=move |ev| kind.set(match event_target_value(&ev).as_str() { "move" => BatchKind::Move, "sync" => BatchKind::Sync, "bisync" => BatchKind::Bisync, _ => BatchKind::Copy })>
                <option value="copy" selected=spec.kind == BatchKind::Copy>{move || m().copy}</option>
                <option value="move" selected=spec.kind == BatchKind::Move>{move || m().move_}</option>
                <option value="sync" selected=spec.kind == BatchKind::Sync>{move || ctx.c().mirror}</option>
                <option value="bisync" selected=spec.kind == BatchKind::Bisync>{move || ctx.pt().two_way}</option>
            </select>
            {move || if kind.get() == BatchKind::Bisync {
                view! {
                    <label for="sched-pair">{ctx.pt().pair}</label>
                    <select id="sched-pair" on:change=move |ev| pair.set(event_target_value(&ev).parse().ok())>
                        {move || pairs.get().into_iter().map(|p| view! {
                            <option value=p.id.to_string() selected=pair.get_untracked() == Some(p.id)>{format!("{} ({} ⇄ {})", p.spec.name, p.spec.path1, p.spec.path2)}</option>
                        }).collect_view()}
                    </select>
                }.into_any()
            } else {
                view! {
                    <label for="sched-src">{m().source}</label>
                    <input id="sched-src" type="text" spellcheck="false" placeholder="remote:path" prop:value=move || src.get() on:input=move |ev| src.set(event_target_value(&ev))/>
                    <label for="sched-dst">{m().destination}</label>
                    <input id="sched-dst" type="text" spellcheck="false" placeholder="remote:path" prop:value=move || dst.get() on:input=move |ev| dst.set(event_target_value(&ev))/>
                }.into_any()
            }}
            <label for="sched-when">{move || m().when}</label>
            <select id="sched-when" on:change=move |ev| {
                let v = event_target_value(&ev);
                preset.set(match v.as_str() { "hourly" => "hourly", "weekly" => "weekly", "custom" => "custom", _ => "daily" });
            }>
                <option value="daily" selected=move || preset.get() == "daily">{move || m().daily}</option>
                <option value="hourly" selected=move || preset.get() == "hourly">{move || m().hourly}</option>
                <option value="weekly" selected=move || preset.get() == "weekly">{move || m().weekly}</option>
                <option value="custom" selected=move || preset.get() == "custom">{move || m().custom}</option>
            </select>
            {move || match preset.get() {
                "hourly" => view! {
                    <label for="sched-minute">{m().at_minute}</label>
                    <input id="sched-minute" type="number" min="0" max="59" prop:value=move || minute.get() on:input=move |ev| minute.set(event_target_value(&ev))/>
                }.into_any(),
                "custom" => view! {
                    <label for="sched-cron">{m().cron}</label>
                    <input id="sched-cron" type="text" spellcheck="false" prop:value=move || cron.get() on:input=move |ev| cron.set(event_target_value(&ev))/>
                }.into_any(),
                p => view! {
                    {(p == "weekly").then(|| view! {
                        <label for="sched-weekday">{m().weekday}</label>
                        <select id="sched-weekday" on:change=move |ev| weekday.set(event_target_value(&ev).parse().unwrap_or(1))>
                            {(0u32..7).map(|d| view! { <option value=d.to_string() selected=weekday.get_untracked() == d>{m().weekdays[d as usize]}</option> }).collect_view()}
                        </select>
                    })}
                    <label for="sched-time">{m().at_time}</label>
                    <input id="sched-time" type="text" inputmode="numeric" placeholder="02:00" prop:value=move || time.get() on:input=move |ev| time.set(event_target_value(&ev))/>
                }.into_any(),
            }}
            <p id="sched-preview" class="muted">{move || match when.get() {
                Ok(w) => format!("{} ({})", w.describe(ctx.t().korean), w.to_cron()),
                Err(e) => e,
            }}</p>
            <label for="sched-conflict">{move || ctx.t().existing_files}</label>
            <select id="sched-conflict" on:change=move |ev| on_conflict.set(ConflictPolicy::parse(&event_target_value(&ev)).unwrap_or_default())>
                {ConflictPolicy::ALL.map(|p| view! {
                    <option value=p.as_str() selected=spec.on_conflict == p>{move || ctx.t().policy(p)}</option>
                }).collect_view()}
            </select>
            <label for="sched-overlap">{move || m().overlap}</label>
            <select id="sched-overlap" on:change=move |ev| overlap.set(if event_target_value(&ev) == "wait" { Overlap::Wait } else { Overlap::Skip })>
                <option value="skip" selected=spec.overlap == Overlap::Skip>{move || m().overlap_skip}</option>
                <option value="wait" selected=spec.overlap == Overlap::Wait>{move || m().overlap_wait}</option>
            </select>
            <label class="check">
                <input id="sched-catchup" type="checkbox" prop:checked=move || catch_up.get() on:change=move |ev| catch_up.set(event_target_checked(&ev))/>
                {move || m().catch_up}
            </label>
            <label class="check">
                <input id="sched-watch" type="checkbox" prop:checked=move || watch_on.get() on:change=move |ev| watch_on.set(event_target_checked(&ev))/>
                {move || ctx.pt().watch}
            </label>
            {move || watch_on.get().then(|| view! {
                <label for="sched-quiet">{ctx.pt().watch_quiet}</label>
                <input id="sched-quiet" type="number" min="1" max="3600" prop:value=move || quiet.get() on:input=move |ev| quiet.set(event_target_value(&ev))/>
                <p class="muted">{ctx.pt().watch_note}</p>
            })}
            {move || error.get().map(|e| view! { <p class="bad" id="sched-error" role="alert">{e}</p> })}
            <div class="buttons">
                <button id="sched-save" type="submit">{move || m().save}</button>
                <button id="sched-cancel" type="button" on:click=move |_| editing.set(None)>{move || m().cancel}</button>
            </div>
        </form>
    }
}
