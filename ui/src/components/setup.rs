//! Remote setup: the remotes with test/edit/delete, and a form built from rclone's provider
//! list. Saving runs rclone's configuration state machine: its questions come one at a time
//! (OAuth logins open the browser and finish by themselves).

use std::collections::BTreeMap;

use leptos::{prelude::*, task::spawn_local};
use rcmd_types::{ConfigStep, OAuthStatus, Provider, ProviderOption, RemoteConfig};

use crate::{
    actions,
    actions::{remotes as da, NameArgs, NoArgs},
    ipc,
    state::{use_ctx, Ctx},
};

/// The form being edited.
#[derive(Clone, Debug, Default, PartialEq)]
struct Form {
    /// Editing this remote (else a new one).
    existing: Option<String>,
    name: String,
    kind: String,
    secrets_set: Vec<String>,
}

/// What a failed remote test says: the common causes in the user's words (a wrong password
/// is not "HTTP 500 … 401 Unauthorized"), anything else as the engine said it.
fn test_failure(m: &crate::i18n::ViewTexts, e: &rcmd_types::IpcError) -> String {
    use rcmd_types::FailureReason::*;
    match e.failure.as_ref().map(|f| f.reason) {
        Some(Unauthorized | NeedsReconnect) => m.test_login_refused.to_owned(),
        Some(Forbidden) => m.test_access_denied.to_owned(),
        Some(Network | Timeout) => m.test_unreachable.to_owned(),
        _ => e.message.clone(),
    }
}

/// A message under a remote or the form: ok or not, and the text.
type Note = Option<(bool, String)>;

#[component]
pub fn RemoteSetup() -> impl IntoView {
    let ctx = use_ctx();
    let providers = RwSignal::new(Vec::<Provider>::new());
    let form = RwSignal::new(None::<Form>);
    let values = RwSignal::new(BTreeMap::<String, String>::new());
    let step = RwSignal::new(None::<(String, ConfigStep, bool)>);
    let note = RwSignal::new(None::<(bool, String)>);
    let notes = RwSignal::new(BTreeMap::<String, (bool, String)>::new());
    spawn_local(async move {
        match ipc::invoke::<_, Vec<Provider>>("remote_providers", &NoArgs {}).await {
            Ok(p) => providers.set(p),
            Err(e) => ctx.error.set(Some(e)),
        }
    });
    let m = move || ctx.m();
    let test = move |name: String| {
        notes.update(|n| {
            n.insert(name.clone(), (true, m().testing.to_owned()));
        });
        spawn_local(async move {
            let r = ipc::invoke::<_, usize>("remote_test", &NameArgs { name: &name }).await;
            let text = match r {
                Ok(n) => (true, format!("{} {n}", m().test_ok)),
                Err(e) => (false, test_failure(m(), &e)),
            };
            notes.update(|n| {
                n.insert(name, text);
            });
        });
    };
    let edit = move |name: String| {
        spawn_local(async move {
            match ipc::invoke::<_, RemoteConfig>("remote_get", &NameArgs { name: &name }).await {
                Ok(c) => {
                    values.set(c.values.clone());
                    note.set(None);
                    form.set(Some(Form {
                        existing: Some(c.name.clone()),
                        name: c.name,
                        kind: c.kind,
                        secrets_set: c.secrets_set,
                    }));
                }
                Err(e) => ctx.error.set(Some(e)),
            }
        });
    };
    let armed = RwSignal::new(None::<String>);
    let delete = move |name: String| {
        if armed.get_untracked().as_deref() != Some(name.as_str()) {
            armed.set(Some(name));
            return;
        }
        armed.set(None);
        spawn_local(async move {
            match ipc::invoke::<_, ()>("remote_delete", &NameArgs { name: &name }).await {
                Ok(()) => {
                    if form.get_untracked().and_then(|f| f.existing).as_deref() == Some(name.as_str()) {
                        form.set(None);
                    }
                    actions::reload(ctx);
                }
                Err(e) => ctx.error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="setup" id="remote-setup">
            <div class="setup-list">
                <div class="section-title">
                    <h2>{move || ctx.t().remotes}</h2>
                    <button id="new-remote" on:click=move |_| {
                        values.set(BTreeMap::new());
                        note.set(None);
                        form.set(Some(Form::default()));
                    }>{move || m().new_remote}</button>
                </div>
                {move || (!ctx.is_local()).then(|| view! { <p class="muted">{m().admin_note}</p> })}
                <ul id="setup-remotes">
                    <For each=move || ctx.remotes.get().unwrap_or_default() key=|n| n.clone() children=move |name| {
                        let (n1, n2, n3, n4, n5) = (name.clone(), name.clone(), name.clone(), name.clone(), name.clone());
                        view! {
                            <li data-setup-remote=name.clone()>
                                <span class="remote-name">{format!("{name}:")}</span>
                                <button class="test" on:click=move |_| test(n1.clone())>{move || m().test}</button>
                                <button class="edit" on:click=move |_| edit(n2.clone())>{move || m().edit}</button>
                                <button class="delete danger" on:click=move |_| delete(n3.clone())>
                                    {move || if armed.get().as_deref() == Some(n5.as_str()) { m().delete_again } else { m().delete }}
                                </button>
                                {move || notes.with(|m| m.get(&n4).cloned()).map(|(ok, text)| view! {
                                    <p class="result" class:ok=ok class:bad=!ok role="status">{text}</p>
                                })}
                            </li>
                        }
                    }/>
                </ul>
            </div>
            {move || form.get().map(|f| view! { <Editor form=f providers values note step on_saved=move |name: String| {
                form.set(None);
                actions::reload(ctx);
                test(name);
            }/> })}
            {move || step.get().map(|(name, s, new)| view! { <StepDialog name step_now=s new step form note on_saved=move |name: String| {
                form.set(None);
                actions::reload(ctx);
                test(name);
            }/> })}
        </section>
    }
}

/// Whether option `o` applies to the provider chosen in `values` (s3-like backends).
fn applies(o: &ProviderOption, values: &BTreeMap<String, String>) -> bool {
    if o.provider.is_empty() {
        return true;
    }
    let chosen = values.get("provider").map(String::as_str).unwrap_or_default();
    match o.provider.strip_prefix('!') {
        Some(not) => !not.split(',').any(|p| p == chosen),
        None => o.provider.split(',').any(|p| p == chosen),
    }
}

#[component]
fn Editor(
    form: Form,
    providers: RwSignal<Vec<Provider>>,
    values: RwSignal<BTreeMap<String, String>>,
    note: RwSignal<Note>,
    step: RwSignal<Option<(String, ConfigStep, bool)>>,
    on_saved: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = use_ctx();
    let m = move || ctx.m();
    let name = RwSignal::new(form.name.clone());
    let kind = RwSignal::new(form.kind.clone());
    let advanced = RwSignal::new(false);
    let existing = form.existing.clone();
    let secrets_set = form.secrets_set.clone();
    let provider = Memo::new(move |_| providers.with(|p| p.iter().find(|p| p.name == kind.get()).cloned()));
    let is_new = existing.is_none();
    let ex2 = existing.clone();
    let save = move || {
        let Some(p) = provider.get_untracked() else {
            note.set(Some((false, m().choose_type.to_owned())));
            return;
        };
        let vals = values.get_untracked();
        let secrets = secrets_set.clone();
        // required options need a value (a stored secret counts)
        let missing: Vec<String> = p
            .options
            .iter()
            .filter(|o| o.required && o.hide == 0 && !o.advanced && applies(o, &vals) && o.default_str.is_empty())
            .filter(|o| vals.get(&o.name).is_none_or(|v| v.trim().is_empty()) && !secrets.contains(&o.name))
            .map(|o| o.name.clone())
            .collect();
        if !missing.is_empty() {
            note.set(Some((false, format!("{}: {}", m().required, missing.join(", ")))));
            return;
        }
        let remote = ex2.clone().unwrap_or_else(|| name.get_untracked().trim().to_owned());
        let kind_now = kind.get_untracked();
        note.set(None);
        spawn_local(async move {
            let new = is_new;
            match da::save_remote(&remote, new.then_some(kind_now.as_str()), &vals).await {
                Ok(s) if s.is_done() => {
                    note.set(Some((true, m().saved.to_owned())));
                    on_saved(remote);
                }
                Ok(s) => step.set(Some((remote, s, new))),
                Err(e) => note.set(Some((false, e.message))),
            }
        });
    };
    let ex3 = existing.clone();
    let reconnect = move |_| {
        let Some(remote) = ex3.clone() else { return };
        spawn_local(async move {
            match da::save_remote(&remote, None, &BTreeMap::new()).await {
                Ok(s) if s.is_done() => note.set(Some((true, m().saved.to_owned()))),
                Ok(s) => step.set(Some((remote, s, false))),
                Err(e) => note.set(Some((false, e.message))),
            }
        });
    };
    let has_token = form.secrets_set.iter().any(|s| s == "token");
    let secrets_shown = form.secrets_set.clone();
    view! {
        <form class="remote-editor" id="remote-editor" on:submit=move |ev| { ev.prevent_default(); save(); }>
            <h3>{move || existing.clone().map(|n| format!("{n}:")).unwrap_or_else(|| m().new_remote.to_owned())}</h3>
            <label for="remote-name">{move || m().name}</label>
            <input id="remote-name" type="text" spellcheck="false" disabled=!is_new prop:value=move || name.get()
                on:input=move |ev| name.set(event_target_value(&ev))/>
            <label for="remote-type">{move || m().storage_type}</label>
            <select id="remote-type" disabled=!is_new prop:value=move || kind.get()
                on:change=move |ev| { kind.set(event_target_value(&ev)); values.set(BTreeMap::new()); }>
                <option value="">{move || m().choose_type}</option>
                {move || providers.get().into_iter().map(|p| {
                    let selected = kind.get_untracked() == p.name;
                    view! { <option value=p.name.clone() selected=selected>{format!("{} — {}", p.name, p.description)}</option> }
                }).collect_view()}
            </select>
            {move || provider.get().map(|p| {
                let secrets = secrets_shown.clone();
                let shown: Vec<ProviderOption> = p.options.into_iter()
                    .filter(|o| o.hide == 0 && (advanced.get() || !o.advanced) && values.with(|v| applies(o, v)))
                    .collect();
                view! {
                    <div class="options">
                        {shown.into_iter().map(|o| view! { <OptionField o=o.clone() values secret_set=secrets.contains(&o.name)/> }).collect_view()}
                    </div>
                }
            })}
            <label class="check">
                <input id="show-advanced" type="checkbox" prop:checked=move || advanced.get()
                    on:change=move |ev| advanced.set(event_target_checked(&ev))/>
                {move || m().show_advanced}
            </label>
            <div class="buttons">
                <button id="remote-save" type="submit">{move || m().save}</button>
                {has_token.then(|| view! { <button id="remote-reconnect" type="button" on:click=reconnect>{move || m().reconnect}</button> })}
            </div>
            {move || note.get().map(|(ok, text)| view! { <p id="remote-message" class:ok=ok class:bad=!ok role="status">{text}</p> })}
        </form>
    }
}

/// One option of the form: a list when rclone gives only choices, a checkbox for booleans,
/// a password field for secrets (empty = keep the stored one).
#[component]
fn OptionField(o: ProviderOption, values: RwSignal<BTreeMap<String, String>>, secret_set: bool) -> impl IntoView {
    let ctx = use_ctx();
    let id = format!("opt-{}", o.name);
    let key = o.name.clone();
    let k2 = key.clone();
    let value = move || values.with(|v| v.get(&k2).cloned().unwrap_or_default());
    let set = move |v: String| {
        values.update(|m| {
            m.insert(key.clone(), v);
        })
    };
    let help = o.help.lines().next().unwrap_or_default().to_owned();
    let label = format!("{}{}", o.name, if o.required { " *" } else { "" });
    let input = if o.kind == "bool" {
        let d = o.default_str.clone();
        let v2 = value.clone();
        let set2 = set.clone();
        view! {
            <select id=id.clone() data-option=o.name.clone() prop:value=move || { let v = v2(); if v.is_empty() { d.clone() } else { v } }
                on:change=move |ev| set2(event_target_value(&ev))>
                <option value="true">{move || ctx.m().yes}</option>
                <option value="false">{move || ctx.m().no}</option>
            </select>
        }.into_any()
    } else if let Some(examples) = o.examples.clone().filter(|_| o.exclusive) {
        let v2 = value.clone();
        let set2 = set.clone();
        let d = o.default_str.clone();
        view! {
            <select id=id.clone() data-option=o.name.clone() prop:value=move || { let v = v2(); if v.is_empty() { d.clone() } else { v } }
                on:change=move |ev| set2(event_target_value(&ev))>
                {examples.into_iter().map(|e| view! { <option value=e.value.clone()>{format!("{} — {}", e.value, e.help.lines().next().unwrap_or_default())}</option> }).collect_view()}
            </select>
        }.into_any()
    } else {
        let secret = o.is_password || o.sensitive;
        let placeholder = if secret && secret_set {
            ctx.m().secret_kept.to_owned()
        } else {
            o.default_str.clone()
        };
        let list_id = format!("{id}-examples");
        let examples = o.examples.clone().unwrap_or_default();
        let v2 = value.clone();
        let set2 = set.clone();
        view! {
            <input id=id.clone() data-option=o.name.clone() type=if o.is_password { "password" } else { "text" } spellcheck="false"
                autocomplete="off" placeholder=placeholder list=list_id.clone()
                prop:value=v2 on:input=move |ev| set2(event_target_value(&ev))/>
            <datalist id=list_id>
                {examples.into_iter().map(|e| view! { <option value=e.value.clone()>{e.help.lines().next().unwrap_or_default().to_owned()}</option> }).collect_view()}
            </datalist>
        }.into_any()
    };
    view! {
        <div class="option">
            <label for=id.clone() title=o.help.clone()>{label}</label>
            {input}
            <small class="muted">{help}</small>
        </div>
    }
}

/// One question of rclone's state machine. An OAuth login waits here for the browser (with
/// the login page's link, and cancel). Cancelling a new remote's setup removes it again.
#[component]
fn StepDialog(
    name: String,
    step_now: ConfigStep,
    new: bool,
    step: RwSignal<Option<(String, ConfigStep, bool)>>,
    form: RwSignal<Option<Form>>,
    note: RwSignal<Note>,
    on_saved: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = use_ctx();
    let m = move || ctx.m();
    let opt = step_now.option.clone().unwrap_or_default();
    let initial = if opt.value_str.is_empty() {
        opt.default_str.clone()
    } else {
        opt.value_str.clone()
    };
    let answer = RwSignal::new(initial);
    let waiting = RwSignal::new(false);
    let auth_url = RwSignal::new(String::new());
    let error = RwSignal::new((!step_now.error.is_empty()).then(|| step_now.error.clone()));
    let state = step_now.state.clone();
    let oauth = step_now.is_oauth_browser();
    let n2 = name.clone();
    let go = move || {
        let (name, state, result) = (n2.clone(), state.clone(), answer.get_untracked());
        let login = oauth && result == "true";
        waiting.set(login);
        error.set(None);
        if login {
            poll_login(ctx, waiting, auth_url);
        }
        spawn_local(async move {
            let r = ipc::invoke::<_, ConfigStep>(
                "remote_answer",
                &da::AnswerArgs {
                    name: &name,
                    step: &state,
                    result: &result,
                },
            )
            .await;
            waiting.set(false);
            match r {
                Ok(s) if s.is_done() => {
                    step.set(None);
                    note.set(Some((true, m().saved.to_owned())));
                    on_saved(name);
                }
                Ok(s) => step.set(Some((name, s, new))),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let n3 = name.clone();
    let cancel = move |_| {
        let name = n3.clone();
        let was_waiting = waiting.get_untracked();
        step.set(None);
        spawn_local(async move {
            if was_waiting {
                let _ = ipc::invoke::<_, ()>("remote_oauth_stop", &NoArgs {}).await;
            }
            // a new remote left half-configured would not work: remove it
            if new {
                let _ = ipc::invoke::<_, ()>("remote_delete", &NameArgs { name: &name }).await;
                form.set(None);
                actions::reload(ctx);
            }
        });
    };
    let choices = opt.examples.clone().filter(|e| !e.is_empty());
    let is_bool = opt.kind == "bool";
    let field = if is_bool || choices.is_some() {
        let list: Vec<(String, String)> = if is_bool {
            vec![("true".into(), m().yes.into()), ("false".into(), m().no.into())]
        } else {
            choices
                .unwrap_or_default()
                .into_iter()
                .map(|e| {
                    (
                        e.value.clone(),
                        format!("{} — {}", e.value, e.help.lines().next().unwrap_or_default()),
                    )
                })
                .collect()
        };
        view! {
            <select id="step-answer" prop:value=move || answer.get() on:change=move |ev| answer.set(event_target_value(&ev))>
                {list.into_iter().map(|(v, l)| view! { <option value=v.clone() selected=answer.get_untracked() == v>{l}</option> }).collect_view()}
            </select>
        }.into_any()
    } else {
        view! {
            <input id="step-answer" type=if opt.is_password { "password" } else { "text" } spellcheck="false" autocomplete="off"
                prop:value=move || answer.get() on:input=move |ev| answer.set(event_target_value(&ev))/>
        }.into_any()
    };
    view! {
        <div class="overlay">
            <div class="dialog" id="config-step" role="dialog" aria-modal="true" aria-labelledby="config-step-title">
                <h3 id="config-step-title">{move || format!("{} ({name}:)", m().rclone_asks)}</h3>
                <pre class="help">{opt.help.clone()}</pre>
                <label for="step-answer">{opt.name.clone()}</label>
                {field}
                {move || waiting.get().then(|| view! {
                    <div id="oauth-wait" role="status">
                        <p>{m().oauth_wait}</p>
                        {move || (!auth_url.get().is_empty()).then(|| view! {
                            <a id="oauth-link" href=auth_url.get() target="_blank" rel="noreferrer">{m().oauth_link}</a>
                        })}
                    </div>
                })}
                {move || error.get().map(|e| view! { <p class="bad" id="step-error" role="alert">{e}</p> })}
                <div class="buttons">
                    <button id="step-continue" disabled=move || waiting.get() on:click=move |_| go()>{move || m().continue_}</button>
                    <button id="step-cancel" on:click=cancel>{move || if waiting.get() { m().oauth_cancel } else { m().cancel }}</button>
                </div>
            </div>
        </div>
    }
}

/// While a login waits, reads the login page's URL (for the link) once a second.
fn poll_login(ctx: Ctx, waiting: RwSignal<bool>, auth_url: RwSignal<String>) {
    set_timeout(
        move || {
            if !waiting.try_get_untracked().unwrap_or(false) {
                return;
            }
            spawn_local(async move {
                match ipc::invoke::<_, OAuthStatus>("remote_oauth_status", &NoArgs {}).await {
                    Ok(s) if s.status == "running" => {
                        let _ = auth_url.try_set(s.auth_url);
                    }
                    Ok(_) => {}
                    Err(e) => ctx.error.set(Some(e)),
                }
                poll_login(ctx, waiting, auth_url);
            });
        },
        std::time::Duration::from_secs(1),
    );
}
