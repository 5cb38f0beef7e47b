//! Proleptic Gregorian calendar arithmetic on day numbers (days since 1970-01-01, UTC).
//!
//! Howard Hinnant's `days_from_civil` / `civil_from_days`, computed in `i128` so that no `i64`
//! day number can overflow.

/// Days since 1970-01-01 of the proleptic Gregorian date `y-m-d`.
///
/// `m` must be in `1..=12` and `d` in `1..=31` for a meaningful result; other values are not
/// checked (the arithmetic simply continues, e.g. `d = 32` is the next month's first day
/// for a 31-day month) and never panic.
///
/// ```
/// use ki3_core::rfm::days_from_civil;
/// assert_eq!(days_from_civil(1970, 1, 1), 0);
/// assert_eq!(days_from_civil(1997, 9, 30), 10_134);
/// ```
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    // |y| < 2^31, so the result is below 2^31 * 366 + 2^32 in magnitude: it fits in i64.
    days_from_civil_wide(i128::from(y), i128::from(m), i128::from(d)) as i64
}

/// `(year, month 1..=12, day 1..=31)` of a day number (days since 1970-01-01).
///
/// ```
/// use ki3_core::rfm::civil_from_days;
/// assert_eq!(civil_from_days(0), (1970, 1, 1));
/// assert_eq!(civil_from_days(-1), (1969, 12, 31));
/// ```
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let (y, m, d) = civil_from_days_wide(i128::from(days));
    // y is about days / 365.2425, so it fits in i64; m and d are in 1..=12 and 1..=31.
    (y as i64, m as u32, d as u32)
}

pub(crate) fn days_from_civil_wide(y: i128, m: i128, d: i128) -> i128 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let mp = (m + 9).rem_euclid(12); // March = 0
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) fn civil_from_days_wide(days: i128) -> (i128, i128, i128) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// First day of the calendar month containing `day`; `None` when it is not an `i64`.
pub(crate) fn month_start(day: i64) -> Option<i64> {
    let (y, m, _) = civil_from_days_wide(i128::from(day));
    i64::try_from(days_from_civil_wide(y, m, 1)).ok()
}

/// Monday on or before `day` (1970-01-01 was a Thursday); `None` when it is not an `i64`.
pub(crate) fn week_start(day: i64) -> Option<i64> {
    // Days since the Monday 1969-12-29: (day + 3) mod 7, without overflowing.
    let offset = (day.rem_euclid(7) + 3) % 7;
    day.checked_sub(offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for day in (-800_000i64..800_000).step_by(37) {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y as i32, m, d), day);
        }
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2024, 1, 1), 19_723);
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        // extremes do not overflow
        let _ = civil_from_days(i64::MAX);
        let _ = civil_from_days(i64::MIN);
        assert_eq!(month_start(i64::MIN), None);
        assert!(month_start(i64::MAX).is_some());
        assert_eq!(week_start(i64::MIN), None);
        assert!(week_start(i64::MAX).is_some());
    }

    #[test]
    fn week_starts_on_monday() {
        // 1970-01-01 (Thu) -> Mon 1969-12-29 = day -3; 1970-01-05 is a Monday.
        assert_eq!(week_start(0), Some(-3));
        assert_eq!(week_start(3), Some(-3)); // Sunday 1970-01-04
        assert_eq!(week_start(4), Some(4));
        assert_eq!(week_start(-4), Some(-10)); // Sunday 1969-12-28
    }
}
