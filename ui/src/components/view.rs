//! The quick view (F3): a file's text, image, or a way to open it outside; Escape or F3
//! closes it, the arrow keys scroll the text.

use leptos::{ev, html, prelude::*};

use crate::{
    actions::{self, commander::focus_pane},
    format,
    state::{use_ctx, Dialog},
};

#[component]
pub fn ViewDialog(dialog: Dialog) -> impl IntoView {
    let ctx = use_ctx();
    let t = ctx.t();
    let Dialog::View { at, name, view, image } = dialog else {
        return ().into_any();
    };
    let body_ref = NodeRef::<html::Div>::new();
    request_animation_frame(move || {
        if let Some(b) = body_ref.try_get_untracked().flatten() {
            let _ = b.focus();
        }
    });
    // the object URL of an image is released with the dialog
    if let Some(url) = image.clone() {
        on_cleanup(move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        });
    }
    let close = move || {
        ctx.dialog.set(None);
        focus_pane(ctx, ctx.active_pane());
    };
    let on_key = move |ev: ev::KeyboardEvent| {
        if matches!(ev.key().as_str(), "Escape" | "F3") {
            ev.prevent_default();
            close();
        }
    };
    let lang = ctx.lang.get_untracked().code();
    let spec = at.child(&name).spec();
    let body = match view.clone() {
        None => view! { <p class="muted" role="status">{t.computing}</p> }.into_any(),
        Some(Err(e)) => view! { <p class="error-text" role="alert">{e}</p> }.into_any(),
        Some(Ok(v)) => {
            let meta = format!(
                "{} · {}{}",
                format::size(v.size),
                format::time(&v.mod_time, lang),
                if v.reused {
                    format!(" · {}", t.view_reused)
                } else {
                    String::new()
                }
            );
            let content = match v.kind.as_str() {
                "text" => view! {
                    <pre class="viewer-text">{v.text.clone().unwrap_or_default()}</pre>
                    {v.cut.then(|| view! { <p class="muted view-cut">{t.view_cut}</p> })}
                }
                .into_any(),
                "image" => match image.clone() {
                    Some(url) => view! { <img class="viewer-image" src=url alt=v.name.clone()/> }.into_any(),
                    None => view! { <p class="error-text">{t.view_image_failed}</p> }.into_any(),
                },
                "pdf" => {
                    let (at, name) = (at.clone(), name.clone());
                    view! {
                        <p class="muted">{t.view_pdf}</p>
                        <button id="view-open" class="primary"
                            on:click=move |_| actions::view::open_outside(ctx, at.clone(), name.clone())>{t.view_open}</button>
                    }
                    .into_any()
                }
                _ => view! { <p class="muted view-binary">{t.view_binary}</p> }.into_any(),
            };
            view! { <p class="muted view-meta">{meta}</p>{content} }.into_any()
        }
    };
    let kind = view
        .as_ref()
        .map(|v| {
            v.as_ref()
                .map(|v| v.kind.clone())
                .unwrap_or_else(|_| "error".to_owned())
        })
        .unwrap_or_else(|| "loading".to_owned());
    view! {
        <div class="overlay" on:click=move |_| close()>
            <div id="dialog" class="dialog viewer" role="dialog" aria-modal="true" aria-labelledby="dialog-title"
                data-kind="view" data-view=kind on:click=|ev| ev.stop_propagation() on:keydown=on_key>
                <h2 id="dialog-title"><span class="muted">{format!("{} · ", t.view)}</span>{name.clone()}</h2>
                <p class="from"><code class="src">{spec}</code></p>
                <div class="viewer-body" tabindex="0" node_ref=body_ref>{body}</div>
                <div class="buttons">
                    <button id="dialog-cancel" on:click=move |_| close()>{t.close}</button>
                </div>
            </div>
        </div>
    }
    .into_any()
}

/// The files open in an editor: what happened to each one's last save, the question when
/// the remote file changed meanwhile, and a way to stop watching.
#[component]
pub fn EditStrip() -> impl IntoView {
    let ctx = use_ctx();
    move || {
        let t = ctx.t();
        let list = ctx.edits.get();
        (!list.is_empty()).then(|| {
            view! {
                <ul id="edits" class="edit-list">
                    {list.into_iter().map(|(id, e)| {
                        use rcmd_types::EditEvent::*;
                        let (kind, spec, said) = match &e {
                            Opened { spec, .. } => ("opened", spec.clone(), t.edit_opened.to_owned()),
                            Uploaded { spec, size, .. } => ("uploaded", spec.clone(), format!("{} ({})", t.edit_uploaded, format::size(*size))),
                            RemoteChanged { spec, .. } => ("changed", spec.clone(), t.edit_changed.to_owned()),
                            Kept { spec, .. } => ("kept", spec.clone(), t.edit_kept.to_owned()),
                            Failed { spec, message, .. } => ("failed", spec.clone(), format!("{} {message}", t.edit_failed)),
                            Stopped { spec, .. } => ("stopped", spec.clone(), String::new()),
                        };
                        let name = spec.rsplit('/').next().unwrap_or(&spec).rsplit(':').next().unwrap_or_default().to_owned();
                        view! {
                            <li class="edit" data-edit-id=id.to_string() data-state=kind title=spec.clone()>
                                <strong>{format!("{} · {name}", t.edit)}</strong>" "
                                <span class="edit-state" role="status">{said}</span>
                                {(kind == "changed").then(|| view! {
                                    <button class="edit-upload primary" on:click=move |_| actions::view::edit_answer(id, true)>{t.edit_upload}</button>
                                    <button class="edit-keep" on:click=move |_| actions::view::edit_answer(id, false)>{t.edit_keep}</button>
                                })}
                                <button class="edit-stop link" on:click=move |_| actions::view::edit_stop(id)>{t.edit_stop}</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }
        })
    }
}
