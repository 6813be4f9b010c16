//! The tray icon: built once, its icon, label and menu kept in step with the engine every
//! two seconds (from `rcmd_core::desktop::tray_model`). Some desktops show no tray: the window, a second
//! launch and the close prompt never depend on it.

use std::sync::{Arc, Mutex};

use tauri::{
    image::Image,
    menu::{Menu, MenuItem, PredefinedMenuItem},
    tray::{TrayIcon, TrayIconBuilder},
    AppHandle, Manager,
};

use crate::state::AppState;
use rcmd_core::desktop::tray_model::{self, Lang, Shown, TrayStatus};

fn icon(s: TrayStatus) -> Image<'static> {
    match s {
        TrayStatus::Idle => tauri::include_image!("../icons/tray-idle.png"),
        TrayStatus::Transferring => tauri::include_image!("../icons/tray-busy.png"),
        TrayStatus::Problem => tauri::include_image!("../icons/tray-problem.png"),
    }
}

/// The page's language for the tray's words.
#[derive(Default)]
pub struct TrayLang(pub Mutex<Lang>);

fn lang(app: &AppHandle) -> Lang {
    app.try_state::<TrayLang>()
        .and_then(|l| l.0.lock().ok().map(|l| *l))
        .unwrap_or_default()
}

/// Builds the tray and starts keeping it current. A failure is logged: the app runs on.
pub fn spawn(app: &AppHandle) {
    let built = (|| -> tauri::Result<(TrayIcon, Vec<MenuItem<tauri::Wry>>)> {
        let items: Vec<MenuItem<tauri::Wry>> = tray_model::menu(lang(app), 0, 0)
            .into_iter()
            .map(|i| MenuItem::with_id(app, i.id, i.label, i.enabled, None::<&str>))
            .collect::<tauri::Result<_>>()?;
        let sep = PredefinedMenuItem::separator(app)?;
        let menu = Menu::with_items(app, &[&items[0], &sep, &items[1], &items[2], &sep, &items[3]])?;
        let tray = TrayIconBuilder::with_id("main")
            .icon(icon(TrayStatus::Idle))
            .tooltip("RCMD")
            .menu(&menu)
            .on_menu_event(|app, ev| on_menu(app, ev.id().as_ref()))
            .build(app)?;
        Ok((tray, items))
    })();
    let (tray, items) = match built {
        Ok(t) => t,
        Err(e) => return tracing::warn!(error = %e, "no tray icon"),
    };
    let app = app.clone();
    let items = Arc::new(items);
    tauri::async_runtime::spawn(async move {
        let mut shown = Shown::default();
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            let Some(state) = app.try_state::<AppState>() else {
                continue;
            };
            let Some(change) = shown.next(&state.engine, &state.conn.rc(), lang(&app)).await else {
                continue;
            };
            let (tray, items) = (tray.clone(), items.clone());
            // not from this worker: see `on_main_thread`
            super::on_main_thread(&app, move || {
                if change.new_icon {
                    let _ = tray.set_icon(Some(icon(change.status)));
                }
                let _ = tray.set_tooltip(Some(&change.title));
                let _ = tray.set_title(Some(&change.title));
                // a Linux tray menu cannot be replaced: its items change in place
                for (item, model) in items.iter().zip(change.menu) {
                    let _ = item.set_text(model.label);
                    let _ = item.set_enabled(model.enabled);
                }
            });
        }
    });
}

fn on_menu(app: &AppHandle, id: &str) {
    match id {
        tray_model::SHOW => super::show_main(app),
        tray_model::PAUSE_ALL => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                if let Some(state) = app.try_state::<AppState>() {
                    state.engine.runner.pause_all(std::time::Duration::from_secs(10)).await;
                }
            });
        }
        tray_model::RESUME_ALL => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                if let Some(state) = app.try_state::<AppState>() {
                    state.engine.runner.resume_paused().await;
                }
            });
        }
        tray_model::QUIT => super::close::request_quit(app),
        _ => {}
    }
}
