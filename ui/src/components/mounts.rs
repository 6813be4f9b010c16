//! The Mounts tab: mounts (state live from the engine's supervisor, pending uploads, add,
//! mount, unmount with the pending-uploads question, remove), serves (always with a
//! generated password unless the user chooses none on loopback; the password shown once),
//! and a remote's usage with "empty trash".

use leptos::{prelude::*, task::spawn_local};
use rcmd_types::{
    CacheMode, MountSpec, MountState, MountStatus, MountSupport, MountView, PendingChoice, PendingUploads, RemoteUsage,
    ServeCreated, ServeProtocol, ServeSpec, ServeView,
};
use serde::Serialize;

use crate::{actions::NoArgs, format, ipc, state::use_ctx};

#[derive(Serialize)]
struct NameArgs<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct SaveArgs<'a> {
    spec: &'a MountSpec,
    replace: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DownArgs<'a> {
    name: &'a str,
    choice: PendingChoice,
    wait_secs: u64,
}

#[derive(Serialize)]
struct ServeAddArgs<'a> {
    spec: &'a ServeSpec,
    auth: bool,
}

#[derive(Serialize)]
struct RemoteArgs<'a> {
    remote: &'a str,
}

/// How long "wait for the uploads" waits before asking again.
const UPLOAD_WAIT_SECS: u64 = 600;

fn state_class(s: MountState) -> &'static str {
    match s {
        MountState::Mounted => "ok",
        MountState::Degraded | MountState::Recovering | MountState::Mounting | MountState::Unmounting => "warn",
        MountState::Failed => "bad",
        MountState::Stopped => "muted",
    }
}

fn state_code(s: MountState) -> &'static str {
    match s {
        MountState::Stopped => "stopped",
        MountState::Mounting => "mounting",
        MountState::Mounted => "mounted",
        MountState::Degraded => "degraded",
        MountState::Recovering => "recovering",
        MountState::Failed => "failed",
        MountState::Unmounting => "unmounting",
    }
}

#[component]
pub fn Mounts() -> impl IntoView {
    let ctx = use_ctx();
    let mounts = RwSignal::new(Vec::<MountView>::new());
    let serves = RwSignal::new(Vec::<ServeView>::new());
    let support = RwSignal::new(None::<MountSupport>);
    let pending = RwSignal::new(None::<PendingUploads>);
    let busy = RwSignal::new(None::<String>);
    let load = move || {
        spawn_local(async move {
            match ipc::invoke::<_, Vec<MountView>>("mount_list", &NoArgs {}).await {
                Ok(l) => {
                    // what the list says is newer than older events
                    ctx.mount_states.update(|s| {
                        for m in &l {
                            s.insert(m.spec.name.clone(), m.status.clone());
                        }
                    });
                    let _ = mounts.try_set(l);
                }
                Err(e) => ctx.error.set(Some(e)),
            }
            if let Ok(l) = ipc::invoke::<_, Vec<ServeView>>("serve_list", &NoArgs {}).await {
                ctx.mount_states.update(|s| {
                    for v in &l {
                        s.insert(v.spec.name.clone(), v.status.clone());
                    }
                });
                let _ = serves.try_set(l);
            }
            if let Ok(s) = ipc::invoke::<_, MountSupport>("mount_support", &NoArgs {}).await {
                let _ = support.try_set(Some(s));
            }
        });
    };
    load();
    let status_of = move |name: &str, fallback: &MountStatus| {
        ctx.mount_states
            .with(|s| s.get(name).cloned())
            .unwrap_or_else(|| fallback.clone())
    };
    let act = move |cmd: &'static str, name: String| {
        busy.set(Some(name.clone()));
        spawn_local(async move {
            if let Err(e) = ipc::invoke::<_, ()>(cmd, &NameArgs { name: &name }).await {
                ctx.error.set(Some(e));
            }
            busy.set(None);
            load();
        });
    };
    let down = move |name: String, choice: PendingChoice| {
        busy.set(Some(name.clone()));
        pending.set(None);
        spawn_local(async move {
            let wait_secs = if choice == PendingChoice::Wait {
                UPLOAD_WAIT_SECS
            } else {
                0
            };
            let args = DownArgs {
                name: &name,
                choice,
                wait_secs,
            };
            match ipc::invoke::<_, Option<PendingUploads>>("mount_down", &args).await {
                Ok(Some(p)) => pending.set(Some(p)),
                Ok(None) => {}
                Err(e) => ctx.error.set(Some(e)),
            }
            busy.set(None);
            load();
        });
    };
    let cancel = move |name: String| {
        spawn_local(async move {
            let _ = ipc::invoke::<_, bool>("mount_cancel", &NameArgs { name: &name }).await;
        });
    };
    let mt = move || ctx.mt();
    view! {
        <section class="mounts" id="mounts-view">
            <h2>{move || mt().mounts}</h2>
            {move || support.get().and_then(|s| s.missing).map(|m| view! {
                <p class="bad" id="mount-missing" role="alert">{m}</p>
            })}
            <ul class="mount-list" id="mount-list">
                {move || {
                    let list = mounts.get();
                    if list.is_empty() {
                        return view! { <li class="muted" id="mount-none">{mt().none}</li> }.into_any();
                    }
                    list.into_iter().map(|v| {
                        let name = v.spec.name.clone();
                        let fallback = v.status.clone();
                        let st = {
                            let name = name.clone();
                            Memo::new(move |_| status_of(&name, &fallback))
                        };
                        let (n1, n2, n3) = (name.clone(), name.clone(), name.clone());
                        let is_busy = {
                            let name = name.clone();
                            move || busy.get().as_deref() == Some(name.as_str())
                        };
                        let is_busy2 = is_busy.clone();
                        view! {
                            <li class="mount" data-name=name.clone() data-state=move || state_code(st.get().state)>
                                <span class="mount-name">{name.clone()}</span>
                                <span class="mount-what">{format!("{} → {}", v.spec.fs, v.spec.mount_point)}</span>
                                <span class=move || format!("mount-state {}", state_class(st.get().state))>
                                    {move || mt().state(st.get().state)}
                                </span>
                                {move || {
                                    let s = st.get();
                                    let mut extra = vec![];
                                    if s.pending_uploads > 0 {
                                        extra.push(format!("{} {}", s.pending_uploads, mt().pending));
                                    }
                                    if s.cache_bytes > 0 {
                                        extra.push(format!("{} {}", mt().cache_mode, format::size(s.cache_bytes as i64)));
                                    }
                                    if s.recoveries > 0 {
                                        extra.push(format!("{} {}", s.recoveries, mt().recoveries));
                                    }
                                    if let Some(m) = s.message {
                                        extra.push(m);
                                    }
                                    (!extra.is_empty()).then(|| view! { <span class="mount-note muted">{extra.join(" · ")}</span> })
                                }}
                                {move || {
                                    let up = !matches!(st.get().state, MountState::Stopped | MountState::Failed);
                                    let (a, b) = (n1.clone(), n2.clone());
                                    if st.get().state == MountState::Mounting {
                                        // a first start that hangs can be given up
                                        return view! {
                                            <button class="mount-cancel" on:click=move |_| cancel(b.clone())>{mt().cancel}</button>
                                        }.into_any();
                                    }
                                    if up {
                                        view! {
                                            <button class="mount-down" disabled=is_busy.clone() on:click=move |_| down(a.clone(), PendingChoice::Refuse)>{mt().unmount}</button>
                                        }.into_any()
                                    } else {
                                        view! {
                                            <button class="mount-up" disabled=is_busy.clone() on:click=move |_| act("mount_up", b.clone())>{mt().mount}</button>
                                        }.into_any()
                                    }
                                }}
                                <button class="mount-remove danger"
                                    disabled=move || is_busy2() || !matches!(st.get().state, MountState::Stopped | MountState::Failed)
                                    on:click=move |_| act("mount_remove", n3.clone())>{move || mt().remove}</button>
                            </li>
                        }
                    }).collect_view().into_any()
                }}
            </ul>
            <MountForm support=support on_saved=load/>
            {move || pending.get().map(|p| {
                let (a, b) = (p.name.clone(), p.name.clone());
                view! {
                    <div class="overlay">
                        <div class="dialog" id="pending-dialog" role="dialog" aria-modal="true" aria-labelledby="pending-title">
                            <h3 id="pending-title">{mt().pending_title}</h3>
                            <p>{mt().pending_body.replace("{name}", &p.name).replace("{n}", &p.count.to_string())}</p>
                            <ul class="pending-files">{p.files.iter().map(|f| view! { <li>{f.clone()}</li> }).collect_view()}</ul>
                            <div class="column">
                                <button id="pending-wait" autofocus on:click=move |_| down(a.clone(), PendingChoice::Wait)>{mt().pending_wait}</button>
                                <button id="pending-leave" class="danger" on:click=move |_| down(b.clone(), PendingChoice::Leave)>{mt().pending_leave}</button>
                                <button id="pending-cancel" on:click=move |_| pending.set(None)>{mt().cancel}</button>
                            </div>
                        </div>
                    </div>
                }
            })}
            {move || busy.get().is_some().then(|| view! { <p class="muted" id="mount-busy" role="status">{mt().waiting_uploads}</p> })}
            <h2>{move || mt().serves}</h2>
            <ServeList serves=serves status_of=status_of load=load/>
            <ServeForm on_saved=load/>
            <h2>{move || mt().housekeeping}</h2>
            <Housekeeping/>
        </section>
    }
}

#[component]
fn MountForm(support: RwSignal<Option<MountSupport>>, on_saved: impl Fn() + Copy + 'static) -> impl IntoView {
    let ctx = use_ctx();
    let mt = move || ctx.mt();
    let name = RwSignal::new(String::new());
    let fs = RwSignal::new(ctx.active_pane().spec().unwrap_or_default());
    let point = RwSignal::new(String::new());
    let mount_type = RwSignal::new(String::new());
    let read_only = RwSignal::new(false);
    let cache = RwSignal::new(CacheMode::Writes);
    let cache_max = RwSignal::new(String::new());
    let auto = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // the mount point follows the name until the user types one
    let point_typed = RwSignal::new(false);
    Effect::new(move |_| {
        let n = name.get();
        if !point_typed.get_untracked() {
            if let Some(s) = support.get() {
                point.set(if s.suggested_root == "*" || n.is_empty() {
                    s.suggested_root.clone()
                } else {
                    format!("{}/{n}", s.suggested_root)
                });
            }
        }
    });
    let save = move || {
        let spec = MountSpec {
            name: name.get_untracked().trim().to_owned(),
            fs: fs.get_untracked().trim().to_owned(),
            mount_point: point.get_untracked().trim().to_owned(),
            mount_type: mount_type.get_untracked(),
            read_only: read_only.get_untracked(),
            cache_mode: cache.get_untracked(),
            cache_max_size: cache_max.get_untracked().trim().to_owned(),
            auto_mount: auto.get_untracked(),
        };
        error.set(None);
        spawn_local(async move {
            match ipc::invoke::<_, ()>(
                "mount_save",
                &SaveArgs {
                    spec: &spec,
                    replace: false,
                },
            )
            .await
            {
                Ok(()) => {
                    name.set(String::new());
                    point_typed.set(false);
                    on_saved();
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    view! {
        <form class="mount-form" id="mount-form" on:submit=move |ev| { ev.prevent_default(); save(); }>
            <label for="mount-name">{move || mt().name}</label>
            <input id="mount-name" type="text" spellcheck="false" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            <label for="mount-fs">{move || mt().what}</label>
            <input id="mount-fs" type="text" spellcheck="false" placeholder=move || mt().what_hint prop:value=move || fs.get() on:input=move |ev| fs.set(event_target_value(&ev))/>
            <label for="mount-point">{move || mt().mount_point}</label>
            <input id="mount-point" type="text" spellcheck="false" prop:value=move || point.get() on:input=move |ev| { point_typed.set(true); point.set(event_target_value(&ev)); }/>
            <label for="mount-type">{move || mt().mount_type}</label>
            <select id="mount-type" on:change=move |ev| mount_type.set(event_target_value(&ev))>
                <option value="">{move || mt().default_type}</option>
                {move || support.get().map(|s| s.types.into_iter().map(|t| view! { <option value=t.clone()>{t.clone()}</option> }).collect_view())}
            </select>
            <label for="mount-cache">{move || mt().cache_mode}</label>
            <select id="mount-cache" on:change=move |ev| cache.set(CacheMode::parse(&event_target_value(&ev)).unwrap_or_default())>
                {CacheMode::ALL.map(|c| view! { <option value=c.as_str() selected=c == CacheMode::Writes>{c.as_str()}</option> }).collect_view()}
            </select>
            <label for="mount-cache-max">{move || mt().cache_max}</label>
            <input id="mount-cache-max" type="text" spellcheck="false" placeholder=move || mt().cache_max_hint prop:value=move || cache_max.get() on:input=move |ev| cache_max.set(event_target_value(&ev))/>
            <label class="check">
                <input id="mount-readonly" type="checkbox" prop:checked=move || read_only.get() on:change=move |ev| read_only.set(event_target_checked(&ev))/>
                {move || mt().read_only}
            </label>
            <label class="check">
                <input id="mount-auto" type="checkbox" prop:checked=move || auto.get() on:change=move |ev| auto.set(event_target_checked(&ev))/>
                {move || mt().auto_mount}
            </label>
            {move || error.get().map(|e| view! { <p class="bad" id="mount-error" role="alert">{e}</p> })}
            <div class="buttons">
                <button id="mount-add" type="submit">{move || mt().add}</button>
            </div>
        </form>
    }
}

#[component]
fn ServeList(
    serves: RwSignal<Vec<ServeView>>,
    status_of: impl Fn(&str, &MountStatus) -> MountStatus + Copy + Send + Sync + 'static,
    load: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = use_ctx();
    let mt = move || ctx.mt();
    let act = move |cmd: &'static str, name: String| {
        spawn_local(async move {
            if let Err(e) = ipc::invoke::<_, ()>(cmd, &NameArgs { name: &name }).await {
                ctx.error.set(Some(e));
            }
            load();
        });
    };
    view! {
        <ul class="mount-list" id="serve-list">
            {move || {
                let list = serves.get();
                if list.is_empty() {
                    return view! { <li class="muted">{mt().no_serves}</li> }.into_any();
                }
                list.into_iter().map(|v| {
                    let name = v.spec.name.clone();
                    let fallback = v.status.clone();
                    let st = {
                        let name = name.clone();
                        Memo::new(move |_| status_of(&name, &fallback))
                    };
                    let login = if v.spec.user.is_empty() { mt().no_login.to_owned() } else { format!("{} {}", mt().login, v.spec.user) };
                    let (n1, n2) = (name.clone(), name.clone());
                    view! {
                        <li class="mount" data-name=name.clone() data-state=move || state_code(st.get().state)>
                            <span class="mount-name">{name.clone()}</span>
                            <span class="mount-what">{format!("{} · {}://{} · {login}", v.spec.fs, v.spec.protocol.as_str(), v.spec.addr)}</span>
                            <span class=move || format!("mount-state {}", state_class(st.get().state))>{move || mt().state(st.get().state)}</span>
                            {move || st.get().message.map(|m| view! { <span class="mount-note muted">{m}</span> })}
                            {move || {
                                let up = !matches!(st.get().state, MountState::Stopped | MountState::Failed);
                                let n = n1.clone();
                                if up {
                                    view! { <button class="serve-down" on:click=move |_| act("serve_down", n.clone())>{mt().stop}</button> }.into_any()
                                } else {
                                    view! { <button class="serve-up" on:click=move |_| act("serve_up", n.clone())>{mt().start}</button> }.into_any()
                                }
                            }}
                            <button class="serve-remove danger"
                                disabled=move || !matches!(st.get().state, MountState::Stopped | MountState::Failed)
                                on:click=move |_| act("serve_remove", n2.clone())>{move || mt().remove}</button>
                        </li>
                    }
                }).collect_view().into_any()
            }}
        </ul>
    }
}

#[component]
fn ServeForm(on_saved: impl Fn() + Copy + 'static) -> impl IntoView {
    let ctx = use_ctx();
    let mt = move || ctx.mt();
    let name = RwSignal::new(String::new());
    let fs = RwSignal::new(ctx.active_pane().spec().unwrap_or_default());
    let protocol = RwSignal::new(ServeProtocol::Webdav);
    let addr = RwSignal::new("127.0.0.1".to_owned());
    let no_auth = RwSignal::new(false);
    let read_only = RwSignal::new(false);
    let auto = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let created = RwSignal::new(None::<ServeCreated>);
    let save = move || {
        let spec = ServeSpec {
            name: name.get_untracked().trim().to_owned(),
            fs: fs.get_untracked().trim().to_owned(),
            protocol: protocol.get_untracked(),
            addr: addr.get_untracked().trim().to_owned(),
            user: String::new(),
            read_only: read_only.get_untracked(),
            auto_start: auto.get_untracked(),
        };
        let auth = !no_auth.get_untracked();
        error.set(None);
        spawn_local(async move {
            match ipc::invoke::<_, ServeCreated>("serve_add", &ServeAddArgs { spec: &spec, auth }).await {
                Ok(c) => {
                    name.set(String::new());
                    created.set(Some(c));
                    on_saved();
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    view! {
        <form class="mount-form" id="serve-form" on:submit=move |ev| { ev.prevent_default(); save(); }>
            <label for="serve-name">{move || mt().name}</label>
            <input id="serve-name" type="text" spellcheck="false" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            <label for="serve-fs">{move || mt().what}</label>
            <input id="serve-fs" type="text" spellcheck="false" placeholder=move || mt().what_hint prop:value=move || fs.get() on:input=move |ev| fs.set(event_target_value(&ev))/>
            <label for="serve-protocol">{move || mt().protocol}</label>
            <select id="serve-protocol" on:change=move |ev| protocol.set(ServeProtocol::parse(&event_target_value(&ev)).unwrap_or(ServeProtocol::Webdav))>
                {ServeProtocol::ALL.map(|p| view! { <option value=p.as_str()>{p.as_str()}</option> }).collect_view()}
            </select>
            <label for="serve-addr">{move || mt().address}</label>
            <input id="serve-addr" type="text" spellcheck="false" prop:value=move || addr.get() on:input=move |ev| addr.set(event_target_value(&ev))/>
            <label class="check" title=move || mt().no_auth_hint>
                <input id="serve-noauth" type="checkbox" prop:checked=move || no_auth.get() on:change=move |ev| no_auth.set(event_target_checked(&ev))/>
                {move || mt().no_auth}
            </label>
            <label class="check">
                <input id="serve-readonly" type="checkbox" prop:checked=move || read_only.get() on:change=move |ev| read_only.set(event_target_checked(&ev))/>
                {move || mt().read_only}
            </label>
            <label class="check">
                <input id="serve-auto" type="checkbox" prop:checked=move || auto.get() on:change=move |ev| auto.set(event_target_checked(&ev))/>
                {move || mt().auto_start}
            </label>
            {move || error.get().map(|e| view! { <p class="bad" id="serve-error" role="alert">{e}</p> })}
            <div class="buttons">
                <button id="serve-add" type="submit">{move || mt().add}</button>
            </div>
            {move || created.get().map(|c| view! {
                <div class="overlay">
                    <div class="dialog" id="serve-created" role="dialog" aria-modal="true" aria-labelledby="serve-created-title">
                        <h3 id="serve-created-title">{mt().created_title}</h3>
                        <p>{format!("{}://{}", c.spec.protocol.as_str(), c.spec.addr)}</p>
                        {c.password.clone().map(|p| view! {
                            <p>{mt().created_body}</p>
                            <p><code id="serve-user">{c.spec.user.clone()}</code>" / "<code id="serve-password">{p}</code></p>
                        })}
                        <button id="serve-created-ok" autofocus type="button" on:click=move |_| created.set(None)>{mt().copied_ok}</button>
                    </div>
                </div>
            })}
        </form>
    }
}

/// A remote's usage (used, free, trash) with a bar, and "empty trash". One at a time.
#[component]
fn Housekeeping() -> impl IntoView {
    let ctx = use_ctx();
    let mt = move || ctx.mt();
    let remote = RwSignal::new(String::new());
    let usage = RwSignal::new(None::<Result<RemoteUsage, String>>);
    let busy = RwSignal::new(false);
    let note = RwSignal::new(None::<String>);
    let read = move || {
        let r = remote.get_untracked();
        if r.is_empty() || busy.get_untracked() {
            return;
        }
        busy.set(true);
        note.set(None);
        spawn_local(async move {
            #[derive(Serialize)]
            struct UsageArgs<'a> {
                remote: &'a str,
            }
            let got = ipc::invoke::<_, RemoteUsage>("remote_usage", &UsageArgs { remote: &r }).await;
            usage.set(Some(got.map_err(|e| e.message)));
            busy.set(false);
        });
    };
    let empty_trash = move || {
        let r = remote.get_untracked();
        busy.set(true);
        spawn_local(async move {
            match ipc::invoke::<_, ()>("remote_cleanup", &RemoteArgs { remote: &r }).await {
                Ok(()) => note.set(Some(mt().trash_emptied.to_owned())),
                Err(e) => note.set(Some(e.message)),
            }
            busy.set(false);
        });
    };
    view! {
        <div class="housekeeping" id="housekeeping">
            <select id="usage-remote" aria-label=move || mt().housekeeping on:change=move |ev| { remote.set(event_target_value(&ev)); usage.set(None); }>
                <option value="">"—"</option>
                {move || ctx.remotes.get().unwrap_or_default().into_iter().map(|r| view! { <option value=r.clone()>{r.clone()}</option> }).collect_view()}
            </select>
            <button id="usage-read" disabled=move || busy.get() || remote.get().is_empty() on:click=move |_| read()>{move || mt().usage}</button>
            <button id="usage-cleanup" disabled=move || busy.get() || remote.get().is_empty() on:click=move |_| empty_trash()>{move || mt().empty_trash}</button>
            {move || usage.get().map(|u| match u {
                Ok(u) => {
                    let fmt = |v: Option<i64>| v.map(format::size).unwrap_or_else(|| mt().unknown.to_owned());
                    let pct = match (u.used, u.total) {
                        (Some(used), Some(total)) if total > 0 => (used as f64 / total as f64 * 100.0).clamp(0.0, 100.0),
                        _ => 0.0,
                    };
                    view! {
                        <div class="usage" id="usage-figures">
                            <div class="usage-bar" role="meter" aria-valuemin="0" aria-valuemax="100" aria-valuenow=format!("{pct:.0}")>
                                <div class="usage-used" style=format!("width: {pct:.1}%")></div>
                            </div>
                            <span>{format!("{} {} · {} {} · {} {}", fmt(u.used), mt().used, fmt(u.free), mt().free, fmt(u.trashed), mt().trash)}</span>
                        </div>
                    }.into_any()
                }
                Err(e) => view! { <p class="bad" role="alert">{e}</p> }.into_any(),
            })}
            {move || note.get().map(|n| view! { <p class="muted" id="usage-note" role="status">{n}</p> })}
        </div>
    }
}
