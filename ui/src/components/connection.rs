//! The sidebar's Connection section: this computer or a saved rproxy server (one active), a form to add
//! or change a server (the token goes to the OS keyring), and "Test connection".

use leptos::prelude::*;
use rcmd_types::ServerInfo;

use crate::{
    actions::{self, ServerForm},
    state::use_ctx,
};

#[component]
pub fn ConnectionPanel() -> impl IntoView {
    let ctx = use_ctx();
    actions::load_servers(ctx);
    let (name, url, user, token, ca) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let form = move || ServerForm {
        name: name.get_untracked(),
        url: url.get_untracked(),
        user: user.get_untracked(),
        token: Some(token.get_untracked()).filter(|t| !t.is_empty()),
        ca_file: Some(ca.get_untracked()).filter(|c| !c.is_empty()),
    };
    let edit = move |s: ServerInfo| {
        name.set(s.name);
        url.set(s.url);
        user.set(s.user);
        token.set(String::new());
        ca.set(s.ca_file.unwrap_or_default());
        ctx.server_check.set(None);
        ctx.server_saved.set(false);
    };
    let active = move || ctx.connection.get().and_then(|c| c.server);
    view! {
        <details class="settings connection" id="connection-panel">
            <summary>{move || ctx.t().conn_title}</summary>
            <ul id="connections" class="connections">
                <li data-connection="" class:active=move || active().is_none()>
                    <span>{move || ctx.t().conn_local}</span>
                    {move || if active().is_none() {
                        view! { <span class="muted">{ctx.t().conn_in_use}</span> }.into_any()
                    } else {
                        view! { <button id="use-local" on:click=move |_| actions::use_connection(ctx, None)>{ctx.t().conn_use}</button> }.into_any()
                    }}
                </li>
                <For each=move || ctx.servers.get() key=|s| (s.name.clone(), s.url.clone(), s.user.clone()) children=move |s: ServerInfo| {
                    let n = s.name.clone();
                    let (n1, n2, n3, n4) = (n.clone(), n.clone(), n.clone(), n.clone());
                    let is_active = move || active().as_deref() == Some(n1.as_str());
                    let is_active2 = move || active().as_deref() == Some(n4.as_str());
                    let s2 = s.clone();
                    view! {
                        <li data-connection=n.clone() class:active=is_active2>
                            <span title=s.url.clone()>{format!("{} ({})", s.name, s.url)}</span>
                            {move || if is_active() {
                                view! { <span class="muted">{ctx.t().conn_in_use}</span> }.into_any()
                            } else {
                                let n = n2.clone();
                                view! { <button class="use-server" on:click=move |_| actions::use_connection(ctx, Some(n.clone()))>{ctx.t().conn_use}</button> }.into_any()
                            }}
                            <button class="link edit-server" on:click=move |_| edit(s2.clone())>{move || ctx.t().srv_edit}</button>
                            <button class="link remove-server" on:click=move |_| actions::remove_server(ctx, n3.clone())>{move || ctx.t().srv_remove}</button>
                        </li>
                    }
                }/>
            </ul>
            <fieldset class="server-form">
                <legend>{move || ctx.t().conn_add}</legend>
                <Field id="server-name" label=move || ctx.t().srv_name value=name kind="text"/>
                <Field id="server-url" label=move || ctx.t().srv_url value=url kind="text"/>
                <Field id="server-user" label=move || ctx.t().srv_user value=user kind="text"/>
                <Field id="server-token" label=move || ctx.t().srv_token value=token kind="password"/>
                <p class="muted hint">{move || ctx.t().srv_token_hint}</p>
                <Field id="server-ca" label=move || ctx.t().srv_ca value=ca kind="text"/>
                <div class="buttons">
                    <button id="server-save" on:click=move |_| actions::save_server(ctx, form())>{move || ctx.t().srv_save}</button>
                    <button id="server-test" on:click=move |_| actions::test_server(ctx, form())>{move || ctx.t().srv_test}</button>
                    <Show when=move || ctx.server_saved.get()>
                        <span id="server-saved" class="ok">{move || ctx.t().saved}</span>
                    </Show>
                </div>
                <CheckResult/>
            </fieldset>
        </details>
    }
}

#[component]
fn Field(
    id: &'static str,
    label: impl Fn() -> &'static str + Send + Sync + 'static,
    value: RwSignal<String>,
    kind: &'static str,
) -> impl IntoView {
    let ctx = use_ctx();
    view! {
        <label for=id>{label}</label>
        // a changed form is not the one saved
        <input id=id type=kind spellcheck="false" autocomplete="off"
            prop:value=move || value.get() on:input=move |ev| { value.set(event_target_value(&ev)); ctx.server_saved.set(false); }/>
    }
}

/// What "Test connection" found, line by line.
#[component]
fn CheckResult() -> impl IntoView {
    let ctx = use_ctx();
    move || {
        let (run, c) = ctx.server_check.get()?;
        let t = ctx.t();
        let yn = |b: bool| if b { t.yes } else { t.no };
        let tls = match c.tls_trusted {
            None => t.chk_plain_http.to_owned(),
            Some(b) => yn(b).to_owned(),
        };
        let who = match (&c.user, &c.role) {
            (Some(u), Some(r)) => format!("{u} ({r})"),
            _ => "-".to_owned(),
        };
        let ok = c.problem.is_none();
        Some(view! {
            <dl id="server-check" class="check" data-ok=ok.to_string() data-run=run.to_string()>
                <dt>{t.chk_reachable}</dt><dd data-check="reachable">{yn(c.reachable)}</dd>
                <dt>{t.chk_tls}</dt><dd data-check="tls">{tls}</dd>
                <dt>{t.chk_auth}</dt><dd data-check="authenticated">{yn(c.authenticated)}</dd>
                <dt>{t.chk_role}</dt><dd data-check="role">{who}</dd>
                <dt>{t.chk_rclone}</dt><dd data-check="rclone">{c.rclone_version.clone().unwrap_or_else(|| "-".into())}</dd>
            </dl>
            <p id="server-check-problem" class=if ok { "ok" } else { "error" }>
                {c.problem.clone().unwrap_or_else(|| t.chk_ok.to_owned())}
            </p>
        })
    }
}
