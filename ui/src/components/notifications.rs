//! Notification settings: per channel on/off, event filter, fields, masked secrets, a "send
//! test" button with its result, and delivery counts.

use leptos::{prelude::*, task::spawn_local};
use serde::Serialize;
use serde_json::{json, Value};

use crate::{i18n::Texts, ipc, state::use_ctx};

/// A field's label in the current language.
type Label = fn(&Texts) -> &'static str;

#[derive(Serialize)]
struct NoArgs {}

#[derive(Serialize)]
struct SaveArgs {
    settings: Value,
    secrets: Value,
}

#[derive(Serialize)]
struct TestArgs {
    channel: &'static str,
}

/// Reads `a.b` from `v`.
fn get(v: &Value, path: &str) -> Value {
    path.split('.')
        .fold(v.clone(), |v, k| v.get(k).cloned().unwrap_or(Value::Null))
}

fn set(v: &mut Value, path: &str, new: Value) {
    let mut cur = v;
    let keys: Vec<&str> = path.split('.').collect();
    for k in &keys[..keys.len() - 1] {
        cur = &mut cur[*k];
    }
    cur[keys[keys.len() - 1]] = new;
}

#[component]
pub fn NotificationsPanel() -> impl IntoView {
    let ctx = use_ctx();
    let view_data = RwSignal::new(Value::Null);
    let secrets = RwSignal::new(json!({}));
    let results = RwSignal::new(json!({}));
    let load = move || {
        spawn_local(async move {
            match ipc::invoke::<_, Value>("notify_settings", &NoArgs {}).await {
                Ok(v) => view_data.set(v),
                Err(e) => ctx.error.set(Some(e)),
            }
            if let Ok(st) = ipc::invoke::<_, Value>("notify_status", &NoArgs {}).await {
                results.update(|r| r["status"] = st);
            }
        });
    };
    load();
    let save = move |_| {
        let mut settings = get(&view_data.get_untracked(), "settings");
        settings["lang"] = json!(ctx.lang.get_untracked().code());
        let secrets_now = secrets.get_untracked();
        spawn_local(async move {
            match ipc::invoke::<_, ()>(
                "save_notify_settings",
                &SaveArgs {
                    settings,
                    secrets: secrets_now,
                },
            )
            .await
            {
                Ok(()) => {
                    secrets.set(json!({}));
                    results.update(|r| r["saved"] = json!(true));
                    ctx.error.set(None);
                    load();
                }
                Err(e) => ctx.error.set(Some(e)),
            }
        });
    };
    // build the form once when loaded: fields update in place (rebuilding it on every change
    // would drop the focus and the text being typed)
    let loaded = Memo::new(move |_| !view_data.get().is_null());
    view! {
        <details class="settings notifications" id="notifications">
            <summary>{move || ctx.t().notifications}</summary>
            {move || loaded.get().then(|| view! {
                <Channel name="desktop" title=|t| t.ch_desktop data=view_data secrets=secrets results=results fields=vec![]/>
                <Channel name="webhook" title=|t| t.ch_webhook data=view_data secrets=secrets results=results
                    fields=vec![("webhook_url", |t| t.f_url, true), ("header_name", |t| t.f_header, false), ("webhook_header", |t| t.f_header_value, true)]/>
                <Channel name="telegram" title=|t| t.ch_telegram data=view_data secrets=secrets results=results
                    fields=vec![("chat_id", |t| t.f_chat_id, false), ("telegram_token", |t| t.f_bot_token, true), ("api_base", |t| t.f_api, false)]/>
                <Channel name="email" title=|t| t.ch_email data=view_data secrets=secrets results=results
                    fields=vec![("host", |t| t.f_smtp_host, false), ("port", |t| t.f_port, false), ("security", |t| t.f_security, false),
                                ("user", |t| t.f_user, false), ("email_password", |t| t.f_password, true), ("from", |t| t.f_from, false), ("to", |t| t.f_to, false)]/>
                <label class="ca-file">{move || ctx.t().ca_file}
                    <input type="text" id="notify-ca-file" class="field ca_file" placeholder="/path/to/ca.pem" spellcheck="false"
                        prop:value=move || get(&view_data.get(), "settings.ca_file").as_str().unwrap_or("").to_owned()
                        on:input=move |ev| { let v = event_target_value(&ev); view_data.update(|d| set(d, "settings.ca_file", json!(v))); }/>
                </label>
                <button id="notify-save" on:click=save>{move || ctx.t().apply}</button>
                <Show when=move || get(&results.get(), "saved") == json!(true)>
                    <span class="muted" id="notify-saved">" ✓"</span>
                </Show>
            })}
        </details>
    }
}

#[component]
fn Channel(
    name: &'static str,
    title: fn(&Texts) -> &'static str,
    data: RwSignal<Value>,
    secrets: RwSignal<Value>,
    results: RwSignal<Value>,
    fields: Vec<(&'static str, Label, bool)>,
) -> impl IntoView {
    let ctx = use_ctx();
    let enabled = format!("settings.{name}.enabled");
    let problems = format!("settings.{name}.only_problems");
    let (e1, e2, p1, p2) = (enabled.clone(), enabled, problems.clone(), problems);
    let test = move |_| {
        spawn_local(async move {
            results.update(|r| r[name] = json!("…"));
            let text = match ipc::invoke::<_, ()>("notify_test", &TestArgs { channel: name }).await {
                Ok(()) => ctx.t().test_sent.to_owned(),
                Err(e) => e.message,
            };
            results.update(|r| r[name] = json!(text));
        });
    };
    let status = move || {
        let st = get(&results.get(), "status");
        st.as_array()?.iter().find(|s| s["channel"] == name).map(|s| {
            let last = s["last_error"].as_str().map(|e| format!(" — {e}")).unwrap_or_default();
            let t = ctx.t();
            format!(
                "{} {} · {} {} · {} {}{last}",
                t.st_sent, s["sent"], t.st_retried, s["retried"], t.st_failed, s["failed"]
            )
        })
    };
    view! {
        <fieldset class="channel" data-channel=name>
            <legend>
                <label class="check">
                    <input type="checkbox" class="enabled" prop:checked=move || get(&data.get(), &e1) == json!(true)
                        on:change=move |ev| { let on = event_target_checked(&ev); data.update(|d| set(d, &e2, json!(on))); }/>
                    {move || title(ctx.t())}
                </label>
            </legend>
            {fields.into_iter().map(|(field, label, secret)| {
                let label = move || label(ctx.t());
                if secret {
                    let is_set = move || get(&data.get(), &format!("{field}_set")) == json!(true);
                    view! {
                        <input type="password" class=format!("secret {field}") autocomplete="off" aria-label=label
                            placeholder=move || if is_set() { format!("{}: {}", label(), ctx.t().secret_saved) } else { label().to_owned() }
                            on:input=move |ev| { let v = event_target_value(&ev); secrets.update(|s| s[field] = json!(v)); }/>
                    }.into_any()
                } else {
                    let path = format!("settings.{name}.{field}");
                    let p2 = path.clone();
                    view! {
                        <input type="text" class=format!("field {field}") placeholder=label aria-label=label spellcheck="false"
                            prop:value=move || match get(&data.get(), &path) { Value::String(s) => s, Value::Null => String::new(), v => v.to_string() }
                            on:input=move |ev| {
                                let v = event_target_value(&ev);
                                let v = if field == "port" { v.parse::<u16>().map(|p| json!(p)).unwrap_or(json!(587)) } else { json!(v) };
                                data.update(|d| set(d, &p2, v));
                            }/>
                    }.into_any()
                }
            }).collect_view()}
            <label class="check">
                <input type="checkbox" class="only-problems" prop:checked=move || get(&data.get(), &p1) == json!(true)
                    on:change=move |ev| { let on = event_target_checked(&ev); data.update(|d| set(d, &p2, json!(on))); }/>
                {move || ctx.t().only_problems}
            </label>
            <button class="test" on:click=test>{move || ctx.t().send_test}</button>
            <span class="test-result">{move || get(&results.get(), name).as_str().map(str::to_owned)}</span>
            <div class="muted status">{status}</div>
        </fieldset>
    }
}
