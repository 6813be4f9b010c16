//! Scheduled batches on this computer: list, save, remove, run history, and the system timer
//! that runs them while the app is closed.

use rcmd_core::{
    schedule::timer,
    types::{IpcErrorKind, ScheduleInfo, ScheduleRun, ScheduleSpec, TimerState},
};
use tauri::State;

use crate::{error::CmdResult, state::AppState, CmdError};

fn store_err(e: rcmd_core::batch::StoreError) -> CmdError {
    CmdError::new(IpcErrorKind::Internal, e.to_string())
}

#[tauri::command]
pub async fn schedule_list(state: State<'_, AppState>) -> CmdResult<Vec<ScheduleInfo>> {
    state.engine.scheduler.list().await.map_err(store_err)
}

/// Adds (`id` none) or changes a schedule; returns its id.
#[tauri::command]
pub async fn schedule_save(state: State<'_, AppState>, id: Option<i64>, spec: ScheduleSpec) -> CmdResult<i64> {
    let invalid = |e: String| CmdError::new(IpcErrorKind::InvalidInput, e);
    match id {
        Some(id) => state
            .engine
            .scheduler
            .update(id, &spec)
            .await
            .map(|()| id)
            .map_err(invalid),
        None => state.engine.scheduler.add(&spec).await.map_err(invalid),
    }
}

#[tauri::command]
pub async fn schedule_remove(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    state.engine.scheduler.store().remove(id).await.map_err(store_err)
}

/// The latest runs (of one schedule, or all), newest first.
#[tauri::command]
pub async fn schedule_runs(state: State<'_, AppState>, id: Option<i64>) -> CmdResult<Vec<ScheduleRun>> {
    state.engine.scheduler.store().runs(id, 200).await.map_err(store_err)
}

#[tauri::command]
pub fn schedule_timer_state() -> TimerState {
    let systemd = timer::systemd_dir().is_some_and(|d| d.join(format!("{}.timer", timer::UNIT)).is_file());
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    TimerState {
        systemd,
        command: format!("{exe} schedule run-due"),
    }
}

/// Installs or removes the system timer (`cron`: a crontab line instead of systemd units).
#[tauri::command]
pub async fn schedule_timer(install: bool, cron: bool) -> CmdResult<TimerState> {
    let done = tauri::async_runtime::spawn_blocking(move || {
        if install {
            rcmd_cli::schedule::install(cron)
        } else {
            rcmd_cli::schedule::remove(cron)
        }
    })
    .await
    .map_err(|e| CmdError::new(IpcErrorKind::Internal, e.to_string()))?;
    done.map_err(|e| CmdError::new(IpcErrorKind::Rclone, e))?;
    Ok(schedule_timer_state())
}
