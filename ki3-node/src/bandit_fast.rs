//! Fast paths of the hot serving calls, used by the package entry `ki3.js`.
//!
//! A napi-rs class method pays for unwrapping `this` and for a per-call borrow scope (together
//! about 0.25 µs on Node 20, about as much as a 10-arm Thompson draw), and an options object
//! costs a property read per field. So `ki3.js` keeps, per policy object, a slot id of the
//! policy's state (`_fastHandle()`), reads the options itself and calls the plain functions of
//! `_fastFunctions()` with positional arguments. They are raw Node-API callbacks: arguments are
//! read directly, panics are caught, errors are thrown exactly as napi-rs throws them. Arms go
//! in as indices into the policy's arm list and single choices come out as one (JS caches the
//! names, growing them with `armNames`: names are append-only); no JS buffer is written.
//! Each function validates like the class method it stands for and calls the same core
//! method, so results, random streams and error messages are the same.
//!
//! Slot ids are plain numbers (a slot index and a generation), so a forged or stale id can at
//! worst name another live policy of the same thread or none — never memory.

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;
use std::rc::Rc;

use ki3_core::bandit as cb;
use napi::bindgen_prelude::*;
use napi::{JsError, sys};
use napi_derive::napi;

use crate::Raw;
use crate::bandit::{
    BernoulliTS, Core, GaussianTS, LinearTS, Serving, busy, context_for, id_to_js, js_names,
    opt_f64_array_arg, whole, whole_usize,
};
use crate::error::IntoNapi;

/// A policy's state as the fast paths see it.
#[derive(Clone)]
enum Handle {
    Bernoulli(Rc<RefCell<Serving<cb::BernoulliTs>>>),
    Gaussian(Rc<RefCell<Serving<cb::GaussianTs>>>),
    Linear(Rc<RefCell<Serving<cb::LinearTs>>>),
}

/// The live handles of this JS thread. An id is `generation · 2^32 + index` (below 2^52, so
/// exact as a JS number); a slot's generation changes when it is released.
#[derive(Default)]
struct Slots {
    entries: Vec<(u32, Option<Handle>)>,
    free: Vec<u32>,
}

const GENERATIONS: u32 = 1 << 20;
const INDEX_SPAN: f64 = 4_294_967_296.0; // 2^32

impl Slots {
    /// The id of a new slot holding `handle`; `None` when 2^32 slots are taken.
    fn insert(&mut self, handle: Handle) -> Option<f64> {
        let index = match self.free.pop() {
            Some(i) => i,
            None => {
                let i = u32::try_from(self.entries.len()).ok()?;
                self.entries.push((0, None));
                i
            }
        };
        let entry = &mut self.entries[index as usize];
        entry.1 = Some(handle);
        Some(f64::from(entry.0) * INDEX_SPAN + f64::from(index))
    }

    fn split(id: f64) -> Option<(u32, usize)> {
        if !(id >= 0.0 && id.fract() == 0.0 && id < f64::from(GENERATIONS) * INDEX_SPAN) {
            return None;
        }
        let id = id as u64;
        Some(((id >> 32) as u32, (id & 0xFFFF_FFFF) as usize))
    }

    fn get(&self, id: f64) -> Option<Handle> {
        let (generation, index) = Self::split(id)?;
        match self.entries.get(index)? {
            (g, Some(h)) if *g == generation => Some(h.clone()),
            _ => None,
        }
    }

    fn remove(&mut self, id: f64) {
        let Some((generation, index)) = Self::split(id) else {
            return;
        };
        if let Some(entry) = self.entries.get_mut(index)
            && entry.0 == generation
            && entry.1.take().is_some()
        {
            entry.0 = (entry.0 + 1) % GENERATIONS;
            self.free.push(index as u32);
        }
    }
}

thread_local! {
    static SLOTS: RefCell<Slots> = RefCell::new(Slots::default());
}

/// Releases the slot `id` (from a policy's drop, which may run during garbage collection or
/// at exit: it never panics, and a slot that cannot be released now simply stays taken).
pub(crate) fn release(id: f64) {
    let _ = SLOTS.try_with(|slots| {
        if let Ok(mut slots) = slots.try_borrow_mut() {
            slots.remove(id);
        }
    });
}

fn lookup(id: f64) -> Result<Handle> {
    SLOTS
        .try_with(|slots| slots.try_borrow().ok().and_then(|s| s.get(id)))
        .ok()
        .flatten()
        .ok_or_else(|| Error::new(Status::InvalidArg, "ki3: not a live policy handle"))
}

macro_rules! fast_handle {
    ($class:ident, $variant:ident) => {
        #[napi]
        impl $class {
            /// (internal) The slot id of the fast paths (one per policy object).
            #[napi(js_name = "_fastHandle", skip_typescript)]
            pub fn fast_handle(&self) -> Result<f64> {
                if let Some(id) = self.s.fast_slot.get() {
                    return Ok(id);
                }
                let handle = Handle::$variant(Rc::clone(&self.s.state));
                let id = SLOTS
                    .try_with(|slots| {
                        let mut slots = slots.try_borrow_mut().map_err(|_| busy())?;
                        slots.insert(handle).ok_or_else(|| {
                            Error::from_reason("ki3: too many policies with fast paths")
                        })
                    })
                    .map_err(|_| Error::from_reason("ki3: the thread is shutting down"))??;
                self.s.fast_slot.set(Some(id));
                Ok(id)
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
        match $handle {
            Handle::Bernoulli(rc) => {
                #[allow(unused_mut)]
                let mut $s = rc.try_borrow_mut().map_err(|_| busy())?;
                $body
            }
            Handle::Gaussian(rc) => {
                #[allow(unused_mut)]
                let mut $s = rc.try_borrow_mut().map_err(|_| busy())?;
                $body
            }
            Handle::Linear(rc) => {
                #[allow(unused_mut)]
                let mut $s = rc.try_borrow_mut().map_err(|_| busy())?;
                $body
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Raw callbacks

/// Reads `N` arguments (missing ones are `undefined`), runs `f` with panics caught and throws
/// its error the way napi-rs does.
///
/// # Safety
/// `env` and `info` must be the arguments of a Node-API callback on the JS thread.
unsafe fn run<const N: usize>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    f: fn(&Env, [Unknown<'_>; N]) -> Result<sys::napi_value>,
) -> sys::napi_value {
    let mut argv = [ptr::null_mut(); N];
    let mut argc = N;
    // SAFETY: `argv` has room for `argc` values; Node fills missing ones with `undefined`.
    let status = unsafe {
        sys::napi_get_cb_info(
            env,
            info,
            &mut argc,
            argv.as_mut_ptr(),
            ptr::null_mut(),
            ptr::null_mut(),
        )
    };
    let result = if status == sys::Status::napi_ok {
        let js_env = Env::from_raw(env);
        // SAFETY: the values are live arguments of this call.
        let args = argv.map(|v| unsafe { Unknown::from_raw_unchecked(env, v) });
        catch_unwind(AssertUnwindSafe(|| f(&js_env, args)))
            .unwrap_or_else(|_| Err(Error::from_reason("ki3: internal error (panic)")))
    } else {
        Err(Error::from_reason("ki3: could not read the arguments"))
    };
    match result {
        Ok(value) => value,
        Err(err) => {
            // SAFETY: throwing on the current env; the callback then returns no value.
            unsafe { JsError::from(err).throw_into(env) };
            ptr::null_mut()
        }
    }
}

/// Defines `extern "C"` Node-API callbacks that `run` the given bodies.
macro_rules! raw_callbacks {
    ($($callback:ident => $body:ident / $n:literal),* $(,)?) => {$(
        unsafe extern "C" fn $callback(
            env: sys::napi_env,
            info: sys::napi_callback_info,
        ) -> sys::napi_value {
            // SAFETY: Node calls this with the env and info of a callback on the JS thread.
            unsafe { run::<$n>(env, info, $body) }
        }
    )*};
}

raw_callbacks!(
    choose_index_cb => choose_index / 2,
    choose_slate_cb => choose_slate / 3,
    decide_index_cb => decide_index / 2,
    last_decision_id_cb => last_decision_id / 1,
    reward_cb => reward / 3,
    update_cb => update / 4,
    arm_names_cb => arm_names / 2,
);

fn number(env: &Env, v: Unknown<'_>, name: &str) -> Result<f64> {
    // SAFETY: `v` is a live argument of this call.
    unsafe { f64::from_napi_value(env.raw(), v.raw()) }
        .map_err(|_| Error::new(Status::InvalidArg, format!("{name}: expected a number")))
}

fn handle_of(env: &Env, v: Unknown<'_>) -> Result<Handle> {
    lookup(number(env, v, "handle")?)
}

fn js<T: ToNapiValue>(env: &Env, value: T) -> Result<sys::napi_value> {
    // SAFETY: converting on the current env.
    unsafe { T::to_napi_value(env.raw(), value) }
}

fn index_u32(arm: usize) -> Result<u32> {
    u32::try_from(arm).map_err(|_| Error::from_reason(format!("arm index {arm} exceeds u32")))
}

/// `chooseIndex(handle, context)`: `choose()` / `choose({ context })`, the index (into `arms`)
/// of the chosen arm.
fn choose_index(env: &Env, [handle, context]: [Unknown<'_>; 2]) -> Result<sys::napi_value> {
    let handle = handle_of(env, handle)?;
    let context = opt_f64_array_arg(env, context, "context")?;
    let x = context.as_ref().map(|c| c.as_slice());
    let arm = with_serving!(handle, |s| {
        let x = context_for(&s.inner, "context", x).napi()?;
        Core::choose(&mut s.inner, x, None).napi()?
    });
    js(env, index_u32(arm)?)
}

/// `chooseSlate(handle, n, context)`: `choose({ n, context })` for a slate. The arm indices,
/// best first, packed into one number when they fit — `Σ index_i · 2^(b·i)` with
/// `b = ⌊53 / n⌋` bits per index (JS unpacks them the same way) — otherwise the arm names.
/// (A number costs far less to return than an array of strings.)
fn choose_slate(env: &Env, [handle, n, context]: [Unknown<'_>; 3]) -> Result<sys::napi_value> {
    let handle = handle_of(env, handle)?;
    let k = whole_usize("n", number(env, n, "n")?).napi()?;
    let context = opt_f64_array_arg(env, context, "context")?;
    let x = context.as_ref().map(|c| c.as_slice());
    with_serving!(handle, |s| {
        let x = context_for(&s.inner, "context", x).napi()?;
        let arms = Core::choose_k(&mut s.inner, x, k, None).napi()?;
        match pack_slate(&arms) {
            Some(packed) => js(env, packed),
            None => js_names(env.raw(), s.inner.names(), &arms),
        }
    })
}

/// The slate as one exact JS number (see `choose_slate`), when every index fits its bits.
fn pack_slate(arms: &[usize]) -> Option<f64> {
    let bits = 53 / u32::try_from(arms.len()).ok().filter(|&k| k > 0)?;
    let mut packed = 0u64;
    for (i, &arm) in arms.iter().enumerate() {
        let arm = u64::try_from(arm).ok().filter(|&a| a < (1u64 << bits))?;
        packed |= arm << (bits * i as u32);
    }
    Some(packed as f64)
}

/// `decideIndex(handle, context)`: `decide()` / `decide({ context })`; the index of the chosen
/// arm (the id is `nextDecisionId − 1` right after).
fn decide_index(env: &Env, [handle, context]: [Unknown<'_>; 2]) -> Result<sys::napi_value> {
    let handle = handle_of(env, handle)?;
    let context = opt_f64_array_arg(env, context, "context")?;
    let x = context.as_ref().map(|c| c.as_slice());
    let arm = with_serving!(handle, |s| {
        let x = context_for(&s.inner, "context", x).napi()?;
        Core::decide(&mut s.inner, x, None).napi()?.arm
    });
    js(env, index_u32(arm)?)
}

/// `lastDecisionId(handle)`: the id of the policy's latest decision (a number; a bigint above
/// 2^53 − 1).
fn last_decision_id(env: &Env, [handle]: [Unknown<'_>; 1]) -> Result<sys::napi_value> {
    let handle = handle_of(env, handle)?;
    let next = with_serving!(handle, |s| s.inner.next_decision_id());
    let id = next
        .checked_sub(1)
        .ok_or_else(|| Error::from_reason("ki3: no decision yet"))?;
    js(env, id_to_js(id))
}

/// `reward(handle, id, value)`: `reward(id, value)` with a number id and a number value.
fn reward(env: &Env, [handle, id, value]: [Unknown<'_>; 3]) -> Result<sys::napi_value> {
    let handle = handle_of(env, handle)?;
    let id = whole("id", number(env, id, "id")?).napi()?;
    let value = number(env, value, "value")?;
    with_serving!(handle, |s| s.reward_value(id, value))?;
    js(env, ())
}

/// `update(handle, arm, reward, context)`: `update(arm, reward[, context])` with the arm as a
/// number (an index into `arms`).
fn update(env: &Env, [handle, arm, reward, context]: [Unknown<'_>; 4]) -> Result<sys::napi_value> {
    let handle = handle_of(env, handle)?;
    let arm = whole_usize("arm", number(env, arm, "arm")?).napi()?;
    let reward = number(env, reward, "reward")?;
    let context = opt_f64_array_arg(env, context, "context")?;
    let x = context.as_ref().map(|c| c.as_slice());
    with_serving!(handle, |s| {
        let x = context_for(&s.inner, "context", x).napi()?;
        Core::update(&mut s.inner, arm, x, reward).napi()
    })?;
    js(env, ())
}

/// `armNames(handle, start)`: the names of the arms from index `start` on (arms are only ever
/// appended, so the JS caches grow by what is new).
fn arm_names(env: &Env, [handle, start]: [Unknown<'_>; 2]) -> Result<sys::napi_value> {
    let handle = handle_of(env, handle)?;
    let start = whole_usize("start", number(env, start, "start")?).napi()?;
    with_serving!(handle, |s| {
        let names = s.inner.names();
        let new: Vec<usize> = (start.min(names.len())..names.len()).collect();
        js_names(env.raw(), names, &new)
    })
}

type Callback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// (internal) The fast functions: `{ chooseIndex, chooseSlate, decideIndex, lastDecisionId,
/// reward, update, armNames }`.
#[napi(js_name = "_fastFunctions", skip_typescript)]
pub fn fast_functions(env: Env) -> Result<Raw> {
    let functions: [(&str, Callback); 7] = [
        ("chooseIndex", choose_index_cb),
        ("chooseSlate", choose_slate_cb),
        ("decideIndex", decide_index_cb),
        ("lastDecisionId", last_decision_id_cb),
        ("reward", reward_cb),
        ("update", update_cb),
        ("armNames", arm_names_cb),
    ];
    let e = env.raw();
    let mut object = ptr::null_mut();
    // SAFETY: plain Node-API calls on the current env with handles created here.
    check_status!(unsafe { sys::napi_create_object(e, &mut object) })?;
    for (name, callback) in functions {
        let mut f = ptr::null_mut();
        check_status!(unsafe {
            sys::napi_create_function(
                e,
                name.as_ptr().cast(),
                name.len() as isize,
                Some(callback),
                ptr::null_mut(),
                &mut f,
            )
        })?;
        let key = std::ffi::CString::new(name)?;
        check_status!(unsafe { sys::napi_set_named_property(e, object, key.as_ptr(), f) })?;
    }
    Ok(Raw(object))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handle() -> Handle {
        let policy = cb::BernoulliTsParams::default()
            .build(2)
            .unwrap_or_else(|_| unreachable!());
        Handle::Bernoulli(Rc::new(RefCell::new(Serving::new(policy))))
    }

    #[test]
    fn slates_pack_into_exact_numbers_when_they_fit() {
        // 3 indices of 17 bits: 5 + 7·2^17 + 1·2^34.
        assert_eq!(
            pack_slate(&[5, 7, 1]),
            Some((5 + (7 << 17) + (1u64 << 34)) as f64)
        );
        assert_eq!(
            pack_slate(&[(1 << 17) - 1, 0, 0]),
            Some(((1u64 << 17) - 1) as f64)
        );
        assert_eq!(pack_slate(&[1 << 17, 0, 0]), None);
        assert_eq!(pack_slate(&[]), None);
        let many: Vec<usize> = (0..53).map(|i| i % 2).collect(); // 1 bit each
        assert!(pack_slate(&many).is_some_and(|p| p < 9_007_199_254_740_992.0));
        // 0 bits per index: only all-zero slates pack (JS decodes them with a span of 1).
        assert_eq!(pack_slate(&[0; 54]), Some(0.0));
        let mut one = [0; 54];
        one[3] = 1;
        assert_eq!(pack_slate(&one), None);
    }

    #[test]
    fn slot_ids_are_exact_numbers_and_stale_ids_name_nothing() {
        let mut slots = Slots::default();
        let a = slots.insert(handle()).unwrap_or(f64::NAN);
        let b = slots.insert(handle()).unwrap_or(f64::NAN);
        assert_eq!((a, b), (0.0, 1.0));
        assert!(slots.get(a).is_some() && slots.get(b).is_some());
        slots.remove(a);
        assert!(slots.get(a).is_none(), "a released id is stale");
        // The slot is reused under a new generation: the old id still names nothing.
        let c = slots.insert(handle()).unwrap_or(f64::NAN);
        assert_eq!(c, INDEX_SPAN);
        assert!(slots.get(a).is_none() && slots.get(c).is_some());
        slots.remove(a); // removing a stale id does not free the new owner's slot
        assert!(slots.get(c).is_some());
        for forged in [
            -1.0,
            0.5,
            f64::NAN,
            f64::INFINITY,
            7.0,
            1e300,
            3.0 * INDEX_SPAN,
        ] {
            assert!(slots.get(forged).is_none(), "{forged}");
        }
    }
}
