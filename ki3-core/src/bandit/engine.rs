//! Machinery shared by the policies: arm bookkeeping, eligible-set validation, pending
//! (delayed-feedback) decisions, the saved generator state, discount factors and the selection
//! and Monte Carlo routines over posterior samplers.

use std::collections::{HashMap, VecDeque};

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::columns::ArmCode;
use super::common::{BanditRng, MAX_ARMS, MAX_COUNTER, PosteriorDraw};
use crate::error::{Ki3Error, Result};

// ---------------------------------------------------------------------------------------------
// Arms

/// Arm names and active flags. Arms are addressed by index everywhere in the core; indices are
/// stable (a retired arm keeps its index, a new arm gets the next one).
#[derive(Debug, Clone, Default)]
pub(crate) struct Arms {
    names: Vec<String>,
    active: Vec<bool>,
    active_list: Vec<usize>,
    index: HashMap<String, usize>,
}

impl Arms {
    /// Builds the arm table, checking names are non-empty and unique and that there is at least
    /// one arm.
    pub(crate) fn new(names: Vec<String>, active: Vec<bool>) -> Result<Self> {
        if names.is_empty() {
            return Err(Ki3Error::Empty { arg: "arms".into() });
        }
        check_arm_count(names.len())?;
        if names.len() != active.len() {
            return Err(Ki3Error::LengthMismatch {
                arg: "active".into(),
                got: active.len(),
                expected_arg: "names".into(),
                expected: names.len(),
            });
        }
        let mut index = HashMap::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            check_name(name, i)?;
            if index.insert(name.clone(), i).is_some() {
                return Err(Ki3Error::InvalidValue {
                    arg: "arms".into(),
                    index: i,
                    reason: format!("duplicate arm name {name:?}"),
                });
            }
        }
        let active_list = (0..names.len()).filter(|&i| active[i]).collect();
        Ok(Arms {
            names,
            active,
            active_list,
            index,
        })
    }

    /// `n` arms named "0", "1", ...
    pub(crate) fn numbered(n: usize) -> Result<Self> {
        check_arm_count(n)?;
        Arms::new((0..n).map(|i| i.to_string()).collect(), vec![true; n])
    }

    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }

    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }

    pub(crate) fn active_flags(&self) -> &[bool] {
        &self.active
    }

    pub(crate) fn active_list(&self) -> &[usize] {
        &self.active_list
    }

    pub(crate) fn is_active(&self, arm: usize) -> bool {
        self.active.get(arm).copied().unwrap_or(false)
    }

    pub(crate) fn index_of(&self, name: &str) -> Result<usize> {
        self.index
            .get(name)
            .copied()
            .ok_or_else(|| Ki3Error::param("arm", format!("no arm named {name:?}")))
    }

    /// Checks `arm` is a known index (`row` names the position in a batch).
    pub(crate) fn check_known(&self, arg: &str, arm: usize, row: usize) -> Result<()> {
        if arm < self.names.len() {
            Ok(())
        } else {
            Err(Ki3Error::InvalidValue {
                arg: arg.into(),
                index: row,
                reason: format!("unknown arm {arm} (the policy has {} arms)", self.len()),
            })
        }
    }

    /// The index of batch row `row`'s arm code, or the error naming the row.
    pub(crate) fn check_code<A: ArmCode>(&self, code: A, row: usize) -> Result<usize> {
        let arm = code.index().ok_or_else(|| Ki3Error::InvalidValue {
            arg: "arms".into(),
            index: row,
            reason: format!("arm index {code} is negative or too large"),
        })?;
        self.check_known("arms", arm, row)?;
        Ok(arm)
    }

    /// Appends an arm and returns its index.
    pub(crate) fn add(&mut self, name: &str) -> Result<usize> {
        let i = self.names.len();
        check_arm_count(i + 1)?;
        check_name(name, i)?;
        if self.index.contains_key(name) {
            return Err(Ki3Error::param(
                "name",
                format!("an arm named {name:?} already exists"),
            ));
        }
        self.names.push(name.to_string());
        self.active.push(true);
        self.active_list.push(i);
        self.index.insert(name.to_string(), i);
        Ok(i)
    }

    /// Retires an arm (idempotent): it is never chosen again but keeps its index and statistics
    /// and still accepts (late) rewards.
    pub(crate) fn retire(&mut self, arm: usize) -> Result<()> {
        self.check_known("arm", arm, 0)?;
        if self.active[arm] {
            self.active[arm] = false;
            // The list stays in index order (arms are appended in order, removals keep it).
            if let Ok(pos) = self.active_list.binary_search(&arm) {
                self.active_list.remove(pos);
            }
        }
        Ok(())
    }

    /// Writes the candidate arms of a choice into `out`: all active arms, or the validated
    /// eligible set (known, active, no duplicates, non-empty).
    pub(crate) fn candidates(
        &self,
        eligible: Option<&[usize]>,
        stamps: &mut Stamps,
        out: &mut Vec<usize>,
    ) -> Result<()> {
        out.clear();
        match eligible {
            None => {
                if self.active_list.is_empty() {
                    return Err(Ki3Error::Empty {
                        arg: "active arms (every arm is retired)".into(),
                    });
                }
                out.extend_from_slice(&self.active_list);
            }
            Some(e) => {
                if e.is_empty() {
                    return Err(Ki3Error::Empty {
                        arg: "eligible".into(),
                    });
                }
                stamps.start(self.len());
                for (row, &arm) in e.iter().enumerate() {
                    self.check_known("eligible", arm, row)?;
                    if !self.active[arm] {
                        return Err(Ki3Error::InvalidValue {
                            arg: "eligible".into(),
                            index: row,
                            reason: format!("arm {arm} ({:?}) is retired", self.names[arm]),
                        });
                    }
                    if !stamps.mark(arm) {
                        return Err(Ki3Error::InvalidValue {
                            arg: "eligible".into(),
                            index: row,
                            reason: format!("arm {arm} is listed twice"),
                        });
                    }
                }
                out.extend_from_slice(e);
            }
        }
        Ok(())
    }
}

fn check_arm_count(n: usize) -> Result<()> {
    if n > MAX_ARMS {
        return Err(Ki3Error::param(
            "n_arms",
            format!("at most {MAX_ARMS} arms, got {n}"),
        ));
    }
    Ok(())
}

/// Checks a batch has one reward per arm.
pub(crate) fn check_batch_lengths(arms: usize, rewards: usize) -> Result<()> {
    if arms == rewards {
        Ok(())
    } else {
        Err(Ki3Error::LengthMismatch {
            arg: "rewards".into(),
            got: rewards,
            expected_arg: "arms".into(),
            expected: arms,
        })
    }
}

/// Validates a saved counter (update count, next decision id).
pub(crate) fn check_counter(name: &str, v: u64) -> Result<()> {
    if v > MAX_COUNTER {
        return Err(Ki3Error::corrupt(format!(
            "{name} {v} is above {MAX_COUNTER}"
        )));
    }
    Ok(())
}

fn check_name(name: &str, i: usize) -> Result<()> {
    if name.is_empty() {
        return Err(Ki3Error::InvalidValue {
            arg: "arms".into(),
            index: i,
            reason: "empty arm name".into(),
        });
    }
    Ok(())
}

/// Duplicate detection without clearing: `seen[arm] == epoch` marks an arm seen in this pass.
#[derive(Debug, Clone, Default)]
pub(crate) struct Stamps {
    seen: Vec<u32>,
    epoch: u32,
}

impl Stamps {
    fn start(&mut self, n: usize) {
        if self.seen.len() < n {
            self.seen.resize(n, 0);
        }
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.seen.iter_mut().for_each(|s| *s = 0);
            self.epoch = 1;
        }
    }

    /// Marks `arm`; false if it was already marked in this pass.
    fn mark(&mut self, arm: usize) -> bool {
        match self.seen.get_mut(arm) {
            Some(s) if *s == self.epoch => false,
            Some(s) => {
                *s = self.epoch;
                true
            }
            None => false,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Discounting

/// `base^e` by binary exponentiation: deterministic on every platform (no libm).
pub(crate) fn pow_u64(mut base: f64, mut e: u64) -> f64 {
    let mut acc = 1.0;
    while e > 0 {
        if e & 1 == 1 {
            acc *= base;
        }
        base *= base;
        e >>= 1;
    }
    acc
}

/// The factor `γ^(clock − last)` that brings statistics stored at update `last` to update
/// `clock`; exactly 1 when γ = 1.
#[inline]
pub(crate) fn decay(gamma: f64, clock: u64, last: u64) -> f64 {
    if gamma == 1.0 {
        1.0
    } else {
        pow_u64(gamma, clock.saturating_sub(last))
    }
}

// ---------------------------------------------------------------------------------------------
// Saved generator

pub(crate) use crate::numerics::rng::{from_hex as rng_from_hex, to_hex as rng_to_hex};

// ---------------------------------------------------------------------------------------------
// Pending decisions

/// A pending decision as saved in JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PendingRecord {
    pub(crate) id: u64,
    pub(crate) arms: Vec<usize>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) context: Vec<f64>,
}

#[derive(Debug, Clone, Default)]
struct Slot {
    open: bool,
    arms: Vec<usize>,
    context: Vec<f64>,
}

/// Recycled slots kept at most (their buffers are reused by later decisions).
const MAX_SPARE_SLOTS: usize = 1024;

/// Tracked decisions. A decision can be rewarded while it is among the last `horizon` issued
/// (ids `window_start() .. next_id`). The deque holds the slots of ids
/// `next_id − slots.len() .. next_id`, starting at the oldest open decision: every id of the
/// window before that is known to be closed (rewarded). Slots are recycled, so steady-state
/// decisions do not allocate, and memory follows the span of open decisions.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    horizon: u64,
    next_id: u64,
    slots: VecDeque<Slot>,
    open: usize,
    spare: Vec<Slot>,
}

impl Pending {
    pub(crate) fn new(horizon: u64) -> Self {
        Pending {
            horizon,
            next_id: 0,
            slots: VecDeque::new(),
            open: 0,
            spare: Vec::new(),
        }
    }

    pub(crate) fn next_id(&self) -> u64 {
        self.next_id
    }

    pub(crate) fn open_count(&self) -> usize {
        self.open
    }

    /// Oldest id that can still be rewarded.
    fn window_start(&self) -> u64 {
        self.next_id.saturating_sub(self.horizon)
    }

    /// Id of the first slot of the deque.
    fn deque_start(&self) -> u64 {
        self.next_id - self.slots.len() as u64
    }

    fn recycle(&mut self, slot: Slot) {
        if self.spare.len() < MAX_SPARE_SLOTS {
            self.spare.push(slot);
        }
    }

    /// Drops closed slots from the front of the deque.
    fn trim(&mut self) {
        while self.slots.front().is_some_and(|s| !s.open) {
            if let Some(s) = self.slots.pop_front() {
                self.recycle(s);
            }
        }
    }

    /// Records a decision and returns its id; the oldest decision expires when `horizon` later
    /// decisions exist.
    pub(crate) fn issue(&mut self, arms: &[usize], context: &[f64]) -> u64 {
        if self.slots.len() as u64 >= self.horizon
            && let Some(old) = self.slots.pop_front()
        {
            if old.open {
                self.open -= 1;
            }
            self.recycle(old);
        }
        let mut slot = self.spare.pop().unwrap_or_default();
        slot.open = true;
        slot.arms.clear();
        slot.arms.extend_from_slice(arms);
        slot.context.clear();
        slot.context.extend_from_slice(context);
        self.slots.push_back(slot);
        self.open += 1;
        let id = self.next_id;
        self.next_id += 1;
        self.trim();
        id
    }

    fn already_rewarded(id: u64) -> Ki3Error {
        Ki3Error::param("decision_id", format!("decision {id} was already rewarded"))
    }

    /// Index of the open decision `id` in the deque (errors: never issued, expired, already
    /// rewarded).
    fn open_index(&self, id: u64) -> Result<usize> {
        if id >= self.next_id {
            return Err(Ki3Error::param(
                "decision_id",
                format!(
                    "decision {id} was never issued (the next id is {})",
                    self.next_id
                ),
            ));
        }
        if id < self.window_start() {
            return Err(Ki3Error::param(
                "decision_id",
                format!(
                    "decision {id} expired: only the last {} decisions can be rewarded \
                     (ids {} to {})",
                    self.horizon,
                    self.window_start(),
                    self.next_id - 1
                ),
            ));
        }
        if id < self.deque_start() {
            return Err(Self::already_rewarded(id));
        }
        let i = (id - self.deque_start()) as usize;
        match self.slots.get(i) {
            Some(s) if s.open => Ok(i),
            _ => Err(Self::already_rewarded(id)),
        }
    }

    /// The arms and context of an open decision.
    pub(crate) fn get(&self, id: u64) -> Result<(&[usize], &[f64])> {
        let i = self.open_index(id)?;
        let s = &self.slots[i];
        Ok((&s.arms, &s.context))
    }

    /// Takes the context buffer of an open decision (give it back with `put_context`).
    pub(crate) fn take_context(&mut self, id: u64) -> Result<Vec<f64>> {
        let i = self.open_index(id)?;
        Ok(std::mem::take(&mut self.slots[i].context))
    }

    pub(crate) fn put_context(&mut self, id: u64, context: Vec<f64>) {
        if let Ok(i) = self.open_index(id) {
            self.slots[i].context = context;
        }
    }

    /// Marks an open decision rewarded.
    pub(crate) fn close(&mut self, id: u64) {
        if let Ok(i) = self.open_index(id) {
            self.slots[i].open = false;
            self.open -= 1;
            self.trim();
        }
    }

    /// The open decisions, oldest first.
    pub(crate) fn records(&self) -> Vec<PendingRecord> {
        let first = self.deque_start();
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.open)
            .map(|(i, s)| PendingRecord {
                id: first + i as u64,
                arms: s.arms.clone(),
                context: s.context.clone(),
            })
            .collect()
    }

    /// Rebuilds the state from saved open decisions, validating ids (increasing, inside the
    /// window), arms (known, distinct, non-empty) and contexts (length `dim`, finite).
    pub(crate) fn from_records(
        horizon: u64,
        next_id: u64,
        records: Vec<PendingRecord>,
        n_arms: usize,
        dim: usize,
    ) -> Result<Self> {
        let window_start = next_id.saturating_sub(horizon);
        let mut prev: Option<u64> = None;
        for r in &records {
            if r.id < window_start || r.id >= next_id {
                return Err(Ki3Error::corrupt(format!(
                    "pending decision {} outside the window [{window_start}, {next_id})",
                    r.id
                )));
            }
            if prev.is_some_and(|p| r.id <= p) {
                return Err(Ki3Error::corrupt("pending decision ids are not increasing"));
            }
            prev = Some(r.id);
            if r.arms.is_empty() {
                return Err(Ki3Error::corrupt(format!(
                    "pending decision {} has no arms",
                    r.id
                )));
            }
            for (j, &a) in r.arms.iter().enumerate() {
                if a >= n_arms || r.arms[..j].contains(&a) {
                    return Err(Ki3Error::corrupt(format!(
                        "pending decision {}: bad arm {a}",
                        r.id
                    )));
                }
            }
            if r.context.len() != dim || r.context.iter().any(|v| !v.is_finite()) {
                return Err(Ki3Error::corrupt(format!(
                    "pending decision {}: context must have {dim} finite values",
                    r.id
                )));
            }
        }
        let first = records.first().map_or(next_id, |r| r.id);
        let mut slots: VecDeque<Slot> = VecDeque::new();
        slots.resize_with((next_id - first) as usize, Slot::default);
        let open = records.len();
        for r in records {
            slots[(r.id - first) as usize] = Slot {
                open: true,
                arms: r.arms,
                context: r.context,
            };
        }
        Ok(Pending {
            horizon,
            next_id,
            slots,
            open,
            spare: Vec::new(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Selection over samplers

/// Draws every sampler once; returns the positions of the largest and second-largest draws
/// (the second equals the first when there is one sampler). NaN draws never win.
#[inline]
pub(crate) fn argmax2<D: PosteriorDraw>(samplers: &[D], rng: &mut BanditRng) -> (usize, usize) {
    let mut best = 0;
    let mut second = 0;
    let mut vb = f64::NEG_INFINITY;
    let mut vs = f64::NEG_INFINITY;
    let mut have_second = false;
    for (i, s) in samplers.iter().enumerate() {
        let v = s.draw(rng);
        if i == 0 {
            vb = v;
            continue;
        }
        if v > vb || vb.is_nan() {
            second = best;
            vs = vb;
            have_second = true;
            best = i;
            vb = v;
        } else if !have_second || v > vs || vs.is_nan() {
            second = i;
            vs = v;
            have_second = true;
        }
    }
    if !have_second {
        second = best;
    }
    (best, second)
}

/// Thompson choice of one position, with optional top-two sampling `(β, max_resamples)`.
/// Returns `(leader, played, challenger)`.
pub(crate) fn select_one<D: PosteriorDraw>(
    samplers: &[D],
    top_two: Option<(f64, u32)>,
    rng: &mut BanditRng,
) -> (usize, usize, bool) {
    let (leader, _) = argmax2(samplers, rng);
    let Some((beta, max_resamples)) = top_two else {
        return (leader, leader, false);
    };
    if samplers.len() < 2 {
        return (leader, leader, false);
    }
    let u: f64 = rng.random();
    if u < beta {
        return (leader, leader, false);
    }
    let mut fallback = leader;
    for _ in 0..max_resamples {
        let (b, second) = argmax2(samplers, rng);
        if b != leader {
            return (leader, b, true);
        }
        fallback = second;
    }
    (leader, fallback, true)
}

/// Draws every sampler once and writes the positions of the `k` largest draws, largest first,
/// into `out` (`buf` is workspace).
pub(crate) fn select_k<D: PosteriorDraw>(
    samplers: &[D],
    k: usize,
    rng: &mut BanditRng,
    buf: &mut Vec<(f64, usize)>,
    out: &mut Vec<usize>,
) {
    buf.clear();
    for (i, s) in samplers.iter().enumerate() {
        let v = s.draw(rng);
        buf.push((if v.is_nan() { f64::NEG_INFINITY } else { v }, i));
    }
    let by_value = |a: &(f64, usize), b: &(f64, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    let k = k.min(buf.len());
    if k > 0 && k < buf.len() {
        buf.select_nth_unstable_by(k - 1, by_value);
    }
    buf.truncate(k);
    buf.sort_unstable_by(by_value);
    out.clear();
    out.extend(buf.iter().map(|&(_, i)| i));
}

/// Checks a slate size against the number of candidates.
pub(crate) fn check_k(k: usize, candidates: usize) -> Result<()> {
    if k == 0 || k > candidates {
        return Err(Ki3Error::param(
            "k",
            format!("must be in [1, {candidates}] (the number of candidate arms), got {k}"),
        ));
    }
    Ok(())
}

/// Checks a credible level.
pub(crate) fn check_level(level: f64) -> Result<()> {
    if level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(Ki3Error::param(
            "level",
            format!("must be in (0, 1), got {level}"),
        ))
    }
}

/// Largest accepted number of Monte Carlo draws.
pub(crate) const MAX_DRAWS: usize = 100_000_000;

/// Monte Carlo probability of being best and expected loss over `draws` joint posterior draws.
pub(crate) fn monte_carlo<D: PosteriorDraw>(
    samplers: &[D],
    draws: usize,
    seed: u64,
) -> Result<(Vec<f64>, Vec<f64>)> {
    if draws == 0 || draws > MAX_DRAWS {
        return Err(Ki3Error::param(
            "draws",
            format!("must be in [1, {MAX_DRAWS}], got {draws}"),
        ));
    }
    use rand::SeedableRng;
    let mut rng = BanditRng::seed_from_u64(seed);
    let m = samplers.len();
    let mut wins = vec![0u64; m];
    let mut loss = vec![0.0f64; m];
    let mut values = vec![0.0f64; m];
    for _ in 0..draws {
        let mut best = 0;
        for (i, s) in samplers.iter().enumerate() {
            let v = s.draw(&mut rng);
            values[i] = v;
            if v > values[best] {
                best = i;
            }
        }
        wins[best] += 1;
        let vb = values[best];
        for (l, v) in loss.iter_mut().zip(&values) {
            *l += vb - v;
        }
    }
    let d = draws as f64;
    Ok((
        wins.iter().map(|&w| w as f64 / d).collect(),
        loss.iter().map(|&l| l / d).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[derive(Clone, Copy)]
    struct Fixed(f64);
    impl PosteriorDraw for Fixed {
        fn draw(&self, _rng: &mut BanditRng) -> f64 {
            self.0
        }
    }

    #[test]
    fn argmax2_and_select_k() {
        let mut rng = BanditRng::seed_from_u64(1);
        let s = [
            Fixed(0.3),
            Fixed(0.9),
            Fixed(0.5),
            Fixed(f64::NAN),
            Fixed(0.7),
        ];
        assert_eq!(argmax2(&s, &mut rng), (1, 4));
        assert_eq!(argmax2(&s[..1], &mut rng), (0, 0));
        let s2 = [Fixed(f64::NAN), Fixed(0.1)];
        assert_eq!(argmax2(&s2, &mut rng).0, 1);
        let (mut buf, mut out) = (Vec::new(), Vec::new());
        select_k(&s, 3, &mut rng, &mut buf, &mut out);
        assert_eq!(out, vec![1, 4, 2]);
        select_k(&s, 5, &mut rng, &mut buf, &mut out);
        assert_eq!(out, vec![1, 4, 2, 0, 3]);
    }

    #[test]
    fn top_two_fallback_plays_the_second() {
        // Deterministic draws: the leader always wins, so the challenger branch falls back to
        // the second best after the bounded redraws.
        let mut rng = BanditRng::seed_from_u64(3);
        let s = [Fixed(0.2), Fixed(0.9), Fixed(0.5)];
        let mut challengers = 0;
        for _ in 0..200 {
            let (leader, played, ch) = select_one(&s, Some((0.5, 3)), &mut rng);
            assert_eq!(leader, 1);
            if ch {
                challengers += 1;
                assert_eq!(played, 2);
            } else {
                assert_eq!(played, 1);
            }
        }
        assert!((60..140).contains(&challengers), "{challengers}");
    }

    #[test]
    fn pending_window_and_errors() {
        let mut p = Pending::new(3);
        let ids: Vec<u64> = (0..5).map(|i| p.issue(&[i], &[])).collect();
        assert_eq!(ids, vec![0, 1, 2, 3, 4]);
        assert_eq!(p.open_count(), 3);
        assert!(p.get(1).unwrap_err().to_string().contains("expired"));
        assert!(p.get(5).unwrap_err().to_string().contains("never issued"));
        assert_eq!(p.get(3).unwrap().0, &[3]);
        p.close(3);
        assert!(
            p.get(3)
                .unwrap_err()
                .to_string()
                .contains("already rewarded")
        );
        assert_eq!(p.open_count(), 2);
        let recs = p.records();
        assert_eq!(recs.iter().map(|r| r.id).collect::<Vec<_>>(), vec![2, 4]);
        let q = Pending::from_records(3, 5, recs.clone(), 5, 0).unwrap();
        assert_eq!(q.records(), recs);
        assert!(
            q.get(3)
                .unwrap_err()
                .to_string()
                .contains("already rewarded")
        );
        // Corrupt records.
        let bad = vec![PendingRecord {
            id: 1,
            arms: vec![0],
            context: vec![],
        }];
        assert!(Pending::from_records(3, 5, bad, 5, 0).is_err());
        let bad = vec![PendingRecord {
            id: 4,
            arms: vec![9],
            context: vec![],
        }];
        assert!(Pending::from_records(3, 5, bad, 5, 0).is_err());
        // Closing the oldest open decisions trims the deque; their ids stay "already rewarded"
        // until they leave the window.
        p.close(2);
        assert_eq!(p.slots.len(), 1);
        assert!(
            p.get(2)
                .unwrap_err()
                .to_string()
                .contains("already rewarded")
        );
        p.close(4);
        assert!(p.slots.is_empty() && p.open_count() == 0);
        assert!(
            p.get(4)
                .unwrap_err()
                .to_string()
                .contains("already rewarded")
        );
        assert_eq!(p.issue(&[1, 2], &[]), 5);
        assert_eq!(p.get(5).unwrap().0, &[1, 2]);
        assert!(
            p.get(3)
                .unwrap_err()
                .to_string()
                .contains("already rewarded")
        );
        assert!(p.get(2).unwrap_err().to_string().contains("expired"));
        let q = Pending::from_records(3, 6, p.records(), 5, 0).unwrap();
        assert_eq!(q.slots.len(), 1);
        assert!(
            q.get(4)
                .unwrap_err()
                .to_string()
                .contains("already rewarded")
        );
        let empty = Pending::from_records(3, 6, Vec::new(), 5, 0).unwrap();
        assert!(empty.slots.is_empty() && empty.next_id() == 6);
    }

    #[test]
    fn pow_and_decay() {
        assert_eq!(pow_u64(0.5, 10), 0.5f64.powi(10));
        assert_eq!(pow_u64(0.9, 0), 1.0);
        assert_eq!(decay(1.0, 100, 3), 1.0);
        assert_eq!(pow_u64(0.99, u64::MAX), 0.0);
    }

    #[test]
    fn arms_table() {
        let mut a = Arms::numbered(3).unwrap();
        assert!(Arms::numbered(0).is_err());
        assert_eq!(a.add("x").unwrap(), 3);
        assert!(a.add("x").is_err());
        assert!(a.add("").is_err());
        a.retire(1).unwrap();
        a.retire(1).unwrap();
        assert_eq!(a.active_list(), &[0, 2, 3]);
        assert_eq!(a.index_of("x").unwrap(), 3);
        let mut st = Stamps::default();
        let mut out = Vec::new();
        a.candidates(None, &mut st, &mut out).unwrap();
        assert_eq!(out, vec![0, 2, 3]);
        a.candidates(Some(&[3, 0]), &mut st, &mut out).unwrap();
        assert_eq!(out, vec![3, 0]);
        assert!(a.candidates(Some(&[1]), &mut st, &mut out).is_err());
        assert!(a.candidates(Some(&[0, 0]), &mut st, &mut out).is_err());
        assert!(a.candidates(Some(&[7]), &mut st, &mut out).is_err());
        assert!(a.candidates(Some(&[]), &mut st, &mut out).is_err());
        assert!(Arms::new(vec!["a".into(), "a".into()], vec![true, true]).is_err());
    }
}
