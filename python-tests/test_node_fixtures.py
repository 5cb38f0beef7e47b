"""The committed Node fixtures equal what the current code builds (drift is caught here)."""

from __future__ import annotations

import json

import ki3
import pytest
from make_node_fixtures import FEATURES_FILE, build


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
