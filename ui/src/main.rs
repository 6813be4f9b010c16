//! RCMD's UI: a Leptos client-side app in the Tauri window.

mod actions;
mod app;
mod components;
mod format;
mod i18n;
mod ipc;
mod logic;
mod state;

fn main() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        // where it happened, for a bug report (function names survive wasm-opt)
        let err = js_sys::Error::new("");
        let stack = js_sys::Reflect::get(&err, &"stack".into())
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_default();
        show_crash(&format!("{info}\n\n{stack}"));
    }));
    leptos::mount::mount_to_body(app::App);
}

/// A panic must not leave a blank page: replace it with a readable message.
fn show_crash(detail: &str) {
    let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) else {
        return;
    };
    body.set_inner_text(&format!(
        "RCMD UI error / UI 오류 — please restart the app / 앱을 다시 시작하세요.\n\n{detail}"
    ));
}
