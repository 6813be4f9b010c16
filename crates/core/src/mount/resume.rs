//! Noticing a resume from sleep, so every mount is checked at once: logind's
//! `PrepareForSleep(false)` on Linux, and everywhere a jump of the wall clock past the
//! monotonic one (the monotonic clock stops while the machine sleeps on Linux and macOS).
//! macOS's `NSWorkspaceDidWakeNotification` and Windows' `WM_POWERBROADCAST` would say it
//! sooner; the clock jump covers them within one tick.

use std::time::{Duration, Instant, SystemTime};

use super::Mounts;

/// How much more the wall clock must advance than the monotonic clock to count as a sleep.
pub const SLEEP_GAP: Duration = Duration::from_secs(10);

/// Whether the wall clock moved `gap` past the monotonic clock between two readings.
pub fn slept(wall: (SystemTime, SystemTime), mono: (Instant, Instant), gap: Duration) -> bool {
    let wall = wall.1.duration_since(wall.0).unwrap_or_default();
    let mono = mono.1.saturating_duration_since(mono.0);
    wall > mono + gap
}

/// Wakes `mounts` after every resume, for as long as the runtime runs. `logind_bus`: the
/// D-Bus address to listen on (`None`: the system bus).
pub fn watch(mounts: Mounts, tick: Duration, logind_bus: Option<String>) {
    let m = mounts.clone();
    tokio::spawn(async move {
        let mut last = (SystemTime::now(), Instant::now());
        loop {
            tokio::time::sleep(tick).await;
            let now = (SystemTime::now(), Instant::now());
            if slept((last.0, now.0), (last.1, now.1), SLEEP_GAP) {
                tracing::info!("the clock jumped: resumed from sleep; checking mounts");
                m.wake();
            }
            last = now;
        }
    });
    #[cfg(target_os = "linux")]
    tokio::spawn(async move {
        if let Err(e) = logind::listen(mounts, logind_bus).await {
            tracing::info!(error = %e, "no logind sleep signals (the clock jump is used instead)");
        }
    });
    #[cfg(not(target_os = "linux"))]
    let _ = (mounts, logind_bus);
}

#[cfg(target_os = "linux")]
mod logind {
    use futures_util::StreamExt;

    use super::Mounts;

    pub async fn listen(mounts: Mounts, bus: Option<String>) -> zbus::Result<()> {
        let conn = match bus {
            Some(addr) => zbus::connection::Builder::address(addr.as_str()).build().await?,
            None => zbus::Connection::system().await?,
        };
        let rule = zbus::MatchRule::builder()
            .msg_type(zbus::message::Type::Signal)
            .interface("org.freedesktop.login1.Manager")
            .member("PrepareForSleep")
            .build()?;
        let mut stream = zbus::MessageStream::for_match_rule(rule, &conn, None).await?;
        tracing::debug!("listening for logind's PrepareForSleep");
        while let Some(msg) = stream.next().await {
            let Ok(msg) = msg else { continue };
            // true: going to sleep; false: resumed
            if msg.body().deserialize::<bool>() == Ok(false) {
                tracing::info!("logind: resumed from sleep; checking mounts");
                mounts.wake();
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wall_clock_jump_past_the_monotonic_one_is_a_sleep() {
        let w0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let m0 = Instant::now();
        let m1 = m0 + Duration::from_secs(5);
        assert!(!slept((w0, w0 + Duration::from_secs(5)), (m0, m1), SLEEP_GAP));
        assert!(!slept((w0, w0 + Duration::from_secs(14)), (m0, m1), SLEEP_GAP));
        assert!(slept((w0, w0 + Duration::from_secs(3600)), (m0, m1), SLEEP_GAP));
        // the wall clock set back: not a sleep
        assert!(!slept((w0, w0 - Duration::from_secs(3600)), (m0, m1), SLEEP_GAP));
    }
}
