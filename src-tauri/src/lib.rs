//! The RCMD desktop app: a thin Tauri shell over `rcmd-core`.
//!
//! Setup starts the rclone sidecar supervisor, the bridge forwards core events to the page,
//! commands delegate to the core, and exit stops rclone.

mod bridge;
mod commands;
mod desktop;
mod error;
mod held;
mod sidecar;
mod startup_error;
mod state;

use std::{sync::Arc, time::Duration};

use rcmd_core::{
    app_dirs,
    desktop::{autostart::MINIMIZED_ARG, single_instance},
    engine::{Engine, EngineConfig},
    settings::Settings,
};
use tauri::{Manager, RunEvent, WindowEvent};

pub use error::CmdError;
use state::AppState;

/// Builds and runs the app until it exits.
pub fn run() {
    // held by the exit handler below: the event loop ends the process without returning, so
    // the guard must be dropped there or the last lines ("RCMD exited") may never be written
    let mut log_guard = Some(rcmd_core::logging::init("info", Some(&app_dirs::log_dir())));
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "RCMD starting");
    // one app per user and data folder: a second launch shows the first one's window
    let primary = match tauri::async_runtime::block_on(single_instance::acquire(&single_instance::socket_path(
        &app_dirs::data_dir(),
    ))) {
        Ok(single_instance::Instance::Secondary) => {
            tracing::info!("RCMD is already running; its window was asked to show");
            return;
        }
        Ok(single_instance::Instance::Primary(p)) => Some(p),
        Err(e) => {
            tracing::warn!(error = %e, "cannot check for another running RCMD; starting anyway");
            None
        }
    };
    let minimized = std::env::args().any(|a| a == MINIMIZED_ARG);
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_shell::init())
        .manage(desktop::tray::TrayLang::default())
        .manage(desktop::close::Quitting::default())
        .on_window_event(|window, event| {
            // closing while batches run asks first (see desktop::close)
            if let WindowEvent::CloseRequested { api, .. } = event {
                if window.label() == "main" && desktop::close::hold_close(window.app_handle()) {
                    api.prevent_close();
                }
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::app::app_snapshot,
            commands::app::restart_sidecar,
            commands::app::set_rclone_config,
            commands::app::set_auto_resume,
            commands::files::list_remotes,
            commands::files::list_dir,
            commands::files::open_dir,
            commands::files::dir_rest,
            commands::files::remote_usage,
            commands::files::make_dir,
            commands::files::delete_file,
            commands::files::copy_file,
            commands::commander::rename,
            commands::commander::properties,
            commands::view::quick_view,
            commands::view::quick_view_bytes,
            commands::view::quick_view_open,
            commands::view::edit_file,
            commands::view::edit_answer,
            commands::view::edit_stop,
            commands::commander::transfer_stats,
            commands::commander::bwlimit,
            commands::breakers::breaker_states,
            commands::breakers::reset_breaker,
            commands::breakers::pause_remote,
            commands::batches::batch_list,
            commands::batches::batch_create,
            commands::batches::batch_conflicts,
            commands::batches::batch_resume,
            commands::batches::batch_pause,
            commands::batches::batch_cancel,
            commands::batches::batch_retry_failed,
            commands::batches::batch_report,
            commands::batches::batch_progress,
            commands::compare::compare_start,
            commands::compare::compare_cancel,
            commands::compare::compare_page,
            commands::compare::compare_set,
            commands::compare::sync_preview,
            commands::compare::sync_start,
            commands::compare::find_start,
            commands::compare::find_cancel,
            commands::compare::filter_presets,
            commands::compare::filter_preset_save,
            commands::notify::notify_settings,
            commands::notify::save_notify_settings,
            commands::notify::notify_test,
            commands::notify::notify_status,
            commands::connection::server_list,
            commands::connection::server_save,
            commands::connection::server_remove,
            commands::connection::server_test,
            commands::connection::connection_use,
            commands::connection::connection_state,
            commands::remotes::remote_providers,
            commands::remotes::remote_create,
            commands::remotes::remote_update,
            commands::remotes::remote_answer,
            commands::remotes::remote_get,
            commands::remotes::remote_delete,
            commands::remotes::remote_test,
            commands::remotes::remote_oauth_stop,
            commands::remotes::remote_oauth_status,
            commands::mounts::mount_list,
            commands::mounts::mount_support,
            commands::mounts::mount_save,
            commands::mounts::mount_remove,
            commands::mounts::mount_up,
            commands::mounts::mount_down,
            commands::mounts::mount_cancel,
            commands::mounts::mount_pending_all,
            commands::mounts::serve_list,
            commands::mounts::serve_add,
            commands::mounts::serve_remove,
            commands::mounts::serve_up,
            commands::mounts::serve_down,
            commands::mounts::remote_cleanup,
            commands::schedules::schedule_list,
            commands::schedules::schedule_save,
            commands::schedules::schedule_remove,
            commands::schedules::schedule_runs,
            commands::schedules::schedule_timer_state,
            commands::schedules::schedule_timer,
            commands::pairs::pair_list,
            commands::pairs::pair_save,
            commands::pairs::pair_remove,
            commands::pairs::pair_preview,
            commands::pairs::pair_resync,
            commands::pairs::pair_run,
            commands::pairs::watch_status,
            commands::desktop::logs_read,
            commands::desktop::autostart_state,
            commands::desktop::autostart_set,
            commands::desktop::config_lock_state,
            commands::desktop::config_unlock,
            commands::desktop::set_ui_language,
            desktop::close::close_choice,
        ])
        .setup(move |app| {
            let handle = app.handle().clone();
            // the same file as the command line's (Tauri's app_config_dir is this folder too)
            let settings_path = app_dirs::settings_file();
            let (settings, settings_problem) = Settings::load_or_recover(&settings_path);
            // the batch database is shared with `rcmd batch` (same path)
            let mut cfg = EngineConfig::for_user(&settings);
            cfg.remembered_config_password = true;
            let launcher = sidecar::ShellLauncher::new(handle.clone());
            let engine = match tauri::async_runtime::block_on(Engine::start(launcher, cfg)) {
                Ok(e) => e,
                Err(e) => {
                    // a locked or corrupt database, a full disk: say it in a window, not only on stderr
                    tracing::error!(error = %e, "cannot start the engine");
                    startup_error::show(&handle, &e.to_string());
                    return Ok(());
                }
            };
            let focus = std::sync::Arc::new(rcmd_core::connection::Focus::default());
            bridge::spawn(handle.clone(), &engine.bus, engine.supervisor.clone(), focus.clone());
            let page = bridge::Page::attach(&engine, handle.clone(), focus.clone());
            // after attaching: a resumed batch's first reports reach the window
            tauri::async_runtime::block_on(async {
                engine.keep_running(settings.auto_resume_batches, Duration::from_secs(15));
                // mounts: answer `rcmd-cli mount down`, check all after a resume, auto-mount
                engine.mounts.answer_requests();
                rcmd_core::mount::resume::watch(engine.mounts.clone(), Duration::from_secs(5), None);
                let mounts = engine.mounts.clone();
                tokio::spawn(async move {
                    match mounts.start_auto().await {
                        Ok(started) if !started.is_empty() => tracing::info!(?started, "auto-mount"),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "auto-mount"),
                    }
                });
            });
            let conn =
                rcmd_core::connection::Connections::new(&engine, settings_path.clone(), focus, Arc::new(page.clone()));
            // the server chosen last time; if it cannot be used the app stays on this computer
            let connection_problem = tauri::async_runtime::block_on(conn.restore(settings.active_server.as_deref()));
            app.manage(commands::compare::Compares::default());
            app.manage(AppState {
                conn,
                settings_path: settings_path.clone(),
                settings_problem: settings_problem
                    .map(|e| e.to_string())
                    .or(engine.problems.first().cloned())
                    .or(connection_problem),
                page,
                engine,
                edits: Default::default(),
                held: Default::default(),
            });
            if let Some(w) = app.get_webview_window("main") {
                desktop::window_state::restore(&w, settings.window);
                desktop::window_state::track(&w, settings_path.clone());
                if minimized {
                    tracing::info!("started minimised");
                    let _ = w.hide();
                }
            }
            desktop::tray::spawn(&handle);
            if let Some(p) = primary {
                let h = handle.clone();
                tauri::async_runtime::block_on(async move { p.serve(move || desktop::show_main(&h)) });
            }
            exit_on_signals(handle);
            Ok(())
        })
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the app");
            drop(log_guard);
            std::process::exit(1);
        }
    };

    app.run(move |app, event| {
        if let RunEvent::Exit = event {
            // no engine when start-up failed: nothing to stop
            let Some(state) = app.try_state::<AppState>() else {
                return drop(log_guard.take());
            };
            // core/quit, then kill: no rclone is left behind
            if !state
                .engine
                .shutdown_blocking(tauri::async_runtime::handle().inner(), Duration::from_secs(8))
            {
                tracing::error!("rclone did not stop within 8 s");
            }
            tracing::info!("RCMD exited");
            // flushes the file writer (waits for its queue) before the process ends
            drop(log_guard.take());
        }
    });
}

/// SIGTERM and SIGINT end the app through its normal exit path, so rclone is stopped.
fn exit_on_signals(handle: tauri::AppHandle) {
    tauri::async_runtime::spawn(async move {
        let signal = rcmd_core::stop_signal::wait().await;
        tracing::info!(signal, "exiting");
        handle.exit(0);
    });
}
