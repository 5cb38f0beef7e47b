//! Progress reporting and cancellation for long work (simulations, replays, samplers, forests).
//!
//! Long work receives a [`Progress`]: an optional callback `(done, total)` called at a bounded
//! rate (at most once per interval, 50 ms by default, and once at the end) and an optional
//! [`CancelToken`]. Loops make a [`Ticker`] and call [`Ticker::tick`] once per unit of work; when
//! the token is set, `tick` returns [`Ki3Error::Cancelled`] and the work stops, leaving its
//! inputs unchanged.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::error::{Ki3Error, Result};

/// A shared cancellation flag: clone it, hand one copy to the work and call
/// [`CancelToken::cancel`] on another (from any thread).
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the work holding this token to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// True once [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Default least time between two progress callbacks.
pub const DEFAULT_INTERVAL: Duration = Duration::from_millis(50);

/// Units of work between two looks at the clock and the cancellation flag.
const CHECK_EVERY: u64 = 64;

/// What long work reports to and is stopped by: a progress callback and a cancellation token,
/// both optional ([`Progress::none`] has neither).
#[derive(Clone, Copy)]
pub struct Progress<'a> {
    callback: Option<&'a (dyn Fn(u64, u64) + Sync)>,
    cancel: Option<&'a CancelToken>,
    interval: Duration,
}

impl std::fmt::Debug for Progress<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("callback", &self.callback.is_some())
            .field("cancel", &self.cancel)
            .field("interval", &self.interval)
            .finish()
    }
}

impl Default for Progress<'_> {
    fn default() -> Self {
        Self::none()
    }
}

impl<'a> Progress<'a> {
    /// No callback, no cancellation.
    pub fn none() -> Self {
        Progress {
            callback: None,
            cancel: None,
            interval: DEFAULT_INTERVAL,
        }
    }

    /// Calls `callback(done, total)` at most once per interval while the work runs, and once
    /// when it completes.
    pub fn callback(mut self, callback: &'a (dyn Fn(u64, u64) + Sync)) -> Self {
        self.callback = Some(callback);
        self
    }

    /// Stops the work with [`Ki3Error::Cancelled`] once `token` is cancelled.
    pub fn cancel(mut self, token: &'a CancelToken) -> Self {
        self.cancel = Some(token);
        self
    }

    /// Least time between two callbacks (default [`DEFAULT_INTERVAL`]).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// A ticker for a loop of `total` units of work.
    pub fn ticker(&self, total: u64) -> Ticker<'a> {
        Ticker {
            progress: *self,
            total,
            since_check: 0,
            last: Instant::now(),
        }
    }

    /// `Err(Cancelled)` when the token is set.
    pub fn check(&self) -> Result<()> {
        match self.cancel {
            Some(t) if t.is_cancelled() => Err(Ki3Error::Cancelled),
            _ => Ok(()),
        }
    }
}

/// The per-loop side of [`Progress`]: cheap to call once per unit of work.
#[derive(Debug)]
pub struct Ticker<'a> {
    progress: Progress<'a>,
    total: u64,
    since_check: u64,
    last: Instant,
}

impl Ticker<'_> {
    /// Records that `done` units are complete: every few calls, checks the cancellation flag
    /// (returning [`Ki3Error::Cancelled`]) and calls the callback when the interval has passed.
    #[inline]
    pub fn tick(&mut self, done: u64) -> Result<()> {
        self.since_check += 1;
        if self.since_check < CHECK_EVERY {
            return Ok(());
        }
        self.since_check = 0;
        self.progress.check()?;
        if let Some(cb) = self.progress.callback {
            let now = Instant::now();
            if now.duration_since(self.last) >= self.progress.interval {
                self.last = now;
                cb(done, self.total);
            }
        }
        Ok(())
    }

    /// The work is complete: a final `callback(total, total)`, then a last cancellation check
    /// (so a callback that cancels at the end still stops the work before its results are
    /// kept).
    pub fn finish(&mut self) -> Result<()> {
        if let Some(cb) = self.progress.callback {
            cb(self.total, self.total);
        }
        self.progress.check()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn none_never_stops() {
        let p = Progress::none();
        let mut t = p.ticker(1000);
        for i in 0..1000 {
            t.tick(i).unwrap();
        }
        t.finish().unwrap();
    }

    #[test]
    fn cancel_stops_within_a_few_ticks() {
        let token = CancelToken::new();
        let p = Progress::none().cancel(&token);
        let mut t = p.ticker(10_000);
        let mut stopped_at = None;
        for i in 0..10_000u64 {
            if i == 100 {
                token.clone().cancel();
            }
            if let Err(e) = t.tick(i) {
                assert_eq!(e, Ki3Error::Cancelled);
                stopped_at = Some(i);
                break;
            }
        }
        let at = stopped_at.unwrap();
        assert!((100..100 + CHECK_EVERY).contains(&at), "{at}");
    }

    #[test]
    fn callback_is_rate_limited_and_called_at_the_end() {
        let calls = Mutex::new(Vec::new());
        let cb = |d: u64, n: u64| calls.lock().unwrap().push((d, n));
        let p = Progress::none()
            .callback(&cb)
            .interval(Duration::from_secs(3600));
        let mut t = p.ticker(5000);
        for i in 0..5000 {
            t.tick(i).unwrap();
        }
        t.finish().unwrap();
        assert_eq!(*calls.lock().unwrap(), vec![(5000, 5000)]);
        let calls = Mutex::new(Vec::new());
        let cb = |d: u64, n: u64| calls.lock().unwrap().push((d, n));
        let p = Progress::none().callback(&cb).interval(Duration::ZERO);
        let mut t = p.ticker(640);
        for i in 1..=640 {
            t.tick(i).unwrap();
        }
        assert_eq!(calls.lock().unwrap().len(), 10);
    }

    #[test]
    fn a_callback_cancelling_at_the_end_stops_the_work() {
        let token = CancelToken::new();
        let cb = |_: u64, _: u64| token.cancel();
        let p = Progress::none()
            .callback(&cb)
            .cancel(&token)
            .interval(Duration::from_secs(3600));
        let mut t = p.ticker(10);
        for i in 0..10 {
            t.tick(i).unwrap();
        }
        assert_eq!(t.finish(), Err(Ki3Error::Cancelled));
    }
}
