//! Scheduled batches on this computer: list, save, remove, run history, and the system timer
//! that runs them while the app is closed.

use rcmd_core::{
    schedule::timer,
    types::{IpcErrorKind, ScheduleInfo, ScheduleRun, ScheduleSpec, TimerState},
};
use tauri::State;

use crate::{error::CmdResult, state::AppState, CmdError};

#[tauri::command]
pub async fn schedule_list(state: State<'_, AppState>) -> CmdResult<Vec<ScheduleInfo>> {
    state.engine.scheduler.list().await.map_err(CmdError::internal)
}

/// Adds (`id` none) or changes a schedule; returns its id.
#[tauri::command]
pub async fn schedule_save(state: State<'_, AppState>, id: Option<i64>, spec: ScheduleSpec) -> CmdResult<i64> {
    let saved = match id {
        Some(id) => state.engine.scheduler.update(id, &spec).await.map(|()| id),
        None => state.engine.scheduler.add(&spec).await,
    };
    let saved = saved.map_err(|e| CmdError::judged(&e, e.is_bad_input()))?;
    // a watch switched on, off or changed takes effect now
    state.engine.watches.refresh().await;
    Ok(saved)
}

#[tauri::command]
pub async fn schedule_remove(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    state
        .engine
        .scheduler
        .store()
        .remove(id)
        .await
        .map_err(CmdError::internal)?;
    state.engine.watches.refresh().await;
    Ok(())
}

/// The latest runs (of one schedule, or all), newest first.
#[tauri::command]
pub async fn schedule_runs(state: State<'_, AppState>, id: Option<i64>) -> CmdResult<Vec<ScheduleRun>> {
    state
        .engine
        .scheduler
        .store()
        .runs(id, 200)
        .await
        .map_err(CmdError::internal)
}

#[tauri::command]
pub fn schedule_timer_state() -> TimerState {
    timer::state(&std::env::current_exe().unwrap_or_default())
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
    .map_err(CmdError::internal)?;
    done.map_err(|e| CmdError::new(IpcErrorKind::Rclone, e))?;
    Ok(schedule_timer_state())
}
