//! Durations and sizes: read from the command line, written in messages.
//!
//! One place for both directions, so that what `--help` accepts (`30`, `2.5s`, `500ms`,
//! `1m`; `16MiB`, `500KiB`, `1000000`) and what messages print (`30 s`, `16 MiB`) agree.

use std::fmt;
use std::time::Duration;

/// The longest duration an option accepts: a day.
const MAX_SECONDS: f64 = 86_400.0;

/// Why a duration or size was refused; the caller names the option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitError {
    Duration,
    Size,
}

impl fmt::Display for UnitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UnitError::Duration => {
                "expected a positive duration of at most a day, such as 30, 2.5s, 500ms or 1m"
            }
            UnitError::Size => "expected a positive size such as 16MiB, 500KiB or 1000000",
        })
    }
}

impl std::error::Error for UnitError {}

/// Parses `30` (seconds), `2.5s`, `500ms`, `1m`, `1h`: positive, at most a day.
pub fn parse_duration(value: &str) -> Result<Duration, UnitError> {
    let (number, unit) = split_unit(value.trim());
    let scale = match unit.to_ascii_lowercase().as_str() {
        "" | "s" => 1.0,
        "ms" => 0.001,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => return Err(UnitError::Duration),
    };
    let seconds = number.parse::<f64>().map_err(|_| UnitError::Duration)? * scale;
    if !seconds.is_finite() || seconds <= 0.0 || seconds > MAX_SECONDS {
        return Err(UnitError::Duration);
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Parses `16MiB`, `500KiB`, `1000000`, `2M`, `1.5MiB`: binary multiples (as `--help`
/// says), at least one byte, decimals rounded down to whole bytes.
pub fn parse_size(value: &str) -> Result<u64, UnitError> {
    let (number, unit) = split_unit(value.trim());
    let scale: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(UnitError::Size),
    };
    let number = number.parse::<f64>().map_err(|_| UnitError::Size)?;
    let bytes = number * scale as f64;
    if !bytes.is_finite() || bytes < 1.0 || bytes >= u64::MAX as f64 {
        return Err(UnitError::Size);
    }
    Ok(bytes as u64)
}

fn split_unit(value: &str) -> (&str, &str) {
    let split = value
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(value.len());
    (&value[..split], value[split..].trim())
}

/// `30 s`, `1.5 s`, `200 ms`.
pub fn human_duration(duration: Duration) -> String {
    if duration < Duration::from_secs(1) {
        format!("{} ms", duration.as_millis())
    } else if duration.subsec_millis() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{:.1} s", duration.as_secs_f64())
    }
}

/// `16 MiB`, `500 KiB`, `1000 bytes`: the largest binary unit that divides it exactly.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, unit) in UNITS {
        if bytes >= size && bytes % size == 0 {
            return format!("{} {unit}", bytes / size);
        }
    }
    format!("{bytes} bytes")
}

/// `31.7 MiB`, `512 KiB`, `900 bytes`: a size to one decimal, for figures that are
/// not exact multiples (a plan, an estimate).
pub fn human_size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, unit) in UNITS {
        if bytes >= size {
            let value = bytes as f64 / size as f64;
            return if bytes % size == 0 {
                format!("{} {unit}", bytes / size)
            } else {
                format!("{value:.1} {unit}")
            };
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration(" 2.5s "), Ok(Duration::from_millis(2500)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86_400)));
        for bad in ["", "0", "-1", "soon", "25h", "1x", "1e400", "."] {
            assert_eq!(parse_duration(bad), Err(UnitError::Duration), "{bad}");
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1.5MiB"), Ok(1_572_864));
        assert_eq!(parse_size("16M"), Ok(16 << 20));
        assert_eq!(parse_size("2KiB"), Ok(2048));
        assert_eq!(parse_size("1000000"), Ok(1_000_000));
        for bad in ["0.5", "0", "lots", "", "1TiB", "-1"] {
            assert_eq!(parse_size(bad), Err(UnitError::Size), "{bad}");
        }
    }

    #[test]
    fn words() {
        assert_eq!(human_duration(Duration::from_secs(30)), "30 s");
        assert_eq!(human_duration(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(human_duration(Duration::from_millis(200)), "200 ms");
        assert_eq!(human_bytes(16 << 20), "16 MiB");
        assert_eq!(human_bytes(1000), "1000 bytes");
        assert_eq!(human_size(33_218_886), "31.7 MiB");
        assert_eq!(human_size(16 << 20), "16 MiB");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(900), "900 bytes");
    }
}
