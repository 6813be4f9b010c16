//! The RCMD desktop app: a thin Tauri shell over `rcmd-core`.
//!
//! Setup starts the rclone sidecar supervisor, the bridge forwards core events to the page,
//! commands delegate to the core, and exit stops rclone.

mod batches;
mod bridge;
mod commands;
mod connection;
mod error;
mod logging;
mod notifications;
mod seen;
mod sidecar;
mod startup_error;
mod state;

use std::time::Duration;

use rcmd_core::{
    engine::{Engine, EngineConfig},
    paths,
    settings::Settings,
    sidecar::SidecarConfig,
};
use tauri::{Manager, RunEvent};

pub use error::CmdError;
use state::AppState;

/// Builds and runs the app until it exits.
pub fn run() {
    let _log_guard = logging::init();
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "RCMD starting");
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_shell::init())
        .invoke_handler(tauri::generate_handler![
            commands::app::app_snapshot,
            commands::app::restart_sidecar,
            commands::app::set_rclone_config,
            commands::app::set_auto_resume,
            commands::files::list_remotes,
            commands::files::list_dir,
            commands::files::remote_usage,
            commands::files::make_dir,
            commands::files::delete_file,
            commands::files::copy_file,
            commands::commander::rename,
            commands::commander::remove_empty_dirs,
            commands::commander::properties,
            commands::commander::transfer_stats,
            commands::commander::bwlimit,
            commands::breakers::breaker_states,
            commands::breakers::reset_breaker,
            commands::breakers::pause_remote,
            commands::batches::batch_list,
            commands::batches::batch_create,
            commands::batches::batch_resume,
            commands::batches::batch_pause,
            commands::batches::batch_cancel,
            commands::batches::batch_retry_failed,
            commands::batches::batch_report,
            commands::batches::batch_progress,
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
        ])
        .setup(|app| {
            let handle = app.handle().clone();
            // the same file as the command line's (Tauri's app_config_dir is this folder too)
            let settings_path = paths::settings_file();
            let (settings, settings_problem) = Settings::load_or_recover(&settings_path);
            let sidecar = SidecarConfig { rclone_config: settings.rclone_config.clone(), ..Default::default() };
            let launcher = sidecar::ShellLauncher::new(handle.clone());
            // the batch database is shared with `rcmd batch` (same path)
            let engine = tauri::async_runtime::block_on(Engine::start(launcher, EngineConfig::new(paths::data_dir(), sidecar)));
            let engine = match engine {
                Ok(e) => e,
                Err(e) => {
                    // a locked or corrupt database, a full disk: say it in a window, not only on stderr
                    tracing::error!(error = %e, "cannot start the engine");
                    startup_error::show(&handle, &e.to_string());
                    return Ok(());
                }
            };
            let focus = std::sync::Arc::new(connection::Focus::default());
            bridge::spawn(handle.clone(), &engine.bus, engine.supervisor.clone(), focus.clone());
            let (secrets, secrets_problem) = rcmd_core::notify::secrets::SecretStore::open(paths::secrets_file());
            let notifications = notifications::Notifications::new(secrets.clone(), engine.bus.clone());
            let n2 = notifications.clone();
            let notify_settings = settings.notifications.clone();
            tauri::async_runtime::block_on(async move { n2.apply(&notify_settings) });
            let batches = batches::Batches::new(engine.processor.clone(), handle.clone(), focus.clone());
            let runner = batches.runner.clone();
            // after setup: the supervisor must be running for a resumed batch
            tauri::async_runtime::spawn(async move { runner.recover_interrupted(settings.auto_resume_batches).await });
            let conn = connection::Connections::new(handle.clone(), &engine, secrets, settings_path.clone(), focus, batches.listeners.clone());
            // the server chosen last time (no network wait: the link connects in the
            // background); if it cannot be used the app stays on this computer and says why
            let mut connection_problem = None;
            if let Some(name) = settings.active_server.clone() {
                if let Err(e) = tauri::async_runtime::block_on(conn.switch(Some(&name))) {
                    tracing::warn!(server = %name, error = %e, "cannot use the saved server; using this computer");
                    connection_problem = Some(format!("cannot use the saved server {name}: {e}; RCMD uses this computer"));
                }
            }
            app.manage(AppState {
                supervisor: engine.supervisor.clone(),
                conn,
                settings_path,
                settings_problem: settings_problem.map(|e| e.to_string()).or(secrets_problem).or(connection_problem),
                batches,
                notifications,
            });
            #[cfg(unix)]
            exit_on_signals(handle);
            Ok(())
        })
        .build(tauri::generate_context!())
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "cannot start the app");
            std::process::exit(1);
        });

    app.run(|app, event| {
        if let RunEvent::Exit = event {
            // no engine when start-up failed: nothing to stop
            let Some(state) = app.try_state::<AppState>() else { return };
            let supervisor = state.supervisor.clone();
            // core/quit, then kill: no rclone is left behind
            let stopped = tauri::async_runtime::block_on(async {
                tokio::time::timeout(Duration::from_secs(8), supervisor.shutdown()).await
            });
            if stopped.is_err() {
                tracing::error!("rclone did not stop within 8 s");
            }
            tracing::info!("RCMD exited");
        }
    });
}

/// SIGTERM and SIGINT end the app through its normal exit path, so rclone is stopped.
#[cfg(unix)]
fn exit_on_signals(handle: tauri::AppHandle) {
    tauri::async_runtime::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
            tracing::warn!("cannot install signal handlers");
            return;
        };
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: exiting"),
            _ = int.recv() => tracing::info!("SIGINT: exiting"),
        }
        handle.exit(0);
    });
}
