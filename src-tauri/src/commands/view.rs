//! Quick view (F3): a file fetched once into the private view cache (`rcmd_core::view`), then
//! shown as text, as an image, or handed to the system's viewer (PDF).

use rcmd_core::{
    app_dirs,
    remote_path::RemotePath,
    types::QuickView,
    view::{self, Fetched, Kind},
};
use tauri::State;
use tokio_util::sync::CancellationToken;

use crate::{error::CmdResult, state::AppState};

/// Fetches `remote:path` into the view cache (through this computer's rclone, or the server's).
async fn fetch(state: &AppState, remote: &str, path: &str) -> CmdResult<Fetched> {
    let file = RemotePath::new(remote, path)?;
    let rc = state.conn.rc();
    Ok(view::fetch(&rc, &file, &app_dirs::view_cache(), &CancellationToken::new()).await?)
}

/// What the quick view shows of `remote:path`.
#[tauri::command]
pub async fn quick_view(state: State<'_, AppState>, remote: String, path: String) -> CmdResult<QuickView> {
    let f = fetch(&state, &remote, &path).await?;
    let (kind, mime, text, cut) = match view::kind_of(&f.entry.name) {
        Kind::Image(mime) => ("image", Some(mime.to_owned()), None, false),
        Kind::Pdf => ("pdf", None, None, false),
        Kind::Other => match view::read_text(&f.local).map_err(crate::CmdError::internal)? {
            Some((text, cut)) => ("text", None, Some(text), cut),
            None => ("binary", None, None, false),
        },
    };
    Ok(QuickView {
        name: f.entry.name,
        size: f.entry.size,
        mod_time: f.entry.mod_time,
        kind: kind.to_owned(),
        mime,
        text,
        cut,
        reused: f.reused,
    })
}

/// The bytes of an image the quick view shows (from the copy `quick_view` fetched).
#[tauri::command]
pub async fn quick_view_bytes(
    state: State<'_, AppState>,
    remote: String,
    path: String,
) -> CmdResult<tauri::ipc::Response> {
    let f = fetch(&state, &remote, &path).await?;
    if !matches!(view::kind_of(&f.entry.name), Kind::Image(_)) {
        return Err(crate::CmdError::internal(format!("{} is not an image", f.entry.name)));
    }
    let bytes = tokio::fs::read(&f.local).await.map_err(crate::CmdError::internal)?;
    Ok(tauri::ipc::Response::new(bytes))
}

/// Opens `remote:path` (fetched into the cache) with the system's viewer.
#[tauri::command]
pub async fn quick_view_open(state: State<'_, AppState>, remote: String, path: String) -> CmdResult<()> {
    let f = fetch(&state, &remote, &path).await?;
    view::open_copy(&f.local, &app_dirs::view_cache()).map_err(rcmd_core::Error::from)?;
    Ok(())
}

/// F4: fetches `remote:path` into a private folder, opens it in the system's editor and
/// uploads each save ([`rcmd_core::edit`]); the session reports as `EVENT_EDIT` events.
/// Answers the session's id.
#[tauri::command]
pub async fn edit_file(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    remote: String,
    path: String,
) -> CmdResult<u64> {
    use tauri::Emitter;
    let file = RemotePath::new(&remote, &path)?;
    let sink = move |e: rcmd_core::types::EditEvent| {
        if let Err(err) = app.emit(rcmd_core::types::EVENT_EDIT, &e) {
            tracing::warn!(error = %err, "edit event not delivered");
        }
    };
    Ok(state
        .edits
        .start(state.conn.rc(), file, &app_dirs::edit_dir(), sink)
        .await?)
}

/// The answer to "the remote file changed meanwhile": upload the edit anyway, or keep it.
#[tauri::command]
pub fn edit_answer(state: State<'_, AppState>, id: u64, upload: bool) -> bool {
    state.edits.answer(id, upload)
}

/// Stops uploading the saves of edit session `id`.
#[tauri::command]
pub fn edit_stop(state: State<'_, AppState>, id: u64) {
    state.edits.stop(id);
}
