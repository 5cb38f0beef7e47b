//! Input data of the MMM, its validation, and the design the log posterior works on: scaling
//! exactly as PyMC-Marketing 0.19's `MMM` (`mmm.py` `_compute_scale_for_data`: target divided by
//! `max(max |y|, 1)`, each channel by `max(max |x_c|, 1)`, controls unscaled) and the yearly
//! Fourier basis of `fourier.py` (`dayofyear / 365.25`, columns `sin_1 … sin_n, cos_1 … cos_n`).

use ndarray::{ArrayView1, ArrayView2};

use super::params::MmmParams;
use crate::error::{Ki3Error, Result};
use crate::numerics::calendar::{civil_from_days, days_from_civil};

/// PyMC-Marketing's `DAYS_IN_YEAR`.
pub const DAYS_IN_YEAR: f64 = 365.25;

/// Borrowed training data: one row per period.
#[derive(Debug, Clone, Copy)]
pub struct MmmData<'a> {
    /// Dates as day numbers (days since 1970-01-01), strictly increasing.
    pub dates: ArrayView1<'a, i64>,
    /// Media spend (or impressions), periods × channels, non-negative.
    pub channels: ArrayView2<'a, f64>,
    /// Channel names (column names, used in errors and outputs).
    pub channel_names: &'a [String],
    /// Control variables, periods × controls (may have zero columns).
    pub controls: ArrayView2<'a, f64>,
    /// Control names.
    pub control_names: &'a [String],
    /// The target (sales, conversions …).
    pub target: ArrayView1<'a, f64>,
}

/// Day of year (1 … 366) of a day number, pandas' `dt.dayofyear`.
pub fn day_of_year(day: i64) -> f64 {
    let (y, _, _) = civil_from_days(day);
    let y = i32::try_from(y).unwrap_or(1970);
    (day - days_from_civil(y, 1, 1) + 1) as f64
}

/// The Fourier row at a date: `[sin(2πk d/365.25)]_{k=1..n}` then `[cos(…)]_{k=1..n}`.
pub fn fourier_row(day: i64, order: usize, out: &mut [f64]) {
    let x = 2.0 * std::f64::consts::PI * day_of_year(day) / DAYS_IN_YEAR;
    for k in 0..order {
        let v = x * (k + 1) as f64;
        out[k] = v.sin();
        out[order + k] = v.cos();
    }
}

/// The Fourier column names (`sin_1`, …, `cos_n`), PyMC-Marketing's `fourier_mode` coordinate.
pub fn fourier_names(order: usize) -> Vec<String> {
    let mut v: Vec<String> = (1..=order).map(|k| format!("sin_{k}")).collect();
    v.extend((1..=order).map(|k| format!("cos_{k}")));
    v
}

/// PyMC-Marketing's max-abs scale with its floor at 1.
pub fn max_abs_scale(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0f64, |m, v| m.max(v.abs())).max(1.0)
}

fn check_names(arg: &str, names: &[String], expected: usize) -> Result<()> {
    if names.len() != expected {
        return Err(Ki3Error::LengthMismatch {
            arg: arg.into(),
            got: names.len(),
            expected_arg: "columns".into(),
            expected,
        });
    }
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return Err(Ki3Error::param(arg, format!("duplicate name {n:?}")));
        }
    }
    Ok(())
}

/// Checks the dates (strictly increasing: no duplicates, sorted).
pub fn check_dates(dates: ArrayView1<'_, i64>) -> Result<()> {
    for i in 1..dates.len() {
        if dates[i] == dates[i - 1] {
            return Err(Ki3Error::InvalidValue {
                arg: "dates".into(),
                index: i,
                reason: "duplicate date".into(),
            });
        }
        if dates[i] < dates[i - 1] {
            return Err(Ki3Error::InvalidValue {
                arg: "dates".into(),
                index: i,
                reason: "dates are not sorted (each must follow the previous one)".into(),
            });
        }
    }
    Ok(())
}

/// Checks spend columns: finite and non-negative (errors name the channel).
pub fn check_spend(channels: ArrayView2<'_, f64>, names: &[String]) -> Result<()> {
    for (c, col) in channels.columns().into_iter().enumerate() {
        let name = names
            .get(c)
            .cloned()
            .unwrap_or_else(|| format!("channel {c}"));
        for (t, &v) in col.iter().enumerate() {
            if !v.is_finite() {
                return Err(Ki3Error::NonFinite {
                    arg: name,
                    index: t,
                });
            }
            if v < 0.0 {
                return Err(Ki3Error::InvalidValue {
                    arg: name,
                    index: t,
                    reason: format!("negative spend {v}"),
                });
            }
        }
    }
    Ok(())
}

impl MmmData<'_> {
    /// Validates the data for `params`: shapes and names, sorted unique dates, finite
    /// non-negative spend, no constant or all-zero channel, finite controls and target, and
    /// enough rows for `l_max` and the linear terms.
    pub fn check(&self, params: &MmmParams) -> Result<()> {
        let n = self.target.len();
        if n == 0 {
            return Err(Ki3Error::Empty {
                arg: "target".into(),
            });
        }
        for (arg, len) in [
            ("dates", self.dates.len()),
            ("channels", self.channels.nrows()),
            ("controls", self.controls.nrows()),
        ] {
            if len != n {
                return Err(Ki3Error::LengthMismatch {
                    arg: arg.into(),
                    got: len,
                    expected_arg: "target".into(),
                    expected: n,
                });
            }
        }
        if self.channels.ncols() == 0 {
            return Err(Ki3Error::Empty {
                arg: "channels".into(),
            });
        }
        check_names("channel_names", self.channel_names, self.channels.ncols())?;
        check_names("control_names", self.control_names, self.controls.ncols())?;
        check_dates(self.dates)?;
        check_spend(self.channels, self.channel_names)?;
        for (c, col) in self.channels.columns().into_iter().enumerate() {
            let first = col[0];
            if col.iter().all(|&v| v == first) {
                let what = if first == 0.0 { "all zero" } else { "constant" };
                return Err(Ki3Error::InvalidValue {
                    arg: self.channel_names[c].clone(),
                    index: 0,
                    reason: format!("channel is {what}; its effect cannot be estimated"),
                });
            }
        }
        for (k, col) in self.controls.columns().into_iter().enumerate() {
            if let Some(t) = col.iter().position(|v| !v.is_finite()) {
                return Err(Ki3Error::NonFinite {
                    arg: self.control_names[k].clone(),
                    index: t,
                });
            }
        }
        if let Some(t) = self.target.iter().position(|v| !v.is_finite()) {
            return Err(Ki3Error::NonFinite {
                arg: "target".into(),
                index: t,
            });
        }
        let linear =
            1 + self.controls.ncols() + 2 * params.yearly_seasonality + usize::from(params.trend);
        let need = (params.adstock.kernel_len() + 1).max(linear + 2);
        if n < need {
            return Err(Ki3Error::param(
                "target",
                format!(
                    "{n} rows are too few: need at least {need} for l_max = {} and {linear} \
                     linear terms (intercept, controls, 2 × yearly_seasonality = {}, trend)",
                    params.adstock.l_max(),
                    2 * params.yearly_seasonality
                ),
            ));
        }
        Ok(())
    }
}

/// The fixed, scaled design the log posterior evaluates.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// Periods.
    pub n: usize,
    /// Channels.
    pub n_channels: usize,
    /// Scaled spend, channel-major (`x[c * n + t]`).
    pub x: Vec<f64>,
    /// Linear block (controls, Fourier, trend), column-major (`z[k * n + t]`).
    pub z: Vec<f64>,
    /// Columns of `z`.
    pub n_linear: usize,
    /// Scaled target.
    pub y: Vec<f64>,
}

/// The linear-block row of a period: controls, Fourier terms, trend.
pub fn linear_row(
    params: &MmmParams,
    controls: &[f64],
    day: i64,
    trend_origin: (i64, f64),
    out: &mut Vec<f64>,
) {
    out.clear();
    out.extend_from_slice(controls);
    let order = params.yearly_seasonality;
    let start = out.len();
    out.resize(start + 2 * order, 0.0);
    fourier_row(day, order, &mut out[start..]);
    if params.trend {
        out.push((day - trend_origin.0) as f64 / trend_origin.1);
    }
}

impl Design {
    /// Builds the design from validated raw data and the scales.
    pub fn new(
        params: &MmmParams,
        data: &MmmData<'_>,
        channel_scale: &[f64],
        target_scale: f64,
        trend_origin: (i64, f64),
    ) -> Design {
        let n = data.target.len();
        let n_channels = data.channels.ncols();
        let mut x = Vec::with_capacity(n * n_channels);
        for (c, col) in data.channels.columns().into_iter().enumerate() {
            x.extend(col.iter().map(|v| v / channel_scale[c]));
        }
        let n_linear =
            data.controls.ncols() + 2 * params.yearly_seasonality + usize::from(params.trend);
        let mut z = vec![0.0; n_linear * n];
        let mut row = Vec::with_capacity(n_linear);
        for t in 0..n {
            let controls: Vec<f64> = data.controls.row(t).to_vec();
            linear_row(params, &controls, data.dates[t], trend_origin, &mut row);
            for (k, v) in row.iter().enumerate() {
                z[k * n + t] = *v;
            }
        }
        Design {
            n,
            n_channels,
            x,
            z,
            n_linear,
            y: data.target.iter().map(|v| v / target_scale).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, Array2};

    #[test]
    fn day_of_year_and_fourier_follow_pandas() {
        // 2018-04-02 is day 92 (the example CSV's first row), 2020-12-31 is day 366.
        assert_eq!(day_of_year(days_from_civil(2018, 4, 2)), 92.0);
        assert_eq!(day_of_year(days_from_civil(2020, 12, 31)), 366.0);
        assert_eq!(day_of_year(days_from_civil(2021, 1, 1)), 1.0);
        let mut row = [0.0; 4];
        fourier_row(days_from_civil(2018, 4, 2), 2, &mut row);
        let x = 2.0 * std::f64::consts::PI * 92.0 / 365.25;
        let want = [x.sin(), (2.0 * x).sin(), x.cos(), (2.0 * x).cos()];
        for (g, w) in row.iter().zip(want) {
            assert!((g - w).abs() < 1e-15);
        }
        assert_eq!(fourier_names(2), ["sin_1", "sin_2", "cos_1", "cos_2"]);
    }

    #[test]
    fn bad_input_names_the_column() {
        let n = 20;
        let dates: Array1<i64> = (0..n as i64).map(|i| 17_000 + 7 * i).collect();
        let mut ch = Array2::from_shape_fn((n, 2), |(t, c)| ((t * 7 + c * 3) % 5) as f64);
        let ctrl = Array2::<f64>::zeros((n, 0));
        let y: Array1<f64> = (0..n).map(|t| t as f64).collect();
        let names = vec!["tv".to_string(), "search".to_string()];
        let p = MmmParams::default();
        let run = |ch: &Array2<f64>, dates: &Array1<i64>, y: &Array1<f64>| {
            MmmData {
                dates: dates.view(),
                channels: ch.view(),
                channel_names: &names,
                controls: ctrl.slice(ndarray::s![..y.len(), ..]),
                control_names: &[],
                target: y.view(),
            }
            .check(&p)
        };
        run(&ch, &dates, &y).unwrap();
        ch[[3, 1]] = -1.0;
        let e = run(&ch, &dates, &y).unwrap_err();
        assert!(
            e.to_string().starts_with("search: invalid value at row 3"),
            "{e}"
        );
        ch[[3, 1]] = f64::NAN;
        assert_eq!(
            run(&ch, &dates, &y).unwrap_err(),
            Ki3Error::NonFinite {
                arg: "search".into(),
                index: 3
            }
        );
        ch[[3, 1]] = 1.0;
        ch.column_mut(0).fill(0.0);
        let e = run(&ch, &dates, &y).unwrap_err();
        assert!(
            e.to_string().contains("tv") && e.to_string().contains("all zero"),
            "{e}"
        );
        ch.column_mut(0).fill(2.0);
        assert!(
            run(&ch, &dates, &y)
                .unwrap_err()
                .to_string()
                .contains("constant")
        );
        ch.column_mut(0)
            .assign(&Array1::from_shape_fn(n, |t| (t % 3) as f64));
        let mut d2 = dates.clone();
        d2[5] = d2[4];
        assert!(
            run(&ch, &d2, &y)
                .unwrap_err()
                .to_string()
                .contains("duplicate")
        );
        d2[5] = d2[4] - 1;
        assert!(
            run(&ch, &d2, &y)
                .unwrap_err()
                .to_string()
                .contains("not sorted")
        );
        let mut y2 = y.clone();
        y2[7] = f64::NAN;
        assert_eq!(
            run(&ch, &dates, &y2).unwrap_err(),
            Ki3Error::NonFinite {
                arg: "target".into(),
                index: 7
            }
        );
        let short = |k: usize| {
            let ch = ch.slice(ndarray::s![..k, ..]).to_owned();
            let d = dates.slice(ndarray::s![..k]).to_owned();
            let y = y.slice(ndarray::s![..k]).to_owned();
            run(&ch, &d, &y)
        };
        assert!(short(8).unwrap_err().to_string().contains("too few"));
        short(9).unwrap();
    }

    #[test]
    fn scales_follow_pymc_marketing() {
        assert_eq!(max_abs_scale([0.2, 0.9].into_iter()), 1.0);
        assert_eq!(max_abs_scale([3.0, -7.5].into_iter()), 7.5);
    }
}
