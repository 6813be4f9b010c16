//! Modal prompts of the desktop app: what to do with running batches when the window is
//! closed, and the password of an encrypted rclone config.

use leptos::{html, prelude::*, task::spawn_local};

use crate::{actions::desktop as da, ipc, state::use_ctx};

#[component]
pub fn ClosePrompt() -> impl IntoView {
    let ctx = use_ctx();
    let m = move || ctx.m();
    let mt = move || ctx.mt();
    // the mounts' pending uploads, read when the prompt opens
    let uploads = RwSignal::new(0u64);
    Effect::new(move |_| {
        if ctx.close_ask.get().is_some() {
            spawn_local(async move {
                let all =
                    ipc::invoke::<_, Vec<rcmd_types::PendingUploads>>("mount_pending_all", &crate::actions::NoArgs {})
                        .await
                        .unwrap_or_default();
                let _ = uploads.try_set(all.iter().map(|p| p.count).sum());
            });
        }
    });
    let mounts_up = move || {
        ctx.mount_states.with(|s| {
            s.values()
                .filter(|m| {
                    !matches!(
                        m.state,
                        rcmd_types::MountState::Stopped | rcmd_types::MountState::Failed
                    )
                })
                .count()
        })
    };
    move || {
        ctx.close_ask.get().map(|n| view! {
            <div class="overlay">
                <div class="dialog" id="close-prompt" role="dialog" aria-modal="true" aria-labelledby="close-title">
                    <h3 id="close-title">{m().close_title}</h3>
                    {(n > 0).then(|| view! { <p>{m().close_body.replace("{n}", &n.to_string())}</p> })}
                    {move || (mounts_up() > 0).then(|| view! { <p id="close-mounts">{mt().quit_mounts.replace("{n}", &mounts_up().to_string())}</p> })}
                    {move || (uploads.get() > 0).then(|| view! { <p id="close-uploads-pending" class="warn">{mt().quit_uploads.replace("{n}", &uploads.get().to_string())}</p> })}
                    <div class="column">
                        <button id="close-background" autofocus on:click=move |_| da::close_choice(ctx, "background")>{m().keep_background}</button>
                        {(n > 0).then(|| view! { <button id="close-pause" on:click=move |_| da::close_choice(ctx, "pause")>{m().pause_quit}</button> })}
                        {move || (uploads.get() > 0).then(|| view! { <button id="close-uploads" on:click=move |_| da::close_choice(ctx, "uploads")>{mt().wait_then_quit}</button> })}
                        <button id="close-quit" class="danger" on:click=move |_| da::close_choice(ctx, "quit")>{m().quit_now}</button>
                        <button id="close-cancel" on:click=move |_| da::close_choice(ctx, "cancel")>{m().cancel}</button>
                    </div>
                </div>
            </div>
        })
    }
}

#[component]
pub fn PasswordPrompt() -> impl IntoView {
    let ctx = use_ctx();
    let m = move || ctx.m();
    let password = RwSignal::new(String::new());
    let remember = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let input = NodeRef::<html::Input>::new();
    let unlock = move || {
        let (p, r) = (password.get_untracked(), remember.get_untracked());
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result = da::unlock(&p, r).await;
            busy.set(false);
            match result {
                Ok(lock) => {
                    password.set(String::new());
                    ctx.config_lock.set(Some(lock));
                }
                Err(e) => {
                    // unlocked, but not remembered (no keyring): say so and close
                    if e.message.starts_with("unlocked") {
                        da::check_config_lock(ctx);
                        ctx.error.set(Some(e));
                    } else {
                        error.set(Some(e.message));
                    }
                }
            }
        });
    };
    let locked = move || {
        ctx.config_lock
            .with(|l| l.as_ref().is_some_and(|l| l.encrypted && !l.unlocked))
    };
    move || {
        locked().then(|| {
            request_animation_frame(move || {
                if let Some(i) = input.try_get_untracked().flatten() {
                    let _ = i.focus();
                }
            });
            let path = ctx
                .config_lock
                .with_untracked(|l| l.as_ref().and_then(|l| l.path.clone()).unwrap_or_default());
            view! {
                <div class="overlay">
                    <form class="dialog" id="password-prompt" role="dialog" aria-modal="true" aria-labelledby="pw-title"
                        on:submit=move |ev| { ev.prevent_default(); unlock(); }>
                        <h3 id="pw-title">{m().pw_title}</h3>
                        <p>{m().pw_body}</p>
                        <p class="muted"><code>{path}</code></p>
                        <label for="config-password">{m().pw_label}</label>
                        <input id="config-password" type="password" autocomplete="off" node_ref=input
                            prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                        <label class="check">
                            <input id="remember-password" type="checkbox" prop:checked=move || remember.get()
                                on:change=move |ev| remember.set(event_target_checked(&ev))/>
                            {m().remember}
                        </label>
                        {move || error.get().map(|e| view! { <p class="bad" id="password-error" role="alert">{e}</p> })}
                        <button id="unlock-config" type="submit" disabled=move || busy.get()>{m().unlock}</button>
                    </form>
                </div>
            }
        })
    }
}
