//! Fast paths of the hot serving calls, used by the package entry `ki3.js`.
//!
//! A napi-rs class method pays for unwrapping `this` and for a per-call borrow scope (together
//! about 0.25 µs on Node 20, about as much as a 10-arm Thompson draw), and an options object
//! costs a property read per field. So `ki3.js` keeps, per policy object, a slot id of the
//! policy's state (`_fastHandle()`), reads the options itself and calls the plain functions of
//! `_fastFunctions()` with positional arguments. They are raw Node-API callbacks: arguments are
//! read directly, panics are caught, errors are thrown exactly as napi-rs throws them. Arms go
//! in and out as indices into the policy's arm list (cached in JS: names are append-only).
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
    BernoulliTS, Core, GaussianTS, LinearTS, Serving, busy, context_for, id_to_js,
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
                let id = SLOTS.with(|slots| {
                    let mut slots = slots.try_borrow_mut().map_err(|_| busy())?;
                    slots
                        .insert(handle)
                        .ok_or_else(|| Error::from_reason("ki3: too many policies with fast paths"))
                })?;
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
                let mut $s = rc.try_borrow_mut().map_err(|_| busy())?;
                $body
            }
            Handle::Gaussian(rc) => {
                let mut $s = rc.try_borrow_mut().map_err(|_| busy())?;
                $body
            }
            Handle::Linear(rc) => {
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
    f: impl FnOnce(&Env, [Unknown<'_>; N]) -> Result<sys::napi_value>,
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

fn number(env: &Env, v: Unknown<'_>, name: &str) -> Result<f64> {
    // SAFETY: `v` is a live argument of this call.
    unsafe { f64::from_napi_value(env.raw(), v.raw()) }
        .map_err(|_| Error::new(Status::InvalidArg, format!("{name}: expected a number")))
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
unsafe extern "C" fn choose_index(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: called by Node as a callback.
    unsafe {
        run(env, info, |env, [handle, context]: [Unknown<'_>; 2]| {
            let handle = lookup(number(env, handle, "handle")?)?;
            let context = opt_f64_array_arg(env, context, "context")?;
            let x = context.as_ref().map(|c| c.as_slice());
            let arm = with_serving!(handle, |s| {
                let x = context_for(&s.inner, "context", x).napi()?;
                Core::choose(&mut s.inner, x, None).napi()?
            });
            js(env, index_u32(arm)?)
        })
    }
}

/// `chooseSlate(handle, n, context, out)`: `choose({ n, context })` for a slate; the arm
/// indices, best first, go to the Uint32Array `out` (at least `n` long).
unsafe extern "C" fn choose_slate(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: called by Node as a callback.
    unsafe {
        run(
            env,
            info,
            |env, [handle, n, context, out]: [Unknown<'_>; 4]| {
                let handle = lookup(number(env, handle, "handle")?)?;
                let k = whole_usize("n", number(env, n, "n")?).napi()?;
                let context = opt_f64_array_arg(env, context, "context")?;
                let x = context.as_ref().map(|c| c.as_slice());
                // SAFETY: a live argument; JS is paused during this synchronous call, so nothing
                // else touches the buffer while it is written.
                let mut out = Uint32ArraySlice::from_napi_value(env.raw(), out.raw())?;
                let out = out.as_mut();
                if out.len() < k {
                    // Checked before drawing, so a refused call does not advance the stream.
                    return Err(Error::from_reason("ki3: slate buffer too small"));
                }
                let arms = with_serving!(handle, |s| {
                    let x = context_for(&s.inner, "context", x).napi()?;
                    Core::choose_k(&mut s.inner, x, k, None).napi()?
                });
                for (o, &arm) in out.iter_mut().zip(&arms) {
                    *o = index_u32(arm)?;
                }
                js(env, ())
            },
        )
    }
}

/// `decideIndex(handle, context, out)`: `decide()` / `decide({ context })`; returns the id,
/// the arm index goes to `out[0]`.
unsafe extern "C" fn decide_index(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: called by Node as a callback.
    unsafe {
        run(
            env,
            info,
            |env, [handle, context, out]: [Unknown<'_>; 3]| {
                let handle = lookup(number(env, handle, "handle")?)?;
                let context = opt_f64_array_arg(env, context, "context")?;
                let x = context.as_ref().map(|c| c.as_slice());
                // SAFETY: as in `choose_slate`.
                let mut out = Uint32ArraySlice::from_napi_value(env.raw(), out.raw())?;
                let out = out.as_mut();
                if out.is_empty() {
                    return Err(Error::from_reason("ki3: decision buffer too small"));
                }
                let d = with_serving!(handle, |s| {
                    let x = context_for(&s.inner, "context", x).napi()?;
                    Core::decide(&mut s.inner, x, None).napi()?
                });
                out[0] = index_u32(d.arm)?;
                js(env, id_to_js(d.id))
            },
        )
    }
}

/// `reward(handle, id, value)`: `reward(id, value)` with a number id and a number value.
unsafe extern "C" fn reward(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: called by Node as a callback.
    unsafe {
        run(env, info, |env, [handle, id, value]: [Unknown<'_>; 3]| {
            let handle = lookup(number(env, handle, "handle")?)?;
            let id = whole("id", number(env, id, "id")?).napi()?;
            let value = number(env, value, "value")?;
            with_serving!(handle, |s| s.reward_value(id, value))?;
            js(env, ())
        })
    }
}

/// `update(handle, arm, reward, context)`: `update(arm, reward[, context])` with the arm as a
/// number (an index into `arms`).
unsafe extern "C" fn update(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: called by Node as a callback.
    unsafe {
        run(
            env,
            info,
            |env, [handle, arm, reward, context]: [Unknown<'_>; 4]| {
                let handle = lookup(number(env, handle, "handle")?)?;
                let arm = whole_usize("arm", number(env, arm, "arm")?).napi()?;
                let reward = number(env, reward, "reward")?;
                let context = opt_f64_array_arg(env, context, "context")?;
                let x = context.as_ref().map(|c| c.as_slice());
                with_serving!(handle, |s| {
                    let x = context_for(&s.inner, "context", x).napi()?;
                    Core::update(&mut s.inner, arm, x, reward).napi()
                })?;
                js(env, ())
            },
        )
    }
}

type Callback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// (internal) The fast functions: `{ chooseIndex, chooseSlate, decideIndex, reward, update }`.
#[napi(js_name = "_fastFunctions", skip_typescript)]
pub fn fast_functions(env: Env) -> Result<Raw> {
    let functions: [(&str, Callback); 5] = [
        ("chooseIndex", choose_index),
        ("chooseSlate", choose_slate),
        ("decideIndex", decide_index),
        ("reward", reward),
        ("update", update),
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
