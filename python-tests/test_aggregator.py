"""FeatureAggregator: chunks, merges, persistence."""

from __future__ import annotations

import copy
import json
import pickle
import threading
from concurrent.futures import ThreadPoolExecutor

import ki3
import numpy as np
import pandas as pd
import pytest
from conftest import SHOP_COLUMNS
from ki3.features import FeatureAggregator, customer_features

AS_OF = pd.Timestamp("2024-11-15 08:00")
WINDOWS = (7, 30, 90)


def chunks(df: pd.DataFrame, n: int, seed: int) -> list[pd.DataFrame]:
    """``df`` split into ``n`` random row sets (each in random order)."""
    rng = np.random.default_rng(seed)
    part = rng.integers(0, n, len(df))
    return [df[part == i].sample(frac=1.0, random_state=seed + i) for i in range(n)]


def named(df: pd.DataFrame) -> pd.DataFrame:
    """String customer ids, channels, categories and sessions (not Categoricals)."""
    return df.assign(
        customer="cust-" + df["customer"].astype(str),
        channel=df["channel"].astype(str),
        category=df["category"].astype(str),
        session="s" + df["session"].astype(str),
    )


@pytest.fixture(scope="module", params=["codes", "names"])
def events(request, shop_frame):
    df = shop_frame[shop_frame["customer"] < 800].reset_index(drop=True)
    return df if request.param == "codes" else named(df)


@pytest.fixture(scope="module")
def one_shot(events):
    return customer_features(events, as_of=AS_OF, windows=WINDOWS, **SHOP_COLUMNS)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_chunks_in_any_order_equal_one_shot(events, one_shot, seed):
    parts = chunks(events, 5, seed)
    agg = FeatureAggregator(**SHOP_COLUMNS)
    for part in parts:
        assert agg.update(part) is agg
    assert agg.n_events == len(events)
    got = agg.finish(AS_OF, windows=WINDOWS)
    pd.testing.assert_frame_equal(got, one_shot, check_exact=True)


@pytest.mark.parametrize("seed", [3, 4])
def test_merged_workers_equal_one_shot(events, one_shot, seed):
    parts = chunks(events, 6, seed)
    workers = [FeatureAggregator(**SHOP_COLUMNS) for _ in range(3)]
    for i, part in enumerate(parts):
        workers[i % 3].update(part)
    order = np.random.default_rng(seed).permutation(3)
    total = FeatureAggregator(**SHOP_COLUMNS)
    for i in order:
        total.merge(workers[i])
    pd.testing.assert_frame_equal(total.finish(AS_OF, windows=WINDOWS), one_shot,
                                  check_exact=True)
    # Merging into a worker (not an empty aggregator) works as well.
    first = workers[order[0]].copy()
    for i in order[1:]:
        first.merge(workers[i])
    pd.testing.assert_frame_equal(first.finish(AS_OF, windows=WINDOWS), one_shot,
                                  check_exact=True)


def test_merging_an_empty_aggregator_is_the_identity(events, one_shot):
    agg = FeatureAggregator(**SHOP_COLUMNS).update(events)
    before = agg.core_json()
    assert agg.merge(FeatureAggregator(**SHOP_COLUMNS)) is agg
    assert agg.core_json() == before
    empty = FeatureAggregator(**SHOP_COLUMNS).merge(agg)
    pd.testing.assert_frame_equal(empty.finish(AS_OF, windows=WINDOWS), one_shot,
                                  check_exact=True)


def test_empty_aggregator_finishes_empty():
    agg = FeatureAggregator(customer="c", timestamp="t")
    assert agg.n_events == 0
    f = agg.finish(0)
    assert len(f) == 0 and f.index.name == "c"


def test_pickle_save_load_and_json_round_trips(events, one_shot, tmp_path):
    agg = FeatureAggregator(**SHOP_COLUMNS)
    for part in chunks(events, 3, 9):
        agg.update(part)
    for clone in (
        pickle.loads(pickle.dumps(agg)),
        FeatureAggregator.from_json(agg.to_json()),
        copy.copy(agg),
        copy.deepcopy(agg),
    ):
        assert clone.n_events == agg.n_events
        pd.testing.assert_frame_equal(clone.finish(AS_OF, windows=WINDOWS), one_shot,
                                      check_exact=True)
        # The restored dictionaries keep coding new chunks consistently.
        clone.update(events.iloc[:50])
    path = tmp_path / "agg.json"
    agg.save(path)
    loaded = ki3.load(path)
    assert isinstance(loaded, FeatureAggregator)
    assert loaded.columns == agg.columns
    pd.testing.assert_frame_equal(loaded.finish(AS_OF, windows=WINDOWS), one_shot,
                                  check_exact=True)
    doc = json.loads(path.read_text())
    # The core JSON (what Node and Rust read), with the dictionaries inside when names are coded.
    assert (doc["format"], doc["kind"]) == ("ki3", "FeatureAggregator")
    assert doc["version"] == (2 if "dictionaries" in doc["state"] else 1)
    assert "dictionaries" in doc["state"]  # channel and category are names in both cases
    assert json.loads(agg.to_json()) == json.loads(agg.core_json())


def test_core_json_holds_codes_and_loads_on_its_own(shop_arrays):
    agg = FeatureAggregator(**SHOP_COLUMNS).update(shop_arrays)
    core = agg.core_json()
    assert json.loads(core)["kind"] == "FeatureAggregator"
    back = FeatureAggregator.from_json(core)
    assert back.columns == {role: role for role in SHOP_COLUMNS}
    as_of = int(shop_arrays["timestamp"].max())
    # Without dictionaries the id dtype is unknown: int64 (uint64 only for ids >= 2**63).
    assert back.finish(as_of).index.dtype == np.int64
    pd.testing.assert_frame_equal(back.finish(as_of), agg.finish(as_of), check_exact=True,
                                  check_index_type=False)
    pd.testing.assert_frame_equal(
        agg.finish(as_of), customer_features(shop_arrays, as_of=as_of, **SHOP_COLUMNS),
        check_exact=True,
    )


def test_update_with_mixed_chunk_types(shop_frame):
    df = shop_frame[shop_frame["customer"] < 200].reset_index(drop=True)
    pl = pytest.importorskip("polars")
    a, b, c = np.array_split(np.arange(len(df)), 3)
    agg = FeatureAggregator(**SHOP_COLUMNS)
    agg.update(df.iloc[a])
    agg.update(pl.from_pandas(df.iloc[b]))
    agg.update({k: df[k].to_numpy()[c] for k in df.columns})
    pd.testing.assert_frame_equal(agg.finish(AS_OF),
                                  customer_features(df, as_of=AS_OF, **SHOP_COLUMNS),
                                  check_exact=True)


def test_schema_mismatch_raises_and_leaves_state_unchanged(shop_frame):
    df = shop_frame.iloc[:500]
    agg = FeatureAggregator(**SHOP_COLUMNS).update(df)
    before = agg.to_json()
    no_amount = FeatureAggregator(customer="customer", timestamp="timestamp").update(df)
    with pytest.raises(ki3.InvalidInputError, match="columns"):
        agg.merge(no_amount)
    with pytest.raises(ki3.InvalidInputError):
        agg.update(df.drop(columns="amount"))
    bad = df.assign(amount=-1.0)
    with pytest.raises(ki3.InvalidInputError, match="amount"):
        agg.update(bad)
    # Names where the aggregator holds integer codes.
    with pytest.raises(ki3.InvalidInputError, match="customer"):
        agg.update(df.assign(customer="x" + df["customer"].astype(str)))
    named_agg = FeatureAggregator(**SHOP_COLUMNS).update(named(df))
    with pytest.raises(ki3.InvalidInputError, match="cannot be merged"):
        agg.merge(named_agg)
    assert agg.to_json() == before
    # Different time units do not merge either.
    ns = FeatureAggregator(**SHOP_COLUMNS, time_unit="ns").update(df)
    with pytest.raises(ki3.InvalidInputError):
        agg.merge(ns)
    with pytest.raises(TypeError):
        agg.merge("not an aggregator")


def test_merge_with_itself_doubles(shop_arrays):
    agg = FeatureAggregator(**SHOP_COLUMNS).update(shop_arrays)
    n = agg.n_events
    agg.merge(agg)
    assert agg.n_events == 2 * n


@pytest.mark.parametrize("text", [
    "", "{", "[]", "null", '{"format": "ki3"}', '{"format": "ki3-py", "kind": "Other"}',
    '{"format": "ki3", "kind": "FeatureAggregator", "version": 99, "state": {}}',
    '{"format": "ki3", "kind": "FeatureAggregator", "version": 1, "state": {"unit": "s"}}',
])
def test_corrupt_json_raises_invalid_input(text):
    with pytest.raises(ki3.InvalidInputError, match="corrupt"):
        FeatureAggregator.from_json(text)


def legacy_envelope(agg: FeatureAggregator) -> str:
    """The ``{"format": "ki3-py"}`` envelope that ``save`` wrote before the dictionaries moved
    into the core state (dictionaries outside, a core state of version 1 inside)."""
    core = json.loads(agg.core_json())
    dicts = core["state"].pop("dictionaries", {})
    core["state"].pop("columns", None)
    core["version"] = 1
    roles = {}
    for role in ("customer", "channel", "category", "session"):
        if role in dicts:
            roles[role] = {"mode": "codes", "labels": dicts[role]}
        elif role in agg.columns:
            roles[role] = {"mode": "raw", "dtype": "<i8"}
        else:
            roles[role] = None
    unit = {"days": "D", "seconds": "s", "milliseconds": "ms", "microseconds": "us",
            "nanoseconds": "ns"}[core["state"]["unit"]]
    return json.dumps({
        "format": "ki3-py", "kind": "FeatureAggregator", "version": 1, "columns": agg.columns,
        "encoders": {"time_unit": unit, "roles": roles}, "aggregator": core,
    })


def test_legacy_envelope_loads(events, one_shot, tmp_path):
    agg = FeatureAggregator(**SHOP_COLUMNS).update(events)
    text = legacy_envelope(agg)
    path = tmp_path / "legacy.json"
    path.write_text(text)
    for back in (FeatureAggregator.from_json(text), ki3.load(path)):
        assert back.columns == agg.columns and back.n_events == agg.n_events
        pd.testing.assert_frame_equal(back.finish(AS_OF, windows=WINDOWS), one_shot,
                                      check_exact=True)
        # Saved again, it is the core JSON with the dictionaries inside.
        assert json.loads(back.to_json()) == json.loads(agg.to_json())


def test_corrupt_wrapper_fields_raise_invalid_input(shop_arrays):
    agg = FeatureAggregator(**SHOP_COLUMNS).update(named(pd.DataFrame(shop_arrays)))
    legacy = legacy_envelope(agg)
    doc = json.loads(legacy)
    doc["encoders"]["roles"]["channel"]["labels"] = ["only-one"]
    with pytest.raises(ki3.InvalidInputError, match="out of range"):
        FeatureAggregator.from_json(json.dumps(doc))
    doc = json.loads(legacy)
    doc["aggregator"]["state"]["amount"][0] = -5
    with pytest.raises(ki3.InvalidInputError, match="amount"):
        FeatureAggregator.from_json(json.dumps(doc))
    doc = json.loads(legacy)
    doc["encoders"] = {"roles": 3}
    with pytest.raises(ki3.InvalidInputError, match="corrupt"):
        FeatureAggregator.from_json(json.dumps(doc))
    with pytest.raises(ki3.InvalidInputError, match="corrupt"):
        FeatureAggregator.from_json(json.dumps({**json.loads(legacy), "columns": None}))


def test_names_first_seen_out_of_order_break_ties_like_one_shot():
    first = pd.DataFrame({"c": ["z", "y"], "t": [10, 20], "ch": ["web", "web"],
                          "cat": ["toys", "toys"], "a": [1.0, 2.0]})
    second = pd.DataFrame({"c": ["y", "a"], "t": [30, 40], "ch": ["app", "mail"],
                           "cat": ["books", "art"], "a": [2.0, 5.0]})
    cols = {"customer": "c", "timestamp": "t", "channel": "ch", "category": "cat", "amount": "a"}
    agg = FeatureAggregator(**cols).update(first).update(second)
    got = agg.finish(100, windows=[1])
    want = customer_features(pd.concat([first, second]), as_of=100, windows=[1], **cols)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert list(got.index) == ["a", "y", "z"]
    assert got.loc["y", "preferred_channel"] == "app"  # tie web/app: the first name wins
    assert got.loc["y", "top_category"] == "books"  # tie toys/books (2.0 each)
    assert [c for c in got.columns if c.startswith("channel_share")] == [
        "channel_share_app", "channel_share_mail", "channel_share_web"]
    # The same through a merge of two workers fed in the other order.
    w1, w2 = FeatureAggregator(**cols).update(second), FeatureAggregator(**cols).update(first)
    pd.testing.assert_frame_equal(w2.merge(w1).finish(100, windows=[1]), want, check_exact=True)


def test_eight_threads_update_one_aggregator_with_names(shop_frame):
    df = named(shop_frame[shop_frame["customer"] < 800].reset_index(drop=True))
    want = customer_features(df, as_of=AS_OF, windows=WINDOWS, **SHOP_COLUMNS)
    parts = chunks(df, 32, 7)
    agg = FeatureAggregator(**SHOP_COLUMNS)
    start = threading.Barrier(8)

    def work(i: int) -> None:
        start.wait()
        for part in parts[i::8]:
            agg.update(part)
            assert agg.n_events > 0 and "FeatureAggregator" in repr(agg)
            agg.finish(AS_OF, windows=WINDOWS)  # reads while others write
            json.loads(agg.to_json())

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(8)))  # re-raises any exception of a thread
    assert agg.n_events == len(df)
    pd.testing.assert_frame_equal(agg.finish(AS_OF, windows=WINDOWS), want, check_exact=True)
    back = FeatureAggregator.from_json(agg.to_json())
    pd.testing.assert_frame_equal(back.finish(AS_OF, windows=WINDOWS), want, check_exact=True)


def test_threads_merge_workers_into_each_other(events, one_shot):
    parts = chunks(events, 8, 21)
    workers = [FeatureAggregator(**SHOP_COLUMNS).update(p) for p in parts]
    total = FeatureAggregator(**SHOP_COLUMNS)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(total.merge, workers))
    pd.testing.assert_frame_equal(total.finish(AS_OF, windows=WINDOWS), one_shot,
                                  check_exact=True)
