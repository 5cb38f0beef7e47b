//! `synthetic_shop`: a believable, seeded online-shop event log.

use rand::{Rng, RngExt, SeedableRng};
use rand_distr::{Beta, Distribution, Exp1, Gamma, Poisson};
use rand_pcg::Pcg64Mcg;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Ki3Error, Result};
use crate::events::{EventLog, TimeUnit};

/// Channel names; `ShopEvents::channel` holds indices into this array.
pub const CHANNELS: [&str; 5] = ["email", "search", "social", "display", "direct"];

/// Product category names; `ShopEvents::category` holds indices into this array.
pub const CATEGORIES: [&str; 8] = [
    "books",
    "electronics",
    "fashion",
    "home",
    "beauty",
    "sports",
    "toys",
    "grocery",
];

/// 2024-01-01T00:00:00Z in unix seconds, the default [`ShopParams::start`].
pub const DEFAULT_START: i64 = 1_704_067_200;

/// Population shares of the channels (Dirichlet mean of a customer's channel weights).
const CHANNEL_BASE: [f64; 5] = [0.15, 0.30, 0.20, 0.10, 0.25];
/// Dirichlet concentration of the channel weights (smaller = stronger individual preferences).
const CHANNEL_CONCENTRATION: f64 = 3.0;
/// Population shares of the categories.
const CATEGORY_BASE: [f64; 8] = [0.14, 0.16, 0.18, 0.12, 0.12, 0.10, 0.06, 0.12];
const CATEGORY_CONCENTRATION: f64 = 4.0;
/// Probability that the next page view of a session stays in the previous page's category.
const CATEGORY_STICKINESS: f64 = 0.6;
/// Relative visit rate `λ ~ Gamma(0.9, 1)` (scaled by the calibrated factor `s`).
const RATE_SHAPE: f64 = 0.9;
/// Churn rate `μ ~ Gamma(2, 1 / days)`; lifetime after the first visit `τ ~ Exp(μ)`.
const CHURN_SHAPE: f64 = 2.0;
/// Page-view multiplier `g ~ Gamma(3, 1/3)` (mean 1).
const PAGEVIEW_SHAPE: f64 = 3.0;
/// Upper bound of `ē`, the mean number of extra page views per session.
const MAX_EXTRA_PAGEVIEWS: f64 = 2.5;
const MAX_EVENTS_PER_SESSION: u32 = 60;
/// Purchase probability per session `q ~ Beta(1.2, 5)` (mean 0.19).
const PURCHASE_ALPHA: f64 = 1.2;
const PURCHASE_BETA: f64 = 5.0;
/// Gamma-Gamma spend: `ν ~ Gamma(3.7, rate 15)`, amount `~ Gamma(6, rate ν)` (mean ≈ $33).
const SPEND_Q: f64 = 3.7;
const SPEND_GAMMA: f64 = 15.0;
const SPEND_P: f64 = 6.0;
/// Mean seconds between page views (before capping to fit a session in 30 minutes).
const MEAN_GAP_SECONDS: f64 = 60.0;
/// A session's last event is at most this many seconds after its first.
const MAX_SESSION_SECONDS: i64 = 1799;
/// Minimum inactivity between two sessions of one customer.
const SESSION_TIMEOUT_SECONDS: i64 = 1800;
/// Upper bound of `n_customers × events_per_customer` (memory guard).
const MAX_EXPECTED_EVENTS: f64 = 1e9;
/// Customers per work unit (fixed, so results do not depend on the thread count).
const CUSTOMERS_PER_CHUNK: usize = 512;

/// Parameters of [`synthetic_shop`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ShopParams {
    /// Number of customers (ids `0..n_customers`); 0 gives an empty log.
    pub n_customers: usize,
    /// Target mean number of events per customer (default 10, must be in `1..=1e6`); the total
    /// is calibrated to about `n_customers × events_per_customer`.
    pub events_per_customer: f64,
    /// Start of the simulated period, unix seconds (default 2024-01-01, [`DEFAULT_START`]).
    pub start: i64,
    /// Length of the period in days (default 365, >= 1).
    pub days: u32,
    /// Seed; equal parameters give identical logs on any machine and thread count.
    pub seed: u64,
}

impl Default for ShopParams {
    /// 1,000 customers, seed 0.
    fn default() -> Self {
        ShopParams::new(1000, 0)
    }
}

impl ShopParams {
    /// `n_customers` customers, 10 events per customer, 365 days from 2024-01-01.
    pub fn new(n_customers: usize, seed: u64) -> Self {
        ShopParams {
            n_customers,
            events_per_customer: 10.0,
            start: DEFAULT_START,
            days: 365,
            seed,
        }
    }

    /// Sets the target mean number of events per customer.
    pub fn events_per_customer(mut self, events_per_customer: f64) -> Self {
        self.events_per_customer = events_per_customer;
        self
    }

    /// Sets the start (unix seconds).
    pub fn start(mut self, start: i64) -> Self {
        self.start = start;
        self
    }

    /// Sets the number of days.
    pub fn days(mut self, days: u32) -> Self {
        self.days = days;
        self
    }

    /// `events_per_customer` finite in `1..=1e6` (every customer has at least one event);
    /// `days >= 1`; `start + days × 86400` fits in `i64`;
    /// `n_customers × events_per_customer <= 1e9`.
    pub fn check(&self) -> Result<()> {
        let e = self.events_per_customer;
        if !(e.is_finite() && (1.0..=1e6).contains(&e)) {
            return Err(Ki3Error::param(
                "events_per_customer",
                format!("must be finite and in [1, 1e6], got {e}"),
            ));
        }
        if self.days == 0 {
            return Err(Ki3Error::param("days", "must be >= 1"));
        }
        if self
            .start
            .checked_add(i64::from(self.days) * 86_400)
            .is_none()
        {
            return Err(Ki3Error::param(
                "start",
                "start + days * 86400 overflows i64",
            ));
        }
        if self.n_customers as f64 * e > MAX_EXPECTED_EVENTS {
            return Err(Ki3Error::param(
                "n_customers",
                format!(
                    "n_customers * events_per_customer must be <= {MAX_EXPECTED_EVENTS:e}, got {}",
                    self.n_customers as f64 * e
                ),
            ));
        }
        Ok(())
    }
}

/// A synthetic event log, columnar, sorted by (timestamp, customer, session).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ShopEvents {
    /// Customer id, `0..n_customers`.
    pub customer: Vec<u64>,
    /// Unix seconds in `[start, start + days × 86400)`.
    pub timestamp: Vec<i64>,
    /// Purchase amount (dollars, whole cents, >= 0.01) on purchases; 0 on page views.
    pub amount: Vec<f64>,
    /// Is the event a purchase?
    pub purchase: Vec<bool>,
    /// Index into [`CHANNELS`] (the session's traffic source).
    pub channel: Vec<u32>,
    /// Index into [`CATEGORIES`] (the page's / purchase's product category).
    pub category: Vec<u32>,
    /// Session id, unique across customers.
    pub session: Vec<u64>,
}

impl ShopEvents {
    /// The log as an [`EventLog`] with every column, in [`TimeUnit::Seconds`].
    pub fn log(&self) -> EventLog<'_> {
        EventLog::new(&self.customer, &self.timestamp, TimeUnit::Seconds)
            .with_amount(&self.amount)
            .with_purchase(&self.purchase)
            .with_channel(&self.channel)
            .with_category(&self.category)
            .with_session(&self.session)
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.customer.len()
    }

    /// True when there are no events.
    pub fn is_empty(&self) -> bool {
        self.customer.is_empty()
    }
}

/// Simulates an online shop's event log.
///
/// **Customers** (id `i` in `0..n_customers`, all latent traits independent across customers):
/// * first visit uniform over the period;
/// * visits (sessions) after the first follow a Poisson process with rate `s·λ` per day,
///   `λ ~ Gamma(0.9, 1)`, while the customer is alive; the customer churns after a lifetime
///   `τ ~ Exp(μ)`, `μ ~ Gamma(2, 1/days)` (the Pareto/NBD story); a session starts at least
///   30 minutes after the customer's previous one ended (later visits are pushed back; one
///   that no longer fits in the period is dropped);
/// * each session has a channel drawn from the customer's channel weights (Dirichlet with
///   mean `[0.15, 0.30, 0.20, 0.10, 0.25]` over [`CHANNELS`], concentration 3) and
///   `1 + Poisson(ē·g)` page views (at most 60), `g ~ Gamma(3, 1/3)`,
///   `ē = min(2.5, (events_per_customer − 1) / 2)`, at strictly increasing seconds with
///   gaps `1 + ⌊60·Exp(1)⌋` capped so the session lasts under 30 minutes;
/// * each page view's category is, with probability 0.6, the previous page's, otherwise a
///   draw from the customer's category weights (Dirichlet, mean
///   `[0.14, 0.16, 0.18, 0.12, 0.12, 0.10, 0.06, 0.12]` over [`CATEGORIES`], concentration 4);
/// * with the customer's probability `q ~ Beta(1.2, 5)` the session's last event is a purchase
///   whose amount is Gamma-Gamma: `Gamma(shape 6, rate ν)`, `ν ~ Gamma(3.7, rate 15)` per
///   customer (mean ≈ $33), rounded to cents, at least $0.01. Other events have amount 0.
///
/// The scale `s` is solved from the realised customer traits so that the expected number of
/// events is `n_customers × events_per_customer`; the realised total is within a few percent
/// for thousands of customers.
///
/// Customer `i` draws from its own PCG64 stream seeded with SplitMix64 of `(seed, i)`;
/// customers are simulated in parallel in fixed blocks and sessions numbered by block, then
/// rows are sorted by (timestamp, customer, session). Equal parameters therefore give
/// identical output on any thread count.
pub fn synthetic_shop(params: &ShopParams) -> Result<ShopEvents> {
    params.check()?;
    let dists = Dists::new(params)?;
    let n = params.n_customers;
    let days = f64::from(params.days);
    let extra_mean = MAX_EXTRA_PAGEVIEWS.min((params.events_per_customer - 1.0) / 2.0);

    // Pass 1: solve the visit-rate scale s from the customers' realised traits.
    // E[events_i] = a_i + s·b_i with a_i = 1 + ē·g_i (mean events per session) and
    // b_i = a_i·λ_i·w_i (w_i = days alive after the first visit, within the period).
    let n_chunks = n.div_ceil(CUSTOMERS_PER_CHUNK);
    let partial: Vec<(f64, f64)> = (0..n_chunks)
        .into_par_iter()
        .map(|c| {
            let (mut a_sum, mut b_sum) = (0.0, 0.0);
            for i in chunk_range(c, n) {
                let mut rng = customer_rng(params.seed, i);
                let core = Core::draw(&mut rng, &dists, days);
                let a = 1.0 + extra_mean * core.pageview_mult;
                a_sum += a;
                b_sum += a * core.rate * core.window;
            }
            (a_sum, b_sum)
        })
        .collect();
    let (a_total, b_total) = partial
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let target = n as f64 * params.events_per_customer;
    let scale = if b_total > 0.0 {
        ((target - a_total) / b_total).max(0.0)
    } else {
        0.0
    };
    let scale = if scale.is_finite() { scale } else { 0.0 };

    // Pass 2: simulate.
    let sim = Simulation {
        dists: &dists,
        days,
        start: params.start,
        end: params.start + i64::from(params.days) * 86_400,
        scale,
        extra_mean,
    };
    let mut chunks: Vec<(Vec<Row>, u64)> = (0..n_chunks)
        .into_par_iter()
        .map(|c| {
            let mut rows = Vec::new();
            let mut sessions = 0u64;
            for i in chunk_range(c, n) {
                let mut rng = customer_rng(params.seed, i);
                sim.customer(&mut rng, i as u64, &mut sessions, &mut rows);
            }
            (rows, sessions)
        })
        .collect();
    // Globally unique session ids: offset each block by the sessions of earlier blocks.
    let mut offset = 0u64;
    let offsets: Vec<u64> = chunks
        .iter()
        .map(|(_, s)| {
            let o = offset;
            offset += s;
            o
        })
        .collect();
    chunks
        .par_iter_mut()
        .zip(offsets)
        .for_each(|((rows, _), o)| rows.iter_mut().for_each(|r| r.session += o));
    let total: usize = chunks.iter().map(|(r, _)| r.len()).sum();
    let mut rows = Vec::with_capacity(total);
    for (mut chunk, _) in chunks {
        rows.append(&mut chunk);
    }
    // Keys are unique (timestamps strictly increase within a session), so an unstable sort is
    // deterministic.
    rows.par_sort_unstable_by_key(|r| (r.ts, r.customer, r.session));

    Ok(ShopEvents {
        customer: rows.par_iter().map(|r| r.customer).collect(),
        timestamp: rows.par_iter().map(|r| r.ts).collect(),
        amount: rows.par_iter().map(|r| r.amount).collect(),
        purchase: rows.par_iter().map(|r| r.purchase).collect(),
        channel: rows.par_iter().map(|r| u32::from(r.channel)).collect(),
        category: rows.par_iter().map(|r| u32::from(r.category)).collect(),
        session: rows.par_iter().map(|r| r.session).collect(),
    })
}

fn chunk_range(c: usize, n: usize) -> std::ops::Range<usize> {
    let lo = c * CUSTOMERS_PER_CHUNK;
    lo..n.min(lo + CUSTOMERS_PER_CHUNK)
}

struct Row {
    ts: i64,
    customer: u64,
    session: u64,
    amount: f64,
    channel: u8,
    category: u8,
    purchase: bool,
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The RNG of customer `i`: independent of every other customer's and of the thread count.
fn customer_rng(seed: u64, i: usize) -> Pcg64Mcg {
    Pcg64Mcg::seed_from_u64(splitmix64(splitmix64(seed) ^ splitmix64(!(i as u64))))
}

fn gamma(shape: f64, scale: f64, name: &str) -> Result<Gamma<f64>> {
    Gamma::new(shape, scale).map_err(|e| Ki3Error::param(name, e.to_string()))
}

/// The population distributions (built once).
struct Dists {
    rate: Gamma<f64>,
    churn: Gamma<f64>,
    pageview: Gamma<f64>,
    purchase: Beta<f64>,
    spend_rate: Gamma<f64>,
    spend: Gamma<f64>,
    channel: Vec<Gamma<f64>>,
    category: Vec<Gamma<f64>>,
}

impl Dists {
    fn new(params: &ShopParams) -> Result<Dists> {
        Ok(Dists {
            rate: gamma(RATE_SHAPE, 1.0, "rate")?,
            churn: gamma(CHURN_SHAPE, 1.0 / f64::from(params.days), "days")?,
            pageview: gamma(PAGEVIEW_SHAPE, 1.0 / PAGEVIEW_SHAPE, "pageview")?,
            purchase: Beta::new(PURCHASE_ALPHA, PURCHASE_BETA)
                .map_err(|e| Ki3Error::param("purchase", e.to_string()))?,
            spend_rate: gamma(SPEND_Q, 1.0 / SPEND_GAMMA, "spend")?,
            spend: gamma(SPEND_P, 1.0, "spend")?,
            channel: CHANNEL_BASE
                .iter()
                .map(|w| gamma(w * CHANNEL_CONCENTRATION, 1.0, "channel"))
                .collect::<Result<_>>()?,
            category: CATEGORY_BASE
                .iter()
                .map(|w| gamma(w * CATEGORY_CONCENTRATION, 1.0, "category"))
                .collect::<Result<_>>()?,
        })
    }
}

/// The traits that determine a customer's expected number of events (drawn first, so pass 1
/// and pass 2 see the same values).
struct Core {
    /// Relative visit rate λ.
    rate: f64,
    /// First visit, days after the start.
    first: f64,
    /// Days alive after the first visit, within the period.
    window: f64,
    /// Page-view multiplier g.
    pageview_mult: f64,
}

impl Core {
    fn draw<R: Rng + ?Sized>(rng: &mut R, d: &Dists, days: f64) -> Core {
        let rate = d.rate.sample(rng);
        let churn = d.churn.sample(rng);
        let e: f64 = Exp1.sample(rng);
        let lifetime = if churn > 0.0 {
            e / churn
        } else {
            f64::INFINITY
        };
        let first = rng.random::<f64>() * days;
        let window = lifetime.min(days - first).max(0.0);
        let pageview_mult = d.pageview.sample(rng);
        Core {
            rate,
            first,
            window,
            pageview_mult,
        }
    }
}

/// Cumulative weights from independent gammas (a Dirichlet draw); population means if the
/// draw degenerates.
fn dirichlet_cdf<R: Rng + ?Sized, const K: usize>(
    rng: &mut R,
    gammas: &[Gamma<f64>],
    base: &[f64; K],
) -> [f64; K] {
    let mut w = [0.0; K];
    for (wk, g) in w.iter_mut().zip(gammas) {
        *wk = g.sample(rng);
    }
    let sum: f64 = w.iter().sum();
    if !(sum > 0.0 && sum.is_finite()) {
        w = *base;
    }
    let sum: f64 = w.iter().sum();
    let mut acc = 0.0;
    for wk in w.iter_mut() {
        acc += *wk / sum;
        *wk = acc;
    }
    w
}

/// Index of the first cumulative weight above a uniform draw.
fn pick<R: Rng + ?Sized>(rng: &mut R, cdf: &[f64]) -> u8 {
    let u: f64 = rng.random();
    let k = cdf.iter().position(|&c| u < c).unwrap_or(cdf.len() - 1);
    k as u8
}

struct Simulation<'a> {
    dists: &'a Dists,
    days: f64,
    start: i64,
    end: i64,
    scale: f64,
    extra_mean: f64,
}

impl Simulation<'_> {
    /// Appends customer `id`'s events to `rows`, numbering sessions from `*sessions`.
    fn customer<R: Rng + ?Sized>(
        &self,
        rng: &mut R,
        id: u64,
        sessions: &mut u64,
        rows: &mut Vec<Row>,
    ) {
        let d = self.dists;
        let core = Core::draw(rng, d, self.days);
        let q = d.purchase.sample(rng);
        let nu = d.spend_rate.sample(rng).max(1e-3);
        let channels = dirichlet_cdf(rng, &d.channel, &CHANNEL_BASE);
        let categories = dirichlet_cdf(rng, &d.category, &CATEGORY_BASE);
        let pageviews = Poisson::new(self.extra_mean * core.pageview_mult).ok();
        let rate = self.scale * core.rate;
        let alive_until = core.first + core.window;

        let mut t = core.first;
        let mut last_ts: Option<i64> = None;
        loop {
            let extra = pageviews.as_ref().map_or(0.0, |p| p.sample(rng));
            let k = (1 + extra as u32).min(MAX_EVENTS_PER_SESSION);
            let max_gap = if k > 1 {
                (MAX_SESSION_SECONDS / i64::from(k - 1)).max(1)
            } else {
                1
            };
            let mut offsets = [0i64; MAX_EVENTS_PER_SESSION as usize];
            for j in 1..k as usize {
                let e: f64 = Exp1.sample(rng);
                let gap = (1 + (e * MEAN_GAP_SECONDS) as i64).min(max_gap);
                offsets[j] = offsets[j - 1] + gap;
            }
            let duration = offsets[k as usize - 1];
            // Start at the visit time, but at least 30 minutes after the previous session, and
            // early enough to end within the period (a session that cannot is dropped).
            let mut ts0 = self.start + (t * 86_400.0) as i64;
            if let Some(prev) = last_ts {
                ts0 = ts0.max(prev + SESSION_TIMEOUT_SECONDS);
            }
            if ts0 + duration >= self.end {
                ts0 = self.end - 1 - duration;
            }
            let channel = pick(rng, &channels);
            let buys = rng.random::<f64>() < q;
            let keep = last_ts.is_none_or(|prev| ts0 >= prev + SESSION_TIMEOUT_SECONDS);
            if keep {
                let session = *sessions;
                *sessions += 1;
                let mut category = pick(rng, &categories);
                for (j, off) in offsets[..k as usize].iter().enumerate() {
                    if j > 0 && rng.random::<f64>() >= CATEGORY_STICKINESS {
                        category = pick(rng, &categories);
                    }
                    let purchase = buys && j + 1 == k as usize;
                    let amount = if purchase {
                        let z = d.spend.sample(rng) / nu;
                        ((z * 100.0).round() / 100.0).max(0.01)
                    } else {
                        0.0
                    };
                    rows.push(Row {
                        ts: ts0 + off,
                        customer: id,
                        session,
                        amount,
                        channel,
                        category,
                        purchase,
                    });
                }
                last_ts = Some(ts0 + duration);
            }
            if !(rate > 0.0 && rate.is_finite()) {
                break;
            }
            let e: f64 = Exp1.sample(rng);
            t += e / rate;
            if t >= alive_until {
                break;
            }
        }
    }
}
