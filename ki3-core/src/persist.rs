//! The saved-state envelope shared by every persisted type:
//! `{"format": "ki3", "kind": "<Type>", "version": <int>, "state": {...}}`, the [`Persist`]
//! trait every saved type implements, and [`load`], which turns any saved ki3 JSON into the
//! right object ([`Saved`]).

use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::error::{Ki3Error, Result};

/// Serialises `state` inside the ki3 envelope (written straight to the string: no
/// intermediate JSON tree, so saving a large state costs about its text's size).
pub fn to_json<T: Serialize>(kind: &str, version: u32, state: &T) -> Result<String> {
    #[derive(Serialize)]
    struct Envelope<'a, T> {
        format: &'static str,
        kind: &'a str,
        version: u32,
        state: &'a T,
    }
    serde_json::to_string(&Envelope {
        format: "ki3",
        kind,
        version,
        state,
    })
    .map_err(|e| Ki3Error::corrupt(e.to_string()))
}

/// The envelope with its state left as unparsed text (fields optional so that they are
/// checked in a fixed order: format, kind, version, state).
#[derive(Deserialize)]
struct RawEnvelope<'a> {
    format: Option<&'a str>,
    kind: Option<&'a str>,
    version: Option<u64>,
    #[serde(borrow)]
    state: Option<&'a serde_json::value::RawValue>,
}

fn check_format(format: Option<&str>) -> Result<()> {
    match format {
        Some("ki3") => Ok(()),
        Some("ki3-py") => Err(Ki3Error::corrupt(
            "format is \"ki3-py\", not \"ki3\" (the legacy Python wrapper of \
             FeatureAggregator.to_json(); load it in Python and save it again, or load its \
             core_json())",
        )),
        _ => Err(Ki3Error::corrupt("format is not \"ki3\"")),
    }
}

/// Parses an envelope, checking format, kind and version, and deserialises its state.
/// Callers still validate the fields of the returned state before using it.
///
/// The state is deserialised from its text directly into `T` (no intermediate JSON tree), so
/// a load's peak memory is the text plus the typed state.
pub fn from_json<T: DeserializeOwned>(text: &str, kind: &str, version: u32) -> Result<T> {
    let env: RawEnvelope = serde_json::from_str(text)
        .map_err(|e| Ki3Error::corrupt(format!("not a ki3 JSON envelope: {e}")))?;
    check_format(env.format)?;
    let missing = |name: &str| Ki3Error::corrupt(format!("missing field {name:?}"));
    let got_kind = env.kind.ok_or_else(|| missing("kind"))?;
    if got_kind != kind {
        return Err(Ki3Error::corrupt(format!(
            "kind is {got_kind:?}, expected {kind:?}"
        )));
    }
    let got_version = env.version.ok_or_else(|| missing("version"))?;
    if got_version != u64::from(version) {
        return Err(Ki3Error::corrupt(format!(
            "version is {got_version}, this build reads version {version}"
        )));
    }
    let state = env.state.ok_or_else(|| missing("state"))?;
    serde_json::from_str(state.get()).map_err(|e| Ki3Error::corrupt(format!("{kind} state: {e}")))
}

/// Deserialises a list of at most `MAX` elements, refusing as soon as the saved list is longer
/// (before the rest is read), so a huge saved state is rejected without materialising it. Use
/// with `#[serde(deserialize_with = "crate::persist::capped::<_, _, MAX>")]`.
pub(crate) fn capped<'de, D, T, const MAX: usize>(d: D) -> std::result::Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Capped<T, const MAX: usize>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>, const MAX: usize> serde::de::Visitor<'de> for Capped<T, MAX> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "a list of at most {MAX} elements")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> std::result::Result<Vec<T>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX).min(4096));
            while let Some(x) = seq.next_element()? {
                if out.len() == MAX {
                    return Err(serde::de::Error::custom(format!(
                        "more than {MAX} elements (the limit)"
                    )));
                }
                out.push(x);
            }
            Ok(out)
        }
    }
    d.deserialize_seq(Capped::<T, MAX>(std::marker::PhantomData))
}

/// A type saved as ki3 JSON: its `kind` and schema `version` in the envelope, and the
/// conversion both ways. `from_json` checks the envelope and validates every field; corrupt
/// input is a [`Ki3Error::Corrupt`], never a panic.
pub trait Persist: Sized {
    /// The envelope's `"kind"`.
    const KIND: &'static str;
    /// The schema version this build writes and reads.
    const VERSION: u32;
    /// The state as ki3 JSON.
    fn to_json(&self) -> Result<String>;
    /// Loads and validates a state written by [`Persist::to_json`] (here, in Python or Node).
    fn from_json(text: &str) -> Result<Self>;
}

/// The `kind` and `version` of a saved ki3 JSON document (the envelope only; the state is not
/// read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The envelope's `"kind"`.
    pub kind: String,
    /// The envelope's `"version"`.
    pub version: u64,
}

/// Reads the envelope of `text`: format `"ki3"`, a string kind and an integer version.
pub fn header(text: &str) -> Result<Header> {
    #[derive(Deserialize)]
    struct Envelope {
        format: String,
        kind: String,
        version: u64,
    }
    // Unknown fields (the state) are skipped without building a tree.
    let env: Envelope = serde_json::from_str(text)
        .map_err(|e| Ki3Error::corrupt(format!("not a ki3 JSON envelope: {e}")))?;
    check_format(Some(&env.format))?;
    Ok(Header {
        kind: env.kind,
        version: env.version,
    })
}

/// Every object ki3 saves, as returned by [`load`]. New saved types add a variant.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Saved {
    /// A Thompson-sampling bandit with Beta priors.
    BernoulliTs(crate::bandit::BernoulliTs),
    /// A Thompson-sampling bandit with Normal-Inverse-Gamma priors.
    GaussianTs(crate::bandit::GaussianTs),
    /// A contextual linear Thompson-sampling bandit.
    LinearTs(crate::bandit::LinearTs),
    /// A mergeable streaming feature aggregator.
    FeatureAggregator(crate::features::FeatureAggregator),
    /// An L2-regularised logistic regression.
    LogisticRegression(crate::uplift::LogisticRegression),
    /// A ridge regression.
    RidgeRegression(crate::uplift::RidgeRegression),
    /// An uplift meta-learner (S, T, X, class transformation, transformed outcome).
    MetaLearner(crate::uplift::MetaLearner),
    /// Uplift meta-learners of several treatment arms against one control.
    MultiArmMetaLearner(crate::uplift::MultiArmMetaLearner),
    /// A fitted Bayesian marketing mix model.
    Mmm(crate::mmm::Mmm),
}

impl Saved {
    /// The envelope kind of the object.
    pub fn kind(&self) -> &'static str {
        match self {
            Saved::BernoulliTs(_) => <crate::bandit::BernoulliTs as Persist>::KIND,
            Saved::GaussianTs(_) => <crate::bandit::GaussianTs as Persist>::KIND,
            Saved::LinearTs(_) => <crate::bandit::LinearTs as Persist>::KIND,
            Saved::FeatureAggregator(_) => <crate::features::FeatureAggregator as Persist>::KIND,
            Saved::LogisticRegression(_) => <crate::uplift::LogisticRegression as Persist>::KIND,
            Saved::RidgeRegression(_) => <crate::uplift::RidgeRegression as Persist>::KIND,
            Saved::MetaLearner(_) => <crate::uplift::MetaLearner as Persist>::KIND,
            Saved::MultiArmMetaLearner(_) => <crate::uplift::MultiArmMetaLearner as Persist>::KIND,
            Saved::Mmm(_) => <crate::mmm::Mmm as Persist>::KIND,
        }
    }

    /// The object as ki3 JSON again.
    pub fn to_json(&self) -> Result<String> {
        match self {
            Saved::BernoulliTs(x) => Persist::to_json(x),
            Saved::GaussianTs(x) => Persist::to_json(x),
            Saved::LinearTs(x) => Persist::to_json(x),
            Saved::FeatureAggregator(x) => Persist::to_json(x),
            Saved::LogisticRegression(x) => Persist::to_json(x),
            Saved::RidgeRegression(x) => Persist::to_json(x),
            Saved::MetaLearner(x) => Persist::to_json(x),
            Saved::MultiArmMetaLearner(x) => Persist::to_json(x),
            Saved::Mmm(x) => Persist::to_json(x),
        }
    }
}

/// Loads any saved ki3 object, dispatching on the envelope's `"kind"`; the type's own
/// `from_json` then checks the version and validates every field. Unknown kinds and corrupt
/// input are [`Ki3Error::Corrupt`].
pub fn load(text: &str) -> Result<Saved> {
    use crate::bandit::{BernoulliTs, GaussianTs, LinearTs};
    use crate::features::FeatureAggregator;
    use crate::uplift::{LogisticRegression, MetaLearner, MultiArmMetaLearner, RidgeRegression};
    let head = header(text)?;
    match head.kind.as_str() {
        <BernoulliTs as Persist>::KIND => {
            <BernoulliTs as Persist>::from_json(text).map(Saved::BernoulliTs)
        }
        <GaussianTs as Persist>::KIND => {
            <GaussianTs as Persist>::from_json(text).map(Saved::GaussianTs)
        }
        <LinearTs as Persist>::KIND => <LinearTs as Persist>::from_json(text).map(Saved::LinearTs),
        <FeatureAggregator as Persist>::KIND => {
            <FeatureAggregator as Persist>::from_json(text).map(Saved::FeatureAggregator)
        }
        <LogisticRegression as Persist>::KIND => {
            <LogisticRegression as Persist>::from_json(text).map(Saved::LogisticRegression)
        }
        <RidgeRegression as Persist>::KIND => {
            <RidgeRegression as Persist>::from_json(text).map(Saved::RidgeRegression)
        }
        <MetaLearner as Persist>::KIND => {
            <MetaLearner as Persist>::from_json(text).map(Saved::MetaLearner)
        }
        <MultiArmMetaLearner as Persist>::KIND => {
            <MultiArmMetaLearner as Persist>::from_json(text).map(Saved::MultiArmMetaLearner)
        }
        <crate::mmm::Mmm as Persist>::KIND => {
            <crate::mmm::Mmm as Persist>::from_json(text).map(Saved::Mmm)
        }
        other => Err(Ki3Error::corrupt(format!(
            "cannot load objects of kind '{other}'"
        ))),
    }
}

/// [`Persist`] for the saved types, through their own `to_json` / `from_json`.
macro_rules! persist_via_inherent {
    ($ty:ty, $kind:literal, $version:expr) => {
        impl Persist for $ty {
            const KIND: &'static str = $kind;
            const VERSION: u32 = $version;
            fn to_json(&self) -> Result<String> {
                <$ty>::to_json(self)
            }
            fn from_json(text: &str) -> Result<Self> {
                <$ty>::from_json(text)
            }
        }
    };
}

persist_via_inherent!(crate::bandit::BernoulliTs, "BernoulliTs", 1);
persist_via_inherent!(crate::bandit::GaussianTs, "GaussianTs", 1);
persist_via_inherent!(crate::bandit::LinearTs, "LinearTs", 1);
persist_via_inherent!(
    crate::features::FeatureAggregator,
    "FeatureAggregator",
    crate::features::aggregator::VERSION
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bandit::{BernoulliTsParams, GaussianTsParams, LinearTsParams};
    use crate::features::FeatureAggregator;
    use serde_json::{Value, json};

    fn every_kind() -> Vec<String> {
        let mut b = BernoulliTsParams::default().build(3).unwrap();
        b.update(1, 1.0).unwrap();
        let g = GaussianTsParams::default().build(2).unwrap();
        let l = LinearTsParams::default().build(2, 3).unwrap();
        let a = FeatureAggregator::default();
        vec![
            Persist::to_json(&b).unwrap(),
            Persist::to_json(&g).unwrap(),
            Persist::to_json(&l).unwrap(),
            Persist::to_json(&a).unwrap(),
        ]
    }

    #[test]
    fn load_returns_every_kind_and_round_trips() {
        let kinds = ["BernoulliTs", "GaussianTs", "LinearTs", "FeatureAggregator"];
        for (text, kind) in every_kind().iter().zip(kinds) {
            let head = header(text).unwrap();
            assert_eq!(head.kind, kind);
            assert_eq!(head.version, 1);
            let saved = load(text).unwrap();
            assert_eq!(saved.kind(), kind);
            assert_eq!(&saved.to_json().unwrap(), text);
        }
    }

    #[test]
    fn load_rejects_corrupt_input_without_panicking() {
        for text in every_kind() {
            let doc: Value = serde_json::from_str(&text).unwrap();
            let mut bad = vec![
                text[..text.len() / 2].to_string(),
                String::new(),
                "[]".into(),
                "null".into(),
                "{\"format\":\"ki3\"}".into(),
            ];
            for (field, value) in [
                ("kind", json!("Nope")),
                ("kind", json!(3)),
                ("version", json!(99)),
                ("version", json!("1")),
                ("format", json!("other")),
                ("state", json!([1, 2])),
                ("state", json!("x")),
            ] {
                let mut d = doc.clone();
                d[field] = value;
                bad.push(d.to_string());
            }
            if let Some(state) = doc["state"].as_object() {
                for key in state.keys() {
                    let mut d = doc.clone();
                    d["state"][key] = json!("wrong type");
                    bad.push(d.to_string());
                }
            }
            for b in bad {
                match load(&b) {
                    Err(Ki3Error::Corrupt { .. }) => {}
                    other => panic!("{b}: expected Corrupt, got {other:?}"),
                }
            }
        }
    }

    #[test]
    fn envelope_checks_kind_and_version() {
        let s = to_json("Thing", 1, &vec![1.5f64, 0.1]).unwrap();
        let back: Vec<f64> = from_json(&s, "Thing", 1).unwrap();
        assert_eq!(back, vec![1.5, 0.1]);
        assert!(from_json::<Vec<f64>>(&s, "Other", 1).is_err());
        assert!(from_json::<Vec<f64>>(&s, "Thing", 2).is_err());
        assert!(from_json::<Vec<f64>>("{", "Thing", 1).is_err());
        assert!(from_json::<Vec<String>>(&s, "Thing", 1).is_err());
    }
}
