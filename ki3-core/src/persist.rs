//! The saved-state envelope shared by every persisted type:
//! `{"format": "ki3", "kind": "<Type>", "version": <int>, "state": {...}}`.

use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Value, json};

use crate::error::{Ki3Error, Result};

/// Serialises `state` inside the ki3 envelope.
pub fn to_json<T: Serialize>(kind: &str, version: u32, state: &T) -> Result<String> {
    let state = serde_json::to_value(state).map_err(|e| Ki3Error::corrupt(e.to_string()))?;
    let doc = json!({"format": "ki3", "kind": kind, "version": version, "state": state});
    Ok(doc.to_string())
}

/// Parses an envelope, checking format, kind and version, and deserialises its state.
/// Callers still validate the fields of the returned state before using it.
pub fn from_json<T: DeserializeOwned>(text: &str, kind: &str, version: u32) -> Result<T> {
    let doc: Value =
        serde_json::from_str(text).map_err(|e| Ki3Error::corrupt(format!("not JSON: {e}")))?;
    let field = |name: &str| {
        doc.get(name)
            .ok_or_else(|| Ki3Error::corrupt(format!("missing field {name:?}")))
    };
    if field("format")? != "ki3" {
        return Err(Ki3Error::corrupt("format is not \"ki3\""));
    }
    let got_kind = field("kind")?;
    if got_kind != kind {
        return Err(Ki3Error::corrupt(format!(
            "kind is {got_kind}, expected {kind:?}"
        )));
    }
    let got_version = field("version")?;
    if got_version.as_u64() != Some(u64::from(version)) {
        return Err(Ki3Error::corrupt(format!(
            "version is {got_version}, this build reads version {version}"
        )));
    }
    T::deserialize(field("state")?).map_err(|e| Ki3Error::corrupt(format!("{kind} state: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

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
