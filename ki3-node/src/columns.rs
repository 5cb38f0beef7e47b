//! Event columns in, feature tables out.
//!
//! JS values are read in two steps. napi-rs turns the argument object into [`EventColumns`]
//! (typed-array views and string arrays; a wrong JS type fails here, naming the field). Then
//! [`RawEvents`] (borrowed for synchronous calls, owned copies for `...Async` tasks) is checked
//! and converted into the core's column types by [`RawEvents::prepare`]: typed arrays whose
//! element type is the core's are used in place, others are converted; string columns are coded
//! through core dictionaries ([`Dictionary`], codes in sorted string order) and the core table
//! says which output columns to map back.

use std::borrow::Cow;

use ki3_core::data::Dictionary;
use ki3_core::features::{ColumnCodes, Dictionaries, FeatureTable, Field};
use ki3_core::{EventLog, Ki3Error, TimeUnit};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::error::bad_value;

type CoreResult<T> = std::result::Result<T, Ki3Error>;

/// What a JS value is, for column dispatch and error messages.
pub(crate) enum Kind {
    Typed(TypedArrayType),
    Array,
    Other(String),
}

/// Classifies a JS value.
///
/// # Safety
/// `env` and `v` must be live handles of the current call on the JS thread.
pub(crate) unsafe fn classify(env: sys::napi_env, v: sys::napi_value) -> Result<Kind> {
    let mut is_typed = false;
    check_status!(unsafe { sys::napi_is_typedarray(env, v, &mut is_typed) })?;
    if is_typed {
        let ta = unsafe { TypedArray::from_napi_value(env, v) }?;
        return Ok(Kind::Typed(ta.typed_array_type));
    }
    let mut is_array = false;
    check_status!(unsafe { sys::napi_is_array(env, v, &mut is_array) })?;
    if is_array {
        return Ok(Kind::Array);
    }
    let ty = type_of!(env, v)?;
    Ok(Kind::Other(format!("{ty:?}").to_lowercase()))
}

pub(crate) fn describe(kind: &Kind) -> String {
    match kind {
        Kind::Typed(TypedArrayType::Unknown) => "a typed array of another type".into(),
        Kind::Typed(t) => format!("{}Array", t.as_ref()),
        Kind::Array => "an array with an element of another type".into(),
        Kind::Other(t) => t.clone(),
    }
}

fn expected(what: &str, kind: &Kind) -> Error {
    Error::new(
        Status::InvalidArg,
        format!("expected {what}, got {}", describe(kind)),
    )
}

/// A JS array read element by element. napi's `Vec<T>` conversion reserves the array's length
/// up front, and a sparse array can claim 2^32 - 1 elements: that allocation would abort the
/// process. Here the vector grows as real elements are read.
pub struct JsList<T>(pub Vec<T>);

impl<T: FromNapiValue> FromNapiValue for JsList<T> {
    unsafe fn from_napi_value(env: sys::napi_env, v: sys::napi_value) -> Result<Self> {
        let mut is_array = false;
        // SAFETY: `env` and `v` are live handles of the current call (the caller's contract).
        check_status!(unsafe { sys::napi_is_array(env, v, &mut is_array) })?;
        if !is_array {
            return Err(Error::new(
                Status::InvalidArg,
                "expected an array".to_string(),
            ));
        }
        let mut len = 0u32;
        check_status!(unsafe { sys::napi_get_array_length(env, v, &mut len) })?;
        let mut out = Vec::with_capacity(crate::bandit::initial_capacity(len));
        for i in 0..len {
            let mut item = std::ptr::null_mut();
            check_status!(unsafe { sys::napi_get_element(env, v, i, &mut item) })?;
            // SAFETY: `item` was just handed out by napi for this call.
            let value = unsafe { T::from_napi_value(env, item) }.map_err(|e| {
                Error::new(Status::InvalidArg, format!("element {i}: {}", e.reason))
            })?;
            out.push(value);
        }
        Ok(JsList(out))
    }
}

impl<T> TypeName for JsList<T> {
    fn type_name() -> &'static str {
        "Array"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl<T> ValidateNapiValue for JsList<T> {}

/// Declares a column type read from one of several JS array types.
macro_rules! column_type {
    (
        $(#[$doc:meta])* $name:ident, $what:literal,
        typed { $($tt:ident => $variant:ident($slice:ident)),* $(,)? }
        $(, array { $($arr_variant:ident($arr_ty:ty)),* })?
    ) => {
        $(#[$doc])*
        pub enum $name<'a> {
            $($variant($slice<'a>),)*
            $($($arr_variant(Vec<$arr_ty>),)*)?
        }

        impl TypeName for $name<'_> {
            fn type_name() -> &'static str {
                $what
            }

            fn value_type() -> ValueType {
                ValueType::Object
            }
        }

        impl FromNapiValue for $name<'_> {
            unsafe fn from_napi_value(env: sys::napi_env, v: sys::napi_value) -> Result<Self> {
                let kind = unsafe { classify(env, v) }?;
                match kind {
                    $(Kind::Typed(TypedArrayType::$tt) => {
                        Ok($name::$variant(unsafe { $slice::from_napi_value(env, v) }?))
                    })*
                    $($(Kind::Array => {
                        if let Ok(values) = unsafe { JsList::<$arr_ty>::from_napi_value(env, v) } {
                            return Ok($name::$arr_variant(values.0));
                        }
                        Err(expected($what, &kind))
                    })*)?
                    _ => Err(expected($what, &kind)),
                }
            }
        }
    };
}

column_type!(
    /// Customer or session ids as JS hands them over.
    IdColumn,
    "BigUint64Array, BigInt64Array, Uint32Array, Int32Array, Float64Array or string[]",
    typed {
        BigUint64 => U64(BigUint64ArraySlice),
        BigInt64 => I64(BigInt64ArraySlice),
        Uint32 => U32(Uint32ArraySlice),
        Int32 => I32(Int32ArraySlice),
        Float64 => F64(Float64ArraySlice),
    },
    array { Str(String) }
);

column_type!(
    /// Timestamps: integers in the call's `timeUnit`.
    TimeColumn,
    "BigInt64Array or Float64Array",
    typed {
        BigInt64 => I64(BigInt64ArraySlice),
        Float64 => F64(Float64ArraySlice),
    }
);

column_type!(
    /// A float column (amounts, RFM summaries).
    Float64Column,
    "Float64Array",
    typed { Float64 => F64(Float64ArraySlice) }
);

impl Float64Column<'_> {
    pub fn as_slice(&self) -> &[f64] {
        match self {
            Float64Column::F64(s) => s,
        }
    }
}

column_type!(
    /// Purchase flags.
    FlagColumn,
    "Uint8Array or boolean[]",
    typed { Uint8 => U8(Uint8ArraySlice) },
    array { Bool(bool) }
);

column_type!(
    /// Channel / category codes or names.
    CodeColumn,
    "Uint32Array, Int32Array or string[]",
    typed {
        Uint32 => U32(Uint32ArraySlice),
        Int32 => I32(Int32ArraySlice),
    },
    array { Str(String) }
);

/// An event log, one entry per event. Every column has the length of `customer`.
#[napi(object, object_to_js = false)]
pub struct EventColumns<'a> {
    /// Customer ids: non-negative integers (BigUint64Array, BigInt64Array, Uint32Array,
    /// Int32Array, Float64Array) or strings. String ids come back as strings.
    #[napi(
        ts_type = "BigUint64Array | BigInt64Array | Uint32Array | Int32Array | Float64Array | string[]"
    )]
    pub customer: IdColumn<'a>,
    /// Integer timestamps in the call's `timeUnit` (default "ms", like `Date.getTime()`).
    #[napi(ts_type = "BigInt64Array | Float64Array")]
    pub timestamp: TimeColumn<'a>,
    /// Event amounts (finite, >= 0). Enables the monetary and revenue features.
    #[napi(ts_type = "Float64Array")]
    pub amount: Option<Float64Column<'a>>,
    /// Which events are purchases (0/1 or booleans); without it every event is one.
    #[napi(ts_type = "Uint8Array | boolean[]")]
    pub purchase: Option<FlagColumn<'a>>,
    /// Channel codes (non-negative integers) or names.
    #[napi(ts_type = "Uint32Array | Int32Array | string[]")]
    pub channel: Option<CodeColumn<'a>>,
    /// Category codes (non-negative integers) or names.
    #[napi(ts_type = "Uint32Array | Int32Array | string[]")]
    pub category: Option<CodeColumn<'a>>,
    /// Session ids (non-negative integers).
    #[napi(ts_type = "BigUint64Array | BigInt64Array | Uint32Array | Int32Array | Float64Array")]
    pub session: Option<IdColumn<'a>>,
}

/// Ids before checking: borrowed from JS (sync calls) or copied (async tasks).
pub enum RawIds<'a> {
    U64(Cow<'a, [u64]>),
    I64(Cow<'a, [i64]>),
    U32(Cow<'a, [u32]>),
    I32(Cow<'a, [i32]>),
    F64(Cow<'a, [f64]>),
    Str(Cow<'a, [String]>),
}

/// Timestamps before checking.
pub enum RawTimes<'a> {
    I64(Cow<'a, [i64]>),
    F64(Cow<'a, [f64]>),
}

/// Channel / category codes before checking.
pub enum RawCodes<'a> {
    U32(Cow<'a, [u32]>),
    I32(Cow<'a, [i32]>),
    Str(Cow<'a, [String]>),
}

/// Purchase flags before checking.
pub enum RawFlags<'a> {
    U8(Cow<'a, [u8]>),
    Bool(Cow<'a, [bool]>),
}

impl<'a> RawIds<'a> {
    pub fn borrow(v: &'a IdColumn<'_>) -> Self {
        match v {
            IdColumn::U64(s) => RawIds::U64(Cow::Borrowed(s)),
            IdColumn::I64(s) => RawIds::I64(Cow::Borrowed(s)),
            IdColumn::U32(s) => RawIds::U32(Cow::Borrowed(s)),
            IdColumn::I32(s) => RawIds::I32(Cow::Borrowed(s)),
            IdColumn::F64(s) => RawIds::F64(Cow::Borrowed(s)),
            IdColumn::Str(s) => RawIds::Str(Cow::Borrowed(s)),
        }
    }

    /// Takes the column for work that outlives the JS call (typed arrays are copied).
    pub fn owned(v: IdColumn<'_>) -> RawIds<'static> {
        match v {
            IdColumn::U64(s) => RawIds::U64(Cow::Owned(s.to_vec())),
            IdColumn::I64(s) => RawIds::I64(Cow::Owned(s.to_vec())),
            IdColumn::U32(s) => RawIds::U32(Cow::Owned(s.to_vec())),
            IdColumn::I32(s) => RawIds::I32(Cow::Owned(s.to_vec())),
            IdColumn::F64(s) => RawIds::F64(Cow::Owned(s.to_vec())),
            IdColumn::Str(s) => RawIds::Str(Cow::Owned(s)),
        }
    }

    /// Numeric ids as u64 (in place when they already are). Strings are handled by the caller.
    fn numeric(&self, arg: &str) -> CoreResult<Cow<'_, [u64]>> {
        Ok(match self {
            RawIds::U64(c) => Cow::Borrowed(c),
            RawIds::I64(c) => Cow::Owned(
                c.iter()
                    .enumerate()
                    .map(|(i, v)| {
                        u64::try_from(*v).map_err(|_| bad_value(arg, i, format!("negative id {v}")))
                    })
                    .collect::<CoreResult<_>>()?,
            ),
            RawIds::U32(c) => Cow::Owned(c.iter().map(|v| u64::from(*v)).collect()),
            RawIds::I32(c) => Cow::Owned(
                c.iter()
                    .enumerate()
                    .map(|(i, v)| {
                        u64::try_from(*v).map_err(|_| bad_value(arg, i, format!("negative id {v}")))
                    })
                    .collect::<CoreResult<_>>()?,
            ),
            RawIds::F64(c) => Cow::Owned(
                c.iter()
                    .enumerate()
                    .map(|(i, v)| f64_to_id(arg, i, *v))
                    .collect::<CoreResult<_>>()?,
            ),
            RawIds::Str(_) => {
                return Err(Ki3Error::param(arg, "string ids are not accepted here"));
            }
        })
    }
}

impl<'a> RawTimes<'a> {
    pub fn borrow(v: &'a TimeColumn<'_>) -> Self {
        match v {
            TimeColumn::I64(s) => RawTimes::I64(Cow::Borrowed(s)),
            TimeColumn::F64(s) => RawTimes::F64(Cow::Borrowed(s)),
        }
    }

    /// Takes the column for work that outlives the JS call (typed arrays are copied).
    pub fn owned(v: TimeColumn<'_>) -> RawTimes<'static> {
        match v {
            TimeColumn::I64(s) => RawTimes::I64(Cow::Owned(s.to_vec())),
            TimeColumn::F64(s) => RawTimes::F64(Cow::Owned(s.to_vec())),
        }
    }

    pub fn convert(&self, arg: &str) -> CoreResult<Cow<'_, [i64]>> {
        Ok(match self {
            RawTimes::I64(c) => Cow::Borrowed(c),
            RawTimes::F64(c) => Cow::Owned(
                c.iter()
                    .enumerate()
                    .map(|(i, v)| f64_to_i64(arg, i, *v))
                    .collect::<CoreResult<_>>()?,
            ),
        })
    }
}

/// Codes, and the dictionary of the codes when the input was strings.
type Coded<'a> = (Cow<'a, [u32]>, Option<Dictionary>);

impl<'a> RawCodes<'a> {
    fn borrow(v: &'a CodeColumn<'_>) -> Self {
        match v {
            CodeColumn::U32(s) => RawCodes::U32(Cow::Borrowed(s)),
            CodeColumn::I32(s) => RawCodes::I32(Cow::Borrowed(s)),
            CodeColumn::Str(s) => RawCodes::Str(Cow::Borrowed(s)),
        }
    }

    fn owned(v: CodeColumn<'_>) -> RawCodes<'static> {
        match v {
            CodeColumn::U32(s) => RawCodes::U32(Cow::Owned(s.to_vec())),
            CodeColumn::I32(s) => RawCodes::I32(Cow::Owned(s.to_vec())),
            CodeColumn::Str(s) => RawCodes::Str(Cow::Owned(s)),
        }
    }

    /// Codes and, for string input, their dictionary (codes in sorted order).
    fn convert(&self, arg: &str) -> CoreResult<Coded<'_>> {
        Ok(match self {
            RawCodes::U32(c) => (Cow::Borrowed(c), None),
            RawCodes::I32(c) => (
                Cow::Owned(
                    c.iter()
                        .enumerate()
                        .map(|(i, v)| {
                            u32::try_from(*v)
                                .map_err(|_| bad_value(arg, i, format!("negative code {v}")))
                        })
                        .collect::<CoreResult<_>>()?,
                ),
                None,
            ),
            RawCodes::Str(c) => {
                let mut dict = Dictionary::new();
                let codes = dict.encode_strs(arg, c)?;
                (Cow::Owned(codes), Some(dict))
            }
        })
    }
}

impl<'a> RawFlags<'a> {
    fn borrow(v: &'a FlagColumn<'_>) -> Self {
        match v {
            FlagColumn::U8(s) => RawFlags::U8(Cow::Borrowed(s)),
            FlagColumn::Bool(s) => RawFlags::Bool(Cow::Borrowed(s)),
        }
    }

    fn owned(v: FlagColumn<'_>) -> RawFlags<'static> {
        match v {
            FlagColumn::U8(s) => RawFlags::U8(Cow::Owned(s.to_vec())),
            FlagColumn::Bool(s) => RawFlags::Bool(Cow::Owned(s)),
        }
    }

    fn convert(&self, arg: &str) -> CoreResult<Cow<'_, [bool]>> {
        Ok(match self {
            RawFlags::Bool(c) => Cow::Borrowed(c),
            RawFlags::U8(c) => Cow::Owned(
                c.iter()
                    .enumerate()
                    .map(|(i, v)| match v {
                        0 => Ok(false),
                        1 => Ok(true),
                        other => Err(bad_value(arg, i, format!("expected 0 or 1, got {other}"))),
                    })
                    .collect::<CoreResult<_>>()?,
            ),
        })
    }
}

/// A float that must hold a non-negative integer id.
fn f64_to_id(arg: &str, index: usize, v: f64) -> CoreResult<u64> {
    if !v.is_finite() {
        return Err(Ki3Error::NonFinite {
            arg: arg.into(),
            index,
        });
    }
    if v.fract() != 0.0 || !(0.0..18_446_744_073_709_551_616.0).contains(&v) {
        return Err(bad_value(
            arg,
            index,
            format!("id {v} is not a non-negative integer"),
        ));
    }
    Ok(v as u64)
}

/// A float that must hold an integer (timestamps).
pub fn f64_to_i64(arg: &str, index: usize, v: f64) -> CoreResult<i64> {
    if !v.is_finite() {
        return Err(Ki3Error::NonFinite {
            arg: arg.into(),
            index,
        });
    }
    if v.fract() != 0.0 || !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&v)
    {
        return Err(bad_value(
            arg,
            index,
            format!("{v} is not an integer in the 64-bit range"),
        ));
    }
    Ok(v as i64)
}

/// The dictionaries of string-coded columns, for mapping results back.
pub type Names = Dictionaries;

/// String ids coded through a new dictionary (codes in sorted order).
fn encode_ids(arg: &str, ids: &[String], dict: &mut Dictionary) -> CoreResult<Vec<u64>> {
    Ok(dict
        .encode_strs(arg, ids)?
        .into_iter()
        .map(u64::from)
        .collect())
}

/// Event columns as given, not yet checked. `'static` when owned by an async task.
pub struct RawEvents<'a> {
    pub customer: RawIds<'a>,
    pub timestamp: RawTimes<'a>,
    pub amount: Option<Cow<'a, [f64]>>,
    pub purchase: Option<RawFlags<'a>>,
    pub channel: Option<RawCodes<'a>>,
    pub category: Option<RawCodes<'a>>,
    pub session: Option<RawIds<'a>>,
}

/// Event columns in the core's types, ready for an [`EventLog`].
pub struct Events<'a> {
    pub customer: Cow<'a, [u64]>,
    pub timestamp: Cow<'a, [i64]>,
    pub unit: TimeUnit,
    pub amount: Option<&'a [f64]>,
    pub purchase: Option<Cow<'a, [bool]>>,
    pub channel: Option<Cow<'a, [u32]>>,
    pub category: Option<Cow<'a, [u32]>>,
    pub session: Option<Cow<'a, [u64]>>,
    pub names: Names,
}

impl<'a> Events<'a> {
    pub fn log(&self) -> EventLog<'_> {
        let mut log = EventLog::new(&self.customer, &self.timestamp, self.unit);
        log.amount = self.amount;
        log.purchase = self.purchase.as_deref();
        log.channel = self.channel.as_deref();
        log.category = self.category.as_deref();
        log.session = self.session.as_deref();
        log
    }
}

impl<'a> RawEvents<'a> {
    /// Views of the JS columns (no copy).
    pub fn borrow(cols: &'a EventColumns<'_>) -> Self {
        RawEvents {
            customer: RawIds::borrow(&cols.customer),
            timestamp: RawTimes::borrow(&cols.timestamp),
            amount: cols.amount.as_ref().map(|a| Cow::Borrowed(a.as_slice())),
            purchase: cols.purchase.as_ref().map(RawFlags::borrow),
            channel: cols.channel.as_ref().map(RawCodes::borrow),
            category: cols.category.as_ref().map(RawCodes::borrow),
            session: cols.session.as_ref().map(RawIds::borrow),
        }
    }

    /// Takes the columns for work that outlives the JS call: typed arrays are copied, string
    /// columns (already Rust strings) are moved.
    pub fn owned(cols: EventColumns<'_>) -> RawEvents<'static> {
        RawEvents {
            customer: RawIds::owned(cols.customer),
            timestamp: RawTimes::owned(cols.timestamp),
            amount: cols.amount.map(|a| Cow::Owned(a.as_slice().to_vec())),
            purchase: cols.purchase.map(RawFlags::owned),
            channel: cols.channel.map(RawCodes::owned),
            category: cols.category.map(RawCodes::owned),
            session: cols.session.map(RawIds::owned),
        }
    }

    /// Checks and converts every column except `customer` (whose codes the caller supplies).
    fn prepare_with<'b>(
        &'b self,
        customer: Cow<'b, [u64]>,
        customer_names: Option<Dictionary>,
        unit: TimeUnit,
    ) -> CoreResult<Events<'b>> {
        let timestamp = self.timestamp.convert("timestamp")?;
        let purchase = self
            .purchase
            .as_ref()
            .map(|p| p.convert("purchase"))
            .transpose()?;
        let (channel, channel_names) = match &self.channel {
            Some(c) => {
                let (codes, names) = c.convert("channel")?;
                (Some(codes), names)
            }
            None => (None, None),
        };
        let (category, category_names) = match &self.category {
            Some(c) => {
                let (codes, names) = c.convert("category")?;
                (Some(codes), names)
            }
            None => (None, None),
        };
        let session = self
            .session
            .as_ref()
            .map(|s| s.numeric("session"))
            .transpose()?;
        Ok(Events {
            customer,
            timestamp,
            unit,
            amount: self.amount.as_deref(),
            purchase,
            channel,
            category,
            session,
            names: Names {
                customer: customer_names,
                channel: channel_names,
                category: category_names,
                session: None,
            },
        })
    }

    /// Checks and converts the columns.
    pub fn prepare(&self, unit: TimeUnit) -> CoreResult<Events<'_>> {
        let (customer, names) = match &self.customer {
            RawIds::Str(s) => {
                let mut dict = Dictionary::new();
                let codes = encode_ids("customer", s, &mut dict)?;
                (Cow::Owned(codes), Some(dict))
            }
            ids => (ids.numeric("customer")?, None),
        };
        self.prepare_with(customer, names, unit)
    }

    /// Checks and converts the columns together with label customers (string ids of events and
    /// labels share one dictionary; both must be strings or both numbers).
    pub fn prepare_with_labels<'b>(
        &'b self,
        labels: &'b RawIds<'_>,
        unit: TimeUnit,
    ) -> CoreResult<(Events<'b>, Cow<'b, [u64]>)> {
        match (&self.customer, labels) {
            (RawIds::Str(e), RawIds::Str(l)) => {
                let mut dict = Dictionary::new();
                let event_codes = encode_ids("customer", e, &mut dict)?;
                let label_codes = encode_ids("labels.customer", l, &mut dict)?;
                let events = self.prepare_with(Cow::Owned(event_codes), Some(dict), unit)?;
                Ok((events, Cow::Owned(label_codes)))
            }
            (RawIds::Str(_), _) | (_, RawIds::Str(_)) => Err(Ki3Error::param(
                "labels.customer",
                "must be string ids exactly when events.customer is",
            )),
            (ids, label_ids) => {
                let customer = ids.numeric("customer")?;
                let label_customer = label_ids.numeric("labels.customer")?;
                Ok((self.prepare_with(customer, None, unit)?, label_customer))
            }
        }
    }
}

/// A feature column as returned to JS.
pub type JsColumn = Either<Float64Array, Vec<Option<String>>>;

/// Feature columns in output order, becoming a plain JS object (insertion-ordered keys).
pub struct ColumnMap(pub Vec<(String, JsColumn)>);

impl TypeName for ColumnMap {
    fn type_name() -> &'static str {
        "Record<string, Float64Array | (string | null)[]>"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ToNapiValue for ColumnMap {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        let env = Env::from_raw(env);
        let mut obj = Object::new(&env)?;
        for (name, column) in val.0 {
            obj.set(name, column)?;
        }
        Ok(obj.raw())
    }
}

/// Features: one row per customer (or per label row).
#[napi(object, object_from_js = false)]
pub struct FeatureResult {
    /// Row keys: customer ids (strings when the input ids were strings).
    #[napi(ts_type = "BigUint64Array | string[]")]
    pub customer: Either<BigUint64Array, Vec<String>>,
    /// Feature columns by name, in `names` order. Counts are integers stored as floats;
    /// undefined values are NaN. With string channels/categories, `preferred_channel` and
    /// `top_category` are names (null when undefined) and the share columns are named
    /// `channel_share_<name>` / `category_share_<name>`.
    #[napi(ts_type = "Record<string, Float64Array | (string | null)[]>")]
    pub columns: ColumnMap,
    /// Column names in order.
    pub names: Vec<String>,
}

/// Customer ids to JS: a BigUint64Array, or the labels when the ids have a dictionary.
pub fn customers_to_js(
    customer: Vec<u64>,
    names: &Option<Dictionary>,
) -> Either<BigUint64Array, Vec<String>> {
    match names {
        Some(dict) => Either::B(
            customer
                .iter()
                .map(|c| {
                    u32::try_from(*c)
                        .ok()
                        .and_then(|c| dict.label(c))
                        .map(ToString::to_string)
                        .unwrap_or_default()
                })
                .collect(),
        ),
        None => Either::A(BigUint64Array::new(customer)),
    }
}

/// Converts a core table to JS. `names` are the dictionaries of the call's string columns (a
/// table that carries its own, from an aggregator, uses those): the columns the table marks as
/// codes of a field with a dictionary become names, share columns are named after theirs.
pub fn table_to_js(mut table: FeatureTable, names: &Names) -> FeatureResult {
    if table.dictionaries.is_empty() {
        table.dictionaries = names.clone();
    }
    let display: Vec<String> = (0..table.columns.len())
        .map(|i| table.display_name(i).unwrap_or_default())
        .collect();
    let mut out = Vec::with_capacity(table.columns.len());
    let columns = std::mem::take(&mut table.columns);
    for (column, name) in columns.into_iter().zip(display) {
        let js = match column.codes {
            Some(ColumnCodes::Values(field)) if table.dictionaries.get(field).is_some() => {
                Either::B(label_values(&table, field, &column.values))
            }
            _ => Either::A(Float64Array::new(column.values)),
        };
        out.push((name, js));
    }
    let names = out.iter().map(|(n, _)| n.clone()).collect();
    FeatureResult {
        customer: customers_to_js(table.customer, &table.dictionaries.customer),
        columns: ColumnMap(out),
        names,
    }
}

/// Coded values as labels (null where undefined).
fn label_values(table: &FeatureTable, field: Field, values: &[f64]) -> Vec<Option<String>> {
    values
        .iter()
        .map(|v| table.value_label(field, *v).map(ToString::to_string))
        .collect()
}
