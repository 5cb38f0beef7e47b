//! Aggregators with labels: dictionaries owned, merged and saved by the core.

use ki3_core::data::{Dictionary, Label};
use ki3_core::features::{
    ColumnCodes, Dictionaries, FeatureAggregator, FeatureSpec, FeatureTable, Field,
    customer_features,
};
use ki3_core::{EventLog, Ki3Error, TimeUnit};

/// A chunk of labeled events: (customer, time, channel, amount).
type Rows<'a> = [(&'a str, i64, &'a str, f64)];

/// The chunk's columns coded through chunk-local dictionaries (sorted distinct values).
fn local(rows: &Rows) -> (Vec<u64>, Vec<i64>, Vec<u32>, Vec<f64>, Dictionaries) {
    let mut customers = Dictionary::new().with_max_label_bytes(usize::MAX);
    let mut channels = Dictionary::new();
    let ids: Vec<&str> = rows.iter().map(|r| r.0).collect();
    let names: Vec<&str> = rows.iter().map(|r| r.2).collect();
    let c = customers.encode_strs("customer", &ids).unwrap();
    let ch = channels.encode_strs("channel", &names).unwrap();
    let labels = Dictionaries {
        customer: Some(customers),
        channel: Some(channels),
        ..Default::default()
    };
    (
        c.into_iter().map(u64::from).collect(),
        rows.iter().map(|r| r.1).collect(),
        ch,
        rows.iter().map(|r| r.3).collect(),
        labels,
    )
}

fn update(agg: &mut FeatureAggregator, rows: &Rows) -> Result<(), Ki3Error> {
    let (c, t, ch, a, labels) = local(rows);
    let log = EventLog::new(&c, &t, TimeUnit::Seconds)
        .with_channel(&ch)
        .with_amount(&a);
    agg.update_labeled(&log, &labels)
}

/// The one-shot result with names: customer ids and the share column names decoded.
fn decoded(table: &FeatureTable) -> (Vec<String>, Vec<String>, Vec<Vec<u64>>) {
    let ids = table
        .customer_labels()
        .unwrap()
        .unwrap()
        .iter()
        .map(|l| l.to_string())
        .collect();
    let names = (0..table.columns.len())
        .map(|i| table.display_name(i).unwrap())
        .collect();
    let bits = table
        .columns
        .iter()
        .map(|c| c.values.iter().map(|v| v.to_bits()).collect())
        .collect();
    (ids, names, bits)
}

const FIRST: &Rows = &[("z", 10, "web", 1.0), ("y", 20, "web", 2.0)];
const SECOND: &Rows = &[
    ("y", 30, "app", 2.0),
    ("a", 40, "mail", 5.0),
    ("z", 50, "app", 0.5),
];

#[test]
fn labeled_chunks_and_merges_equal_the_one_shot_result() {
    let all: Vec<_> = FIRST.iter().chain(SECOND).copied().collect();
    let spec = FeatureSpec::new(100).windows(vec![1]);
    let mut one = FeatureAggregator::new();
    update(&mut one, &all).unwrap();
    let want = one.finish(&spec).unwrap();
    let (ids, names, _) = decoded(&want);
    assert_eq!(ids, ["a", "y", "z"]);
    assert!(names.contains(&"channel_share_app".to_string()));
    // preferred_channel of "y": a tie web/app goes to the first name in sorted order.
    let best = want
        .columns
        .iter()
        .find(|c| c.codes == Some(ColumnCodes::Values(Field::Channel)))
        .unwrap();
    assert_eq!(
        want.value_label(Field::Channel, best.values[1]).unwrap(),
        &Label::from("app")
    );

    // Chunks in the other order: dictionaries out of sorted order, same result.
    let mut agg = FeatureAggregator::new();
    update(&mut agg, FIRST).unwrap();
    update(&mut agg, SECOND).unwrap();
    assert!(!agg.dictionaries().customer.as_ref().unwrap().is_sorted());
    assert_eq!(decoded(&agg.finish(&spec).unwrap()), decoded(&want));

    // Merged workers, with JSON round trips.
    let mut w1 = FeatureAggregator::new();
    update(&mut w1, SECOND).unwrap();
    let mut w2 = FeatureAggregator::new();
    update(&mut w2, FIRST).unwrap();
    let w1 = FeatureAggregator::from_json(&w1.to_json().unwrap()).unwrap();
    w2.merge(&w1).unwrap();
    assert_eq!(decoded(&w2.finish(&spec).unwrap()), decoded(&want));
    let mut empty = FeatureAggregator::new();
    empty.merge(&w2).unwrap();
    assert_eq!(decoded(&empty.finish(&spec).unwrap()), decoded(&want));

    // The numbers are those of the one-shot kernel on sorted codes.
    let codes = ["a", "y", "z"];
    let chans = ["app", "mail", "web"];
    let pos = |set: &[&str], v: &str| set.iter().position(|s| *s == v).unwrap();
    let c: Vec<u64> = all.iter().map(|r| pos(&codes, r.0) as u64).collect();
    let t: Vec<i64> = all.iter().map(|r| r.1).collect();
    let ch: Vec<u32> = all.iter().map(|r| pos(&chans, r.2) as u32).collect();
    let a: Vec<f64> = all.iter().map(|r| r.3).collect();
    let log = EventLog::new(&c, &t, TimeUnit::Seconds)
        .with_channel(&ch)
        .with_amount(&a);
    let plain = customer_features(&log, &spec).unwrap();
    assert_eq!(plain.customer, want.customer);
    for (p, w) in plain.columns.iter().zip(&want.columns) {
        assert_eq!(p.name, w.name);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&p.values), bits(&w.values));
    }
}

#[test]
fn rejected_chunks_and_merges_leave_state_and_dictionaries_unchanged() {
    let mut agg = FeatureAggregator::new();
    update(&mut agg, FIRST).unwrap();
    let before = agg.to_json().unwrap();
    // A bad amount next to new labels.
    assert!(update(&mut agg, &[("new", 1, "new", -1.0)]).is_err());
    // Integer codes where the aggregator holds labels.
    let (c, t) = ([1u64], [1i64]);
    let (ch, a) = ([0u32], [1.0]);
    let log = EventLog::new(&c, &t, TimeUnit::Seconds)
        .with_channel(&ch)
        .with_amount(&a);
    let err = agg.update(&log).unwrap_err();
    assert!(err.to_string().contains("customer") && err.to_string().contains("cannot be merged"));
    let mut codes = FeatureAggregator::new();
    codes.update(&log).unwrap();
    assert!(agg.merge(&codes).is_err());
    assert!(codes.merge(&agg).is_err());
    // A label over the limit.
    let long = "x".repeat(ki3_core::data::dictionary::MAX_LABEL_BYTES + 1);
    let err = update(&mut agg, &[(long.as_str(), 1, "web", 1.0)]).unwrap_err();
    assert!(err.to_string().contains("customer"));
    assert_eq!(agg.to_json().unwrap(), before);
}

#[test]
fn saved_states_keep_dictionaries_and_column_names_and_version_1_loads() {
    let mut agg = FeatureAggregator::new();
    update(&mut agg, SECOND).unwrap();
    let names = [("customer", "user"), ("timestamp", "ts")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), Label::from(v)))
        .collect();
    agg.set_column_names(names).unwrap();
    let text = agg.to_json().unwrap();
    assert!(text.contains("\"version\":2") && text.contains("\"dictionaries\""));
    let back = FeatureAggregator::from_json(&text).unwrap();
    assert_eq!(back, agg);
    assert_eq!(back.column_names()["customer"], Label::from("user"));

    let mut plain = FeatureAggregator::new();
    let (c, t) = ([1u64, 2], [1i64, 2]);
    plain
        .update(&EventLog::new(&c, &t, TimeUnit::Seconds))
        .unwrap();
    // Without dictionaries and names the state is written as version 1 (older builds read it).
    let v1 = plain.to_json().unwrap();
    assert!(v1.contains("\"version\":1"));
    assert_eq!(FeatureAggregator::from_json(&v1).unwrap(), plain);
    let v2 = v1.replace("\"version\":1", "\"version\":2");
    assert_eq!(FeatureAggregator::from_json(&v2).unwrap(), plain);

    for corrupt in [
        text.replace("\"y\",\"z\"", "\"y\",\"y\""),
        text.replace("\"customer\":[\"a\",", "\"customer\":[null,"),
        text.replace("\"customer\":[\"a\",\"y\",\"z\"]", "\"customer\":[\"a\"]"),
        text.replace("\"version\":2", "\"version\":1"),
        text.replace("\"timestamp\":\"ts\"", "\"when\":\"ts\""),
    ] {
        assert_ne!(corrupt, text);
        assert!(
            matches!(
                FeatureAggregator::from_json(&corrupt),
                Err(Ki3Error::Corrupt { .. })
            ),
            "accepted {corrupt}"
        );
    }
}

#[test]
fn table_metadata_names_the_coded_columns() {
    let (c, t) = ([1u64, 2, 2], [1i64, 2, 3]);
    let (ch, cat, s) = ([4u32, 0, 4], [7u32, 7, 2], [1u64, 1, 2]);
    let log = EventLog::new(&c, &t, TimeUnit::Seconds)
        .with_channel(&ch)
        .with_category(&cat)
        .with_session(&s);
    let table = customer_features(&log, &FeatureSpec::new(10)).unwrap();
    for col in &table.columns {
        let want = match col.name.as_str() {
            "preferred_channel" => Some(ColumnCodes::Values(Field::Channel)),
            "top_category" => Some(ColumnCodes::Values(Field::Category)),
            n => n
                .strip_prefix("channel_share_")
                .map(|k| ColumnCodes::Share(Field::Channel, k.parse().unwrap()))
                .or_else(|| {
                    n.strip_prefix("category_share_")
                        .map(|k| ColumnCodes::Share(Field::Category, k.parse().unwrap()))
                }),
        };
        assert_eq!(col.codes, want, "{}", col.name);
    }
    assert!(table.dictionaries.is_empty() && table.customer_labels().is_none());
}

#[test]
fn dictionaries_attach_to_states_saved_without_them() {
    let (c, t) = ([1u64, 0, 1], [1i64, 2, 3]);
    let mut agg = FeatureAggregator::new();
    agg.update(&EventLog::new(&c, &t, TimeUnit::Seconds))
        .unwrap();
    let names =
        Dictionary::from_labels("customer", vec![Label::from("b"), Label::from("a")]).unwrap();
    let labeled = agg
        .clone()
        .with_dictionaries(Dictionaries {
            customer: Some(names),
            ..Default::default()
        })
        .unwrap();
    let table = labeled.finish(&FeatureSpec::new(10)).unwrap();
    let ids: Vec<String> = table
        .customer_labels()
        .unwrap()
        .unwrap()
        .iter()
        .map(|l| l.to_string())
        .collect();
    assert_eq!(ids, ["a", "b"]);
    // Codes outside the dictionary are rejected.
    let short = Dictionary::from_labels("customer", vec![Label::from("b")]).unwrap();
    assert!(
        agg.with_dictionaries(Dictionaries {
            customer: Some(short),
            ..Default::default()
        })
        .is_err()
    );
}
