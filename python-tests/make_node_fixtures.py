"""Writes the fixtures with which the Node tests check that a state built in Python loads in
Node and finishes to the same features:

* ``ki3-node/__test__/fixtures/aggregator_python.json``: the core JSON of a FeatureAggregator
  (exactly what Node's ``FeatureAggregator.fromJson`` reads), built from
  ``ki3.datasets.synthetic_shop(300, seed=7, as_frame=False)`` in 3 chunks (integer codes,
  timestamps in seconds);
* ``ki3-node/__test__/fixtures/aggregator_python_features.json``: its features as of the last
  timestamp minus 30 days, windows 7/30/90:
  ``{"as_of", "time_unit": "s", "windows", "customer": [...], "columns": {name: [...]}}``
  with the core's column names and NaN written as null;
* ``ki3-node/__test__/fixtures/aggregator_python_named.json``: the core JSON of a
  FeatureAggregator fed the same shop with string ids (``"cust-<id>"``), channel and category
  names and sessions ``"s<id>"``, under other column names (``user``, ``ts``, ...), in 3 chunks
  from the last rows to the first (names arrive out of sorted order); its dictionaries and
  column names live in that state;
* ``ki3-node/__test__/fixtures/aggregator_python_named_features.json``: its features, laid out
  as above, with string ids, ``channel_share_<name>`` columns and names (null where undefined)
  in ``preferred_channel`` / ``top_category``;
* ``ki3-node/__test__/fixtures/bandit_python.json``: the core JSON of a
  ``ki3.bandit.BernoulliTS(["a", "b", "c", "d"], seed=11)`` after 500 simulated updates
  (``ki3.bandit.simulate`` with rates 0.10 / 0.12 / 0.14 / 0.12, reward seed 11: each step one
  ``choose`` and one ``update``), exactly what Node's ``BernoulliTS.fromJson`` reads;
* ``ki3-node/__test__/fixtures/bandit_python_decisions.json``: ``{"next_choices": [...]}``, the
  next 100 arm names that 100 plain ``choose()`` calls (no eligible set, no updates in between)
  return from that state.
* ``ki3-node/__test__/fixtures/uplift_models_python.json``: ``{"x": [...], "n_cols": 3,
  "models": {class name: {"json": <saved model>, "predict": [...]}}}``: each meta-learner of
  ``ki3.uplift`` (built-in learners, X-learner and class transformation with a logistic
  propensity) fitted on 400 simulated rows with control ``"none"`` and arms ``"email"`` and
  ``"sms"`` (``numpy.random.default_rng(5)``), and its row-major predictions on the 25 rows of
  ``x``, which Node must reproduce bit for bit.

Run ``python python-tests/make_node_fixtures.py`` after a deliberate change of the state format
or of feature values; ``test_node_fixtures.py`` fails when the committed files drift.
"""

from __future__ import annotations

import json
import math
import pathlib

import ki3
import numpy as np
from ki3.bandit import BernoulliTS, simulate

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "ki3-node" / "__test__" / "fixtures"
STATE_FILE = FIXTURES / "aggregator_python.json"
FEATURES_FILE = FIXTURES / "aggregator_python_features.json"
WINDOWS = [7, 30, 90]
NAMED_STATE_FILE = FIXTURES / "aggregator_python_named.json"
NAMED_FEATURES_FILE = FIXTURES / "aggregator_python_named_features.json"
NAMED_COLUMNS = {
    "customer": "user", "timestamp": "ts", "amount": "amount", "purchase": "bought",
    "channel": "via", "category": "cat", "session": "visit",
}
UPLIFT_FILE = FIXTURES / "uplift_models_python.json"
BANDIT_STATE_FILE = FIXTURES / "bandit_python.json"
BANDIT_DECISIONS_FILE = FIXTURES / "bandit_python_decisions.json"
BANDIT_ARMS = ["a", "b", "c", "d"]
BANDIT_RATES = [0.10, 0.12, 0.14, 0.12]  # close rates: the next choices vary
ROLES = ("customer", "timestamp", "amount", "purchase", "channel", "category", "session")


def build() -> dict[pathlib.Path, str]:
    """The fixture files' contents, by path."""
    shop = ki3.datasets.synthetic_shop(300, seed=7, as_frame=False)
    agg = ki3.features.FeatureAggregator(**{role: role for role in ROLES})
    for rows in np.array_split(np.arange(len(shop["customer"])), 3):
        agg.update({role: shop[role][rows] for role in ROLES})
    as_of = int(shop["timestamp"].max()) - 86_400 * 30
    features = agg.finish(as_of, windows=WINDOWS)
    doc = {
        "as_of": as_of,
        "time_unit": "s",
        "windows": WINDOWS,
        "customer": [int(c) for c in features.index],
        "columns": {
            name: [None if math.isnan(v) else float(v) for v in features[name].tolist()]
            for name in features.columns
        },
    }
    return {
        STATE_FILE: agg.core_json(),
        FEATURES_FILE: json.dumps(doc, allow_nan=False),
        **build_named(shop, as_of),
        **build_bandit(),
        **build_uplift(),
    }


def _json_values(values: list[object]) -> list[object]:
    return [None if isinstance(v, float) and math.isnan(v) else v for v in values]


def build_named(shop: dict[str, np.ndarray], as_of: int) -> dict[pathlib.Path, str]:
    """The aggregator fixtures with string ids, channels, categories and sessions."""
    channels = np.asarray(ki3.datasets.CHANNELS, dtype=object)
    categories = np.asarray(ki3.datasets.CATEGORIES, dtype=object)
    named = {
        "user": np.array([f"cust-{c}" for c in shop["customer"]], dtype=object),
        "ts": shop["timestamp"],
        "amount": shop["amount"],
        "bought": shop["purchase"],
        "via": channels[shop["channel"]],
        "cat": categories[shop["category"]],
        "visit": np.array([f"s{s}" for s in shop["session"]], dtype=object),
    }
    agg = ki3.features.FeatureAggregator(**NAMED_COLUMNS)
    for rows in reversed(np.array_split(np.arange(len(shop["customer"])), 3)):
        agg.update({name: values[rows] for name, values in named.items()})
    features = agg.finish(as_of, windows=WINDOWS)
    doc = {
        "as_of": as_of,
        "time_unit": "s",
        "windows": WINDOWS,
        "customer": list(features.index),
        "columns": {
            name: _json_values(features[name].tolist()) for name in features.columns
        },
    }
    return {
        NAMED_STATE_FILE: agg.to_json(),
        NAMED_FEATURES_FILE: json.dumps(doc, allow_nan=False),
    }


def build_bandit() -> dict[pathlib.Path, str]:
    """The bandit fixtures: a BernoulliTS state and the next 100 choices from it."""
    ts = BernoulliTS(BANDIT_ARMS, seed=11)
    simulate(ts, BANDIT_RATES, steps=500, seed=11, inplace=True)
    state = ts.to_json()
    choices = [ts.choose() for _ in range(100)]
    return {
        BANDIT_STATE_FILE: state,
        BANDIT_DECISIONS_FILE: json.dumps({"next_choices": choices}),
    }


def build_uplift() -> dict[pathlib.Path, str]:
    """The meta-learner fixture: saved models and their predictions."""
    rng = np.random.default_rng(5)
    n = 400
    x = rng.uniform(-1.0, 1.0, size=(n, 3))
    group = rng.choice(np.array(["none", "email", "sms"]), size=n)
    lift = np.where(group == "email", 0.6 + x[:, 1], np.where(group == "sms", 0.3 * x[:, 0], 0.0))
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(1 - x[:, 0] - lift))).astype(float)
    spend = 2.0 * lift + x[:, 2] + rng.normal(size=n)
    new = rng.uniform(-1.5, 1.5, size=(25, 3))
    u = ki3.uplift
    models = {
        "SLearner": u.SLearner(control="none").fit(x, group, y),
        "TLearner": u.TLearner(control="none").fit(x, group, y),
        "XLearner": u.XLearner(control="none", propensity="logistic").fit(x, group, y),
        "ClassTransformation": u.ClassTransformation(control="none", propensity="logistic")
        .fit(x, group, y),
        "TransformedOutcome": u.TransformedOutcome(control="none").fit(x, group, spend),
    }
    doc = {
        "x": new.reshape(-1).tolist(),
        "n_cols": 3,
        "models": {
            name: {"json": m.to_json(), "predict": m.predict(new).reshape(-1).tolist()}
            for name, m in models.items()
        },
    }
    return {UPLIFT_FILE: json.dumps(doc, allow_nan=False)}


def main() -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for path, text in build().items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path} ({len(text):,} bytes)")


if __name__ == "__main__":
    main()
