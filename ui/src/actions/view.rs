//! Quick view (F3): asks the app for a file's view (`commands/view.rs`), and an image's bytes
//! as an object URL the dialog shows.

use leptos::{prelude::*, task::spawn_local};
use rcmd_types::QuickView;

use super::DirArgs;
use crate::{
    ipc,
    state::{Ctx, Dialog, Location},
};

/// Opens the quick view of `name` in `at` and fetches it.
pub fn ask_view(ctx: Ctx, at: Location, name: String) {
    ctx.dialog.set(Some(Dialog::View {
        at: at.clone(),
        name: name.clone(),
        view: None,
        image: None,
    }));
    spawn_local(async move {
        let file = at.child(&name);
        let args = DirArgs::of(&file);
        let reply = ipc::invoke::<_, QuickView>("quick_view", &args).await;
        let image = match &reply {
            Ok(v) if v.kind == "image" => image_url(&args, v.mime.as_deref()).await,
            _ => None,
        };
        let still_open =
            |d: &Option<Dialog>| matches!(d, Some(Dialog::View { at: a, name: n, .. }) if *a == at && *n == name);
        if !ctx.dialog.with_untracked(still_open) {
            if let Some(url) = image {
                let _ = web_sys::Url::revoke_object_url(&url);
            }
            return;
        }
        ctx.dialog.update(|d| {
            if let Some(Dialog::View { view, image: img, .. }) = d {
                *view = Some(reply.map_err(|e| e.message));
                *img = image;
            }
        });
    });
}

/// The image's bytes as an object URL (`None` if they cannot be read: the dialog says so).
async fn image_url(args: &DirArgs<'_>, mime: Option<&str>) -> Option<String> {
    let bytes = ipc::invoke_bytes("quick_view_bytes", args).await.ok()?;
    let parts = js_sys::Array::of1(&bytes);
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime.unwrap_or("application/octet-stream"));
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

/// Opens the file with the system's viewer (a PDF).
pub fn open_outside(ctx: Ctx, at: Location, name: String) {
    spawn_local(async move {
        let file = at.child(&name);
        if let Err(e) = ipc::invoke::<_, ()>("quick_view_open", &DirArgs::of(&file)).await {
            ctx.error.set(Some(e));
        }
    });
}

/// F4: opens the file in the system's editor; its saves are uploaded (reported as edit events).
pub fn edit(ctx: Ctx, at: Location, name: String) {
    spawn_local(async move {
        let file = at.child(&name);
        if let Err(e) = ipc::invoke::<_, u64>("edit_file", &DirArgs::of(&file)).await {
            ctx.error.set(Some(e));
        }
    });
}

/// An edit session's report: kept for the strip under the commander (a stopped session
/// leaves it); an upload refreshes the panes showing the file's folder.
pub fn edit_event(ctx: Ctx, e: rcmd_types::EditEvent) {
    use rcmd_types::EditEvent::*;
    if let Uploaded { spec, .. } = &e {
        if let Some(folder) = Location::parse(spec).and_then(|l| l.parent()) {
            super::refresh_showing(ctx, &folder);
        }
    }
    let id = e.id();
    ctx.edits.update(|m| {
        if matches!(e, Stopped { .. }) {
            m.remove(&id);
        } else {
            m.insert(id, e);
        }
    });
}

#[derive(serde::Serialize)]
struct AnswerArgs {
    id: u64,
    upload: bool,
}

#[derive(serde::Serialize)]
struct IdArgs {
    id: u64,
}

/// Upload the edit over a remote file that changed meanwhile, or keep the remote one.
pub fn edit_answer(id: u64, upload: bool) {
    spawn_local(async move {
        let _ = ipc::invoke::<_, bool>("edit_answer", &AnswerArgs { id, upload }).await;
    });
}

/// Stops uploading the saves of session `id`.
pub fn edit_stop(id: u64) {
    spawn_local(async move {
        let _ = ipc::invoke::<_, ()>("edit_stop", &IdArgs { id }).await;
    });
}
