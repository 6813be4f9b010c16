//! The live speed chart: samples of the total speed over the last minutes as an SVG polyline.

/// One sample: page time in ms and bytes per second.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    pub at_ms: f64,
    pub speed: f64,
}

/// Drops samples older than `window_ms` before `now_ms` (the ring the chart keeps).
pub fn trim(samples: &mut Vec<Sample>, now_ms: f64, window_ms: f64) {
    samples.retain(|s| s.at_ms >= now_ms - window_ms);
}

/// A round top for the y axis at or above `max`: 1, 2 or 5 times a power of ten (≥ 1 KiB/s
/// so an idle chart is flat at the bottom, not noise blown up).
pub fn nice_max(max: f64) -> f64 {
    let max = max.max(1024.0);
    let p = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|v| *v >= max)
        .unwrap_or(10.0 * p)
}

/// `points` for `<polyline>` in a `width`×`height` box: x is time (right edge = now), y is
/// speed (bottom = 0, top = `top`). Samples are in time order.
pub fn points(samples: &[Sample], now_ms: f64, window_ms: f64, width: f64, height: f64, top: f64) -> String {
    samples
        .iter()
        .map(|s| {
            let x = width - (now_ms - s.at_ms) / window_ms * width;
            let y = height - (s.speed / top).clamp(0.0, 1.0) * height;
            format!("{:.1},{:.1}", x.clamp(0.0, width), y)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_is_round() {
        assert_eq!(nice_max(0.0), 2000.0);
        assert_eq!(nice_max(3_000_000.0), 5_000_000.0);
        assert_eq!(nice_max(1e7), 1e7);
        assert_eq!(nice_max(1.1e7), 2e7);
    }

    #[test]
    fn points_map_time_and_speed_into_the_box() {
        let s = [
            Sample { at_ms: 0.0, speed: 0.0 },
            Sample {
                at_ms: 30_000.0,
                speed: 50.0,
            },
            Sample {
                at_ms: 60_000.0,
                speed: 100.0,
            },
        ];
        assert_eq!(
            points(&s, 60_000.0, 60_000.0, 300.0, 100.0, 100.0),
            "0.0,100.0 150.0,50.0 300.0,0.0"
        );
        // faster than the top is drawn at the top, not outside the box
        assert_eq!(points(&s[2..], 60_000.0, 60_000.0, 300.0, 100.0, 50.0), "300.0,0.0");
        let mut v = s.to_vec();
        trim(&mut v, 100_000.0, 60_000.0);
        assert_eq!(v.len(), 1);
    }
}
