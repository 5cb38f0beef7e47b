"""The committed Node fixtures equal what the current code builds (drift is caught here)."""

from __future__ import annotations

import json

import ki3
import pandas as pd
import pytest
from ki3.bandit import BernoulliTS
from make_node_fixtures import (
    BANDIT_ARMS,
    BANDIT_DECISIONS_FILE,
    BANDIT_STATE_FILE,
    FEATURES_FILE,
    NAMED_COLUMNS,
    NAMED_FEATURES_FILE,
    NAMED_STATE_FILE,
    build,
    build_bandit,
)


def test_committed_fixtures_are_current():
    for path, text in build().items():
        if not path.exists():
            pytest.fail(f"{path} is missing: run python python-tests/make_node_fixtures.py")
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name} is out of date: run python python-tests/make_node_fixtures.py"
        )


def test_fixture_features_use_core_names_and_codes():
    doc = json.loads(build()[FEATURES_FILE])
    assert doc["time_unit"] == "s" and doc["windows"] == [7, 30, 90]
    names = list(doc["columns"])
    assert "channel_share_0" in names and "category_share_7" in names
    assert "preferred_channel" in names and "sessions_90d" in names
    n = len(doc["customer"])
    assert 250 < n <= 300 and all(len(v) == n for v in doc["columns"].values())
    channels = [v for v in doc["columns"]["preferred_channel"] if v is not None]
    assert set(channels) <= set(range(len(ki3.datasets.CHANNELS)))


def test_bandit_fixture_state_and_next_choices():
    files = build_bandit()
    state = files[BANDIT_STATE_FILE]
    doc = json.loads(state)
    assert (doc["format"], doc["kind"], doc["version"]) == ("ki3", "BernoulliTs", 1)
    ts = BernoulliTS.from_json(state)
    assert ts.all_arms == BANDIT_ARMS and ts.n_updates == 500 and ts.seed == 11
    choices = json.loads(files[BANDIT_DECISIONS_FILE])["next_choices"]
    assert len(choices) == 100 and set(choices) <= set(BANDIT_ARMS)
    assert [ts.choose() for _ in range(100)] == choices


def test_named_fixture_equals_one_shot_and_loads():
    files = build()
    doc = json.loads(files[NAMED_FEATURES_FILE])
    state = json.loads(files[NAMED_STATE_FILE])
    assert (state["kind"], state["version"]) == ("FeatureAggregator", 2)
    assert state["state"]["columns"] == NAMED_COLUMNS
    assert set(state["state"]["dictionaries"]) == {"customer", "channel", "category", "session"}
    agg = ki3.features.FeatureAggregator.from_json(files[NAMED_STATE_FILE])
    assert agg.columns == NAMED_COLUMNS
    got = agg.finish(doc["as_of"], windows=doc["windows"])
    assert list(got.index) == doc["customer"] and list(got.columns) == list(doc["columns"])
    assert got["preferred_channel"].tolist() == doc["columns"]["preferred_channel"]
    shop = ki3.datasets.synthetic_shop(300, seed=7, as_frame=False)
    events = {
        "user": [f"cust-{c}" for c in shop["customer"]],
        "ts": shop["timestamp"],
        "amount": shop["amount"],
        "bought": shop["purchase"],
        "via": [ki3.datasets.CHANNELS[c] for c in shop["channel"]],
        "cat": [ki3.datasets.CATEGORIES[c] for c in shop["category"]],
        "visit": [f"s{s}" for s in shop["session"]],
    }
    want = ki3.features.customer_features(events, as_of=doc["as_of"], windows=doc["windows"],
                                          **NAMED_COLUMNS)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
