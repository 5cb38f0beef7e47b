//! Batch-update columns as numpy gave them: arm indices of any common integer dtype and 0/1 or
//! real rewards as `float64`, `int64` or `bool`, borrowed without conversion and handed to the
//! core's generic `update_batch`.

use ki3_core::bandit::{ArmCode, RewardValue};
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

use crate::events::slice;

/// An arm-index column (`int64`, `int32`, `int16`, `int8` — pandas Categorical codes —,
/// `uint32` — from `arm_indices` — or `uintp`).
#[derive(FromPyObject)]
pub enum ArmColumn<'py> {
    I64(PyReadonlyArray1<'py, i64>),
    I32(PyReadonlyArray1<'py, i32>),
    I16(PyReadonlyArray1<'py, i16>),
    I8(PyReadonlyArray1<'py, i8>),
    U32(PyReadonlyArray1<'py, u32>),
    Usize(PyReadonlyArray1<'py, usize>),
}

/// A reward column (`float64`, `int64` or `bool`; the Python layer casts anything else to
/// `float64`).
#[derive(FromPyObject)]
pub enum RewardColumn<'py> {
    F64(PyReadonlyArray1<'py, f64>),
    I64(PyReadonlyArray1<'py, i64>),
    Bool(PyReadonlyArray1<'py, bool>),
}

/// A consumer of a borrowed arm column (generic over its element type, which a closure cannot
/// be).
pub trait ArmSink {
    type Output;
    fn run<A: ArmCode + Sync>(self, arms: &[A]) -> PyResult<Self::Output>;
}

/// A consumer of borrowed arm and reward columns.
pub trait BatchSink {
    type Output;
    fn run<A: ArmCode + Sync, R: RewardValue + Sync>(
        self,
        arms: &[A],
        rewards: &[R],
    ) -> PyResult<Self::Output>;
}

/// Borrows the arm column (it must be contiguous) and calls `sink` with its element type.
pub fn with_arms<S: ArmSink>(arms: &ArmColumn<'_>, sink: S) -> PyResult<S::Output> {
    match arms {
        ArmColumn::I64(a) => sink.run(slice(a, "arms")?),
        ArmColumn::I32(a) => sink.run(slice(a, "arms")?),
        ArmColumn::I16(a) => sink.run(slice(a, "arms")?),
        ArmColumn::I8(a) => sink.run(slice(a, "arms")?),
        ArmColumn::U32(a) => sink.run(slice(a, "arms")?),
        ArmColumn::Usize(a) => sink.run(slice(a, "arms")?),
    }
}

/// Borrows both columns (contiguous) and calls `sink` with their element types.
pub fn with_columns<S: BatchSink>(
    arms: &ArmColumn<'_>,
    rewards: &RewardColumn<'_>,
    sink: S,
) -> PyResult<S::Output> {
    struct WithRewards<'a, 'py, S>(&'a RewardColumn<'py>, S);
    impl<S: BatchSink> ArmSink for WithRewards<'_, '_, S> {
        type Output = S::Output;
        fn run<A: ArmCode + Sync>(self, arms: &[A]) -> PyResult<S::Output> {
            let WithRewards(rewards, sink) = self;
            match rewards {
                RewardColumn::F64(r) => sink.run(arms, slice(r, "rewards")?),
                RewardColumn::I64(r) => sink.run(arms, slice(r, "rewards")?),
                RewardColumn::Bool(r) => sink.run(arms, slice(r, "rewards")?),
            }
        }
    }
    with_arms(arms, WithRewards(rewards, sink))
}
