//! Fast paths of the hot serving calls, used by the package entry `ki3.js`.
//!
//! A napi class method pays for unwrapping `this` (about 0.2 µs on Node 20 — as much as a
//! 10-arm Thompson draw) and an options object costs a property read per field. `ki3.js` keeps,
//! per policy object, an external handle of the policy's state (`_fastHandle()`), reads the
//! options itself and calls these plain functions with positional arguments; arm names go in
//! and out as indices into the policy's arm list (cached in JS: names are append-only). Each
//! function validates exactly like the class method it stands for and calls the same core
//! method, so results, random streams and error messages are the same.

use std::cell::RefCell;
use std::rc::Rc;

use ki3_core::bandit as cb;
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::bandit::{
    BernoulliTS, Core, GaussianTS, LinearTS, Serving, busy, context_for, id_to_js,
    opt_f64_array_arg, whole, whole_usize,
};
use crate::error::IntoNapi;

/// The state of a policy object, shared with the object itself.
pub struct FastHandle(Policy);

enum Policy {
    Bernoulli(Rc<RefCell<Serving<cb::BernoulliTs>>>),
    Gaussian(Rc<RefCell<Serving<cb::GaussianTs>>>),
    Linear(Rc<RefCell<Serving<cb::LinearTs>>>),
}

macro_rules! fast_handle {
    ($class:ident, $variant:ident) => {
        #[napi]
        impl $class {
            /// (internal) The handle of the fast paths.
            #[napi(js_name = "_fastHandle", skip_typescript)]
            pub fn fast_handle(&self) -> External<FastHandle> {
                External::new(FastHandle(Policy::$variant(Rc::clone(&self.s.0))))
            }
        }
    };
}

fast_handle!(BernoulliTS, Bernoulli);
fast_handle!(GaussianTS, Gaussian);
fast_handle!(LinearTS, Linear);

/// Runs `$body` with `$s` bound to the policy's `Serving` (mutably borrowed).
macro_rules! with_serving {
    ($handle:expr, |$s:ident| $body:expr) => {
        match &$handle.0 {
            Policy::Bernoulli(rc) => {
                let mut $s = rc.try_borrow_mut().map_err(|_| busy())?;
                $body
            }
            Policy::Gaussian(rc) => {
                let mut $s = rc.try_borrow_mut().map_err(|_| busy())?;
                $body
            }
            Policy::Linear(rc) => {
                let mut $s = rc.try_borrow_mut().map_err(|_| busy())?;
                $body
            }
        }
    };
}

fn index_u32(arm: usize) -> Result<u32> {
    u32::try_from(arm).map_err(|_| Error::from_reason(format!("arm index {arm} exceeds u32")))
}

/// (internal) `choose()` / `choose({ context })`: the index (into `arms`) of the chosen arm.
#[napi(js_name = "_chooseIndex", skip_typescript)]
pub fn choose_index(env: Env, handle: &External<FastHandle>, context: Unknown) -> Result<u32> {
    let context = opt_f64_array_arg(&env, context, "context")?;
    let x = context.as_ref().map(|c| c.as_slice());
    with_serving!(handle, |s| {
        let x = context_for(&s.inner, "context", x).napi()?;
        index_u32(Core::choose(&mut s.inner, x, None).napi()?)
    })
}

/// (internal) `choose({ n, context })` for a slate: the arm indices, best first, go to `out`
/// (which holds at least `n` elements).
#[napi(js_name = "_chooseSlate", skip_typescript)]
pub fn choose_slate(
    env: Env,
    handle: &External<FastHandle>,
    n: f64,
    context: Unknown,
    mut out: Uint32ArraySlice,
) -> Result<()> {
    let k = whole_usize("n", n).napi()?;
    let context = opt_f64_array_arg(&env, context, "context")?;
    let x = context.as_ref().map(|c| c.as_slice());
    // SAFETY: JS is paused during this synchronous call, so nothing else touches the buffer.
    let out = unsafe { out.as_mut() };
    if out.len() < k {
        // Checked before drawing, so a refused call does not advance the random stream.
        return Err(Error::from_reason("ki3: slate buffer too small"));
    }
    let arms = with_serving!(handle, |s| {
        let x = context_for(&s.inner, "context", x).napi()?;
        Core::choose_k(&mut s.inner, x, k, None).napi()?
    });
    for (o, &arm) in out.iter_mut().zip(&arms) {
        *o = index_u32(arm)?;
    }
    Ok(())
}

/// (internal) `decide()` / `decide({ context })`: the decision id; the arm index goes to
/// `out[0]`.
#[napi(js_name = "_decideIndex", skip_typescript)]
pub fn decide_index(
    env: Env,
    handle: &External<FastHandle>,
    context: Unknown,
    mut out: Uint32ArraySlice,
) -> Result<Either<f64, BigInt>> {
    let context = opt_f64_array_arg(&env, context, "context")?;
    let x = context.as_ref().map(|c| c.as_slice());
    // SAFETY: JS is paused during this synchronous call, so nothing else touches the buffer.
    let out = unsafe { out.as_mut() };
    if out.is_empty() {
        return Err(Error::from_reason("ki3: decision buffer too small"));
    }
    let d = with_serving!(handle, |s| {
        let x = context_for(&s.inner, "context", x).napi()?;
        Core::decide(&mut s.inner, x, None).napi()?
    });
    out[0] = index_u32(d.arm)?;
    Ok(id_to_js(d.id))
}

/// (internal) `reward(id, value)` with a number id and a number value.
#[napi(js_name = "_reward", skip_typescript)]
pub fn reward(handle: &External<FastHandle>, id: f64, value: f64) -> Result<()> {
    let id = whole("id", id).napi()?;
    with_serving!(handle, |s| s.reward_value(id, value))
}

/// (internal) `update(arm, reward[, context])` with the arm as a number (an index into `arms`).
#[napi(js_name = "_update", skip_typescript)]
pub fn update(
    env: Env,
    handle: &External<FastHandle>,
    arm: f64,
    reward: f64,
    context: Unknown,
) -> Result<()> {
    let arm = whole_usize("arm", arm).napi()?;
    let context = opt_f64_array_arg(&env, context, "context")?;
    let x = context.as_ref().map(|c| c.as_slice());
    with_serving!(handle, |s| {
        let x = context_for(&s.inner, "context", x).napi()?;
        Core::update(&mut s.inner, arm, x, reward).napi()
    })
}
