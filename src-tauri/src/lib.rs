//! The RCMD desktop app: a thin Tauri shell over `rcmd-core`.
//!
//! Setup starts the rclone sidecar supervisor, the bridge forwards core events to the page,
//! commands delegate to the core, and exit stops rclone.

mod batches;
mod bridge;
pub mod cli;
mod commands;
mod error;
mod logging;
mod notifications;
pub mod paths;
mod sidecar;
mod state;

use std::time::Duration;

use std::sync::Arc;

use rcmd_core::{
    batch::{Processor, ProcessorConfig, Store},
    events::EventBus,
    resilience::layer::{ResilienceConfig, Resilient},
    settings::Settings,
    sidecar::{SidecarConfig, Supervisor},
};
use tauri::{Manager, RunEvent};

pub use error::CmdError;
use state::AppState;

/// Builds and runs the app until it exits.
pub fn run() {
    logging::init();
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
        ])
        .setup(|app| {
            let handle = app.handle().clone();
            let settings_path = app.path().app_config_dir()?.join("settings.json");
            let settings = Settings::load(&settings_path).unwrap_or_else(|e| {
                // keep the user's file untouched; run with defaults and say why
                tracing::warn!(error = %e, "using default settings");
                Settings::default()
            });
            let config = SidecarConfig { rclone_config: settings.rclone_config.clone(), ..Default::default() };
            let bus = EventBus::default();
            let launcher = sidecar::ShellLauncher::new(handle.clone());
            // Supervisor::start spawns on the Tauri (tokio) runtime.
            let supervisor = tauri::async_runtime::block_on(async {
                Supervisor::start(launcher, config, bus.clone())
            });
            let rc = Arc::new(Resilient::new(Arc::new(supervisor.clone()), ResilienceConfig::default(), bus.clone()));
            bridge::spawn(handle.clone(), &bus, supervisor.clone());
            // the batch database is shared with `rcmd batch` (same path)
            let store = tauri::async_runtime::block_on(Store::open(&paths::batch_db()))?;
            let mut processor = Processor::new(store.clone(), rc.clone(), ProcessorConfig::new(paths::data_dir().join("work")));
            processor.bus = Some(bus.clone());
            let secrets = rcmd_core::notify::secrets::SecretStore::new(paths::config_dir().join("secrets.json"));
            let notifications = notifications::Notifications::new(secrets, bus.clone());
            let n2 = notifications.clone();
            let notify_settings = settings.notifications.clone();
            tauri::async_runtime::block_on(async move { n2.apply(&notify_settings) });
            let batches = batches::Batches::new(store, processor, handle.clone());
            let batches2 = batches.clone();
            // after setup: the supervisor must be running for a resumed batch
            tauri::async_runtime::spawn(async move { batches2.recover_interrupted(settings.auto_resume_batches).await });
            app.manage(AppState { supervisor, rc, settings_path, batches, notifications });
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
            let supervisor = app.state::<AppState>().supervisor.clone();
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
