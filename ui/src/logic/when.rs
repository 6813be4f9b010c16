//! The schedule editor's readable "when": presets that map to cron expressions and back, and
//! a sentence for any expression the editor can describe.

/// What the user picks in the editor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum When {
    /// Every day at hour:minute.
    Daily { hour: u32, minute: u32 },
    /// Every hour at the minute.
    Hourly { minute: u32 },
    /// Every week on `weekday` (0 = Sunday) at hour:minute.
    Weekly { weekday: u32, hour: u32, minute: u32 },
    /// A cron expression as typed.
    Custom(String),
}

impl When {
    pub fn to_cron(&self) -> String {
        match self {
            When::Daily { hour, minute } => format!("{minute} {hour} * * *"),
            When::Hourly { minute } => format!("{minute} * * * *"),
            When::Weekly { weekday, hour, minute } => format!("{minute} {hour} * * {weekday}"),
            When::Custom(c) => c.trim().to_owned(),
        }
    }

    /// The preset an expression is, else [`When::Custom`].
    pub fn from_cron(cron: &str) -> When {
        let f: Vec<&str> = cron.split_whitespace().collect();
        let num = |s: &str, max: u32| s.parse::<u32>().ok().filter(|v| *v <= max);
        if f.len() == 5 && f[2] == "*" && f[3] == "*" {
            match (num(f[0], 59), f[1], f[4]) {
                (Some(minute), "*", "*") => return When::Hourly { minute },
                (Some(minute), h, "*") if num(h, 23).is_some() => {
                    return When::Daily {
                        hour: num(h, 23).unwrap_or(0),
                        minute,
                    }
                }
                (Some(minute), h, d) if num(h, 23).is_some() && num(d, 7).is_some() => {
                    return When::Weekly {
                        weekday: num(d, 7).unwrap_or(0) % 7,
                        hour: num(h, 23).unwrap_or(0),
                        minute,
                    }
                }
                _ => {}
            }
        }
        When::Custom(cron.trim().to_owned())
    }

    /// A sentence: "every day at 02:00" / "매일 02:00".
    pub fn describe(&self, korean: bool) -> String {
        const EN_DAYS: [&str; 7] = [
            "Sunday",
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
        ];
        const KO_DAYS: [&str; 7] = ["일요일", "월요일", "화요일", "수요일", "목요일", "금요일", "토요일"];
        match (self, korean) {
            (When::Daily { hour, minute }, false) => format!("every day at {hour:02}:{minute:02}"),
            (When::Daily { hour, minute }, true) => format!("매일 {hour:02}:{minute:02}"),
            (When::Hourly { minute }, false) => format!("every hour at :{minute:02}"),
            (When::Hourly { minute }, true) => format!("매시 {minute}분"),
            (When::Weekly { weekday, hour, minute }, false) => {
                format!("every {} at {hour:02}:{minute:02}", EN_DAYS[*weekday as usize % 7])
            }
            (When::Weekly { weekday, hour, minute }, true) => {
                format!("매주 {} {hour:02}:{minute:02}", KO_DAYS[*weekday as usize % 7])
            }
            (When::Custom(c), _) => format!("cron: {c}"),
        }
    }
}

/// "HH:MM" to (hour, minute).
pub fn parse_time(s: &str) -> Option<(u32, u32)> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m) = (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
    (h < 24 && m < 60).then_some((h, m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_round_trip_through_cron() {
        for w in [
            When::Daily { hour: 2, minute: 0 },
            When::Hourly { minute: 15 },
            When::Weekly {
                weekday: 1,
                hour: 8,
                minute: 30,
            },
        ] {
            assert_eq!(When::from_cron(&w.to_cron()), w);
        }
        assert_eq!(When::Daily { hour: 2, minute: 0 }.to_cron(), "0 2 * * *");
        assert_eq!(
            When::from_cron("0 0 * * 7"),
            When::Weekly {
                weekday: 0,
                hour: 0,
                minute: 0
            }
        );
        assert_eq!(When::from_cron("*/15 * * * *"), When::Custom("*/15 * * * *".into()));
        assert_eq!(When::from_cron("0 2 1 * *"), When::Custom("0 2 1 * *".into()));
    }

    #[test]
    fn sentences_in_both_languages() {
        assert_eq!(When::Daily { hour: 2, minute: 0 }.describe(false), "every day at 02:00");
        assert_eq!(When::Daily { hour: 2, minute: 0 }.describe(true), "매일 02:00");
        assert_eq!(
            When::Weekly {
                weekday: 1,
                hour: 8,
                minute: 30
            }
            .describe(false),
            "every Monday at 08:30"
        );
        assert_eq!(When::Hourly { minute: 5 }.describe(true), "매시 5분");
        assert_eq!(parse_time("02:00"), Some((2, 0)));
        assert_eq!(parse_time("24:00"), None);
        assert_eq!(parse_time("2"), None);
    }
}
