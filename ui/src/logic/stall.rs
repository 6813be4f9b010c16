//! A transfer whose bytes stopped moving: its speed and ETA are not shown (an average speed
//! over a stalled job makes the ETA climb for minutes), "no progress for N s" is.

/// Seconds without a new byte before a running batch reads as stalled.
pub const STALL_AFTER_S: f64 = 10.0;

/// Bytes last seen and since when (page time, ms).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Seen {
    pub bytes: u64,
    pub since_ms: f64,
}

impl Seen {
    /// The record after a progress frame with `bytes` at `now_ms`: the time moves only when
    /// the bytes do.
    pub fn after(prev: Option<Seen>, bytes: u64, now_ms: f64) -> Seen {
        match prev {
            Some(p) if p.bytes == bytes => p,
            _ => Seen {
                bytes,
                since_ms: now_ms,
            },
        }
    }

    /// Whole seconds without progress at `now_ms`, when that is long enough to say so.
    pub fn stalled_for(&self, now_ms: f64) -> Option<u64> {
        let s = (now_ms - self.since_ms) / 1000.0;
        (s >= STALL_AFTER_S).then_some(s as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stalled_only_while_the_bytes_stand_still() {
        let a = Seen::after(None, 100, 0.0);
        let b = Seen::after(Some(a), 100, 9_000.0);
        assert_eq!(b.stalled_for(9_000.0), None);
        let c = Seen::after(Some(b), 100, 25_000.0);
        assert_eq!(c.stalled_for(25_000.0), Some(25));
        // a new byte: moving again
        let d = Seen::after(Some(c), 101, 26_000.0);
        assert_eq!(d.stalled_for(26_500.0), None);
    }
}
