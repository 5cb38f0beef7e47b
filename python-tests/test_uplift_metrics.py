"""ki3.uplift.metrics: scikit-uplift's numbers on the Hillstrom fixtures (to 1e-9), causalml's
scores, input types, plots and bad input."""

from __future__ import annotations

import json

import ki3
import numpy as np
import pandas as pd
import pytest
from ki3.uplift import metrics as M

MODELS = [
    "two_models_lr_default",
    "two_models_lr_scaled_tight",
    "class_transformation_lr_scaled_tight",
]

# The 20-row example of the core's unit tests (tied scores in both groups); expected values
# printed by scikit-uplift 0.5.1 (scikit-learn 1.9.1, numpy 2.4.6) on it.
Y = np.array([1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0])
T = np.array([1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 0])
S = np.array([.9, .8, .7, .7, .5, .1, .5, .5, .3, .2, .9, .0, .4, .3, .6, .7, .2, .1, .0, .6])


@pytest.fixture(scope="module")
def hillstrom(shared_data):
    """Test scores in the order train_test_split(test_size=0.3, random_state=42) returned the
    test rows (the order the reference json was computed in; the file is sorted by row), and
    the reference json."""
    folder = shared_data / "uplift"
    scores = pd.read_csv(folder / "hillstrom_womens_vs_none_test_scores.csv")
    segment = pd.read_csv(folder / "hillstrom.csv", usecols=["segment"])["segment"]
    subset = np.flatnonzero(segment.isin(["Womens E-Mail", "No E-Mail"]).to_numpy())
    n_test = int(np.ceil(0.3 * len(subset)))
    # scikit-learn's ShuffleSplit: RandomState(42).permutation(n)[:n_test] are the test rows.
    test_rows = subset[np.random.RandomState(42).permutation(len(subset))[:n_test]]
    ordered = scores.set_index("row").loc[test_rows].reset_index()
    with open(folder / "hillstrom_reference_metrics.json", encoding="utf-8") as f:
        reference = json.load(f)
    return ordered, scores, reference


def test_hillstrom_reference_numbers_to_1e9(hillstrom):
    d, _, reference = hillstrom
    checked = 0
    for model in MODELS:
        ref = reference["models"][model]
        u = d[model]
        got = {
            "qini_auc_score": M.qini_auc_score(d.y, u, d.t),
            "qini_auc_score_negative_effect_false": M.qini_auc_score(
                d.y, u, d.t, negative_effect=False
            ),
            "uplift_auc_score": M.uplift_auc_score(d.y, u, d.t),
            "uplift_at_k_0.3_overall": M.uplift_at_k(d.y, u, d.t, strategy="overall", k=0.3),
            "uplift_at_k_0.3_by_group": M.uplift_at_k(d.y, u, d.t, strategy="by_group", k=0.3),
            "weighted_average_uplift_bins10_overall": M.weighted_average_uplift(
                d.y, u, d.t, strategy="overall", bins=10
            ),
        }
        assert set(got) == set(ref) - {"fit_s"}
        for key, value in got.items():
            assert isinstance(value, float)
            assert value == pytest.approx(ref[key], abs=1e-9, rel=0), f"{model}.{key}"
            checked += 1
    assert checked == 18
    table = M.uplift_by_percentile(d.y, d[MODELS[0]], d.t, bins=2, total=True)
    assert table.loc["total", "response_rate_treatment"] == pytest.approx(
        reference["test_visit_rate_t"], abs=1e-12
    )
    assert table.loc["total", "n_control"] == reference["test_n_c"]


def test_hillstrom_causalml_scores(hillstrom):
    """causalml 0.18.0's qini_score / auuc_score on the scores file, ties broken in row order
    (see ki3-core/tests/uplift_metrics_hillstrom.rs for how the references were produced)."""
    _, d, _ = hillstrom
    u = d["two_models_lr_scaled_tight"]
    assert M.qini_score(d.y, u, d.t) == pytest.approx(0.14571807316797378, abs=1e-9)
    assert M.auuc_score(d.y, u, d.t) == pytest.approx(0.6472863201369732, abs=1e-9)
    assert M.qini_score(d.y, u, d.t, normalize=False) == pytest.approx(49.6265915398869, rel=1e-9)
    assert M.auuc_score(d.y, u, d.t, normalize=False) == pytest.approx(
        434.84389054932274, rel=1e-9
    )
    x, q = M.qini_curve(d.y, u, d.t, convention="causalml", normalize=True)
    assert len(x) == len(d) + 1 and q[-1] == pytest.approx(1.0)


def test_small_example_matches_scikit_uplift():
    x, q = M.qini_curve(Y, S, T)
    assert x.dtype == np.int64
    np.testing.assert_array_equal(x, [0, 2, 3, 6, 8, 11, 12, 14, 16, 18, 20])
    np.testing.assert_allclose(
        q, [0, 1, 1, 0, 0, 0.5, 1, -0.4, 1.1428571428571423, 1.25, 1], atol=1e-12
    )
    x, p = M.perfect_qini_curve(Y, T)
    np.testing.assert_array_equal(x, [0, 5, 16, 20])
    np.testing.assert_allclose(p, [0, 5, 5, 1])
    x, p = M.perfect_qini_curve(Y, T, negative_effect=False)
    assert x.dtype == np.float64
    np.testing.assert_allclose(x, [0, 1, 20])
    x, p = M.perfect_uplift_curve(Y, T)
    np.testing.assert_allclose(p, [0, 5, 11, 8, 2], atol=1e-12)
    x, r = M.random_qini_curve(Y, T)
    np.testing.assert_allclose(r, [0, 1])
    x, r = M.random_uplift_curve(Y, T)
    np.testing.assert_allclose(r, [0, 2], atol=1e-12)
    _, u = M.uplift_curve(Y, S, T)
    assert u[-1] == pytest.approx(2.0)
    assert M.qini_auc_score(Y, S, T) == pytest.approx(0.014182939362795454, abs=1e-12)
    assert M.qini_auc_score(Y, S, T, False) == pytest.approx(0.10375939849624043, abs=1e-12)
    assert M.uplift_auc_score(Y, S, T) == pytest.approx(-0.03110670194003522, abs=1e-12)
    assert M.uplift_at_k(Y, S, T, "overall", k=7) == pytest.approx(0.16666666666666669)
    assert M.uplift_at_k(Y, S, T, "by_group", k=np.int64(7)) == pytest.approx(1 / 7)
    rate, var, n = M.response_rate_by_percentile(Y, S, T, "treatment", "overall", bins=3)
    np.testing.assert_allclose(rate, [0.5, 0.6, 0.0])
    np.testing.assert_allclose(var, [0.0625, 0.048, 0.0])
    assert n.dtype == np.int64 and list(n) == [4, 5, 1]
    assert M.weighted_average_uplift(Y, S, T, "by_group", bins=3) == pytest.approx(0.1)
    table = M.uplift_by_percentile(Y, S, T, bins=3, std=True)
    assert list(table.index) == ["0-33", "33-67", "67-100"]
    assert list(table.columns) == [
        "n_treatment", "n_control", "response_rate_treatment", "response_rate_control",
        "uplift", "std_treatment", "std_control", "std_uplift",
    ]
    assert table["n_treatment"].dtype == np.int32
    np.testing.assert_allclose(table["uplift"], [0.5 - 1 / 3, 0.6 - 1.0, -0.2])
    assert list(M.uplift_by_percentile(Y, S, T, bins=3, string_percentiles=False).index) == [
        33, 67, 100,
    ]


@pytest.mark.parametrize("convert", [
    lambda a: a.tolist(),
    pd.Series,
    lambda a: pd.Series(a, dtype="Float64"),
    lambda a: pd.Series(a).astype("Int64") if a.dtype.kind == "i" else pd.Series(a),
    lambda a: a.astype(np.float32) if a.dtype.kind == "f" else a.astype(np.int8),
    lambda a: a[::-1].copy()[::-1],  # negative strides
])
def test_array_likes_give_the_same_numbers(convert):
    expected = M.qini_auc_score(Y, S, T)
    got = M.qini_auc_score(convert(Y), convert(S), convert(T))
    # float32 scores keep their order and ties here.
    assert got == pytest.approx(expected, abs=1e-12)


def test_polars_and_booleans():
    pl = pytest.importorskip("polars")
    got = M.uplift_auc_score(pl.Series(Y), pl.Series(S), pl.Series(T.astype(bool)))
    assert got == pytest.approx(M.uplift_auc_score(Y, S, T), abs=1e-15)


def test_plots_return_axes_with_random_and_perfect_lines():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = M.plot_qini_curve(Y, S, T, name="model")
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[0].startswith("model (qini_auc_score = 0.0142") and labels[1:] == [
        "Random", "Perfect",
    ]
    np.testing.assert_allclose(ax.get_lines()[2].get_ydata(), [0, 5, 5, 1])
    ax2 = M.plot_uplift_curve(Y, S, T, perfect=False)
    assert [line.get_label() for line in ax2.get_lines()][1:] == ["Random"]
    plt.close("all")


@pytest.mark.parametrize("call, message", [
    (lambda: M.qini_auc_score(Y, S[:5], T), "uplift: length 5 does not match y_true length 20"),
    (lambda: M.qini_auc_score(Y, S, T[:3]), "treatment: length 3"),
    (lambda: M.qini_auc_score([], [], []), "y_true: empty input"),
    (lambda: M.qini_auc_score(Y, np.where(S > 0.8, np.nan, S), T), "uplift: non-finite value"),
    (lambda: M.qini_auc_score(pd.Series(Y, dtype="Int64").where(Y > 0), S, T), "y_true: non-fin"),
    (lambda: M.qini_auc_score(Y, S, np.where(T == 1, 2, 0)), "treatment: invalid value at row 0"),
    (lambda: M.qini_auc_score(Y * 0.5, S, T), "y_true: invalid value at row 0"),
    (lambda: M.qini_auc_score(Y, S, np.ones(20)), "only treated rows"),
    (lambda: M.uplift_curve(Y, S, np.zeros(20)), "only control rows"),
    (lambda: M.qini_auc_score(np.zeros(20), S, T), "y_true"),
    (lambda: M.qini_auc_score(Y, S, T, negative_effect="yes"), "negative_effect"),
    (lambda: M.qini_auc_score(["a"] * 20, S, T), "y_true: expected numbers"),
    (lambda: M.qini_auc_score(Y.reshape(4, 5), S, T), "y_true: expected a 1-d column"),
    (lambda: M.uplift_at_k(Y, S, T, "top", 0.3), "strategy"),
    (lambda: M.uplift_at_k(Y, S, T, "overall", 1.0), "k"),
    (lambda: M.uplift_at_k(Y, S, T, "overall", 0), "k"),
    (lambda: M.uplift_at_k(Y, S, T, "overall", 20), "k"),
    (lambda: M.uplift_at_k(Y, S, T, "overall", True), "k"),
    (lambda: M.uplift_at_k(Y, S, T, "overall", "3"), "k"),
    (lambda: M.uplift_at_k(Y, S, T, "by_group", 11), "exceeds"),
    (lambda: M.uplift_at_k(Y, S, T, "overall", 0.01), "no treated rows"),
    (lambda: M.response_rate_by_percentile(Y, S, T, "both"), "group"),
    (lambda: M.response_rate_by_percentile(Y, S, T, "control", bins=20), "bins"),
    (lambda: M.weighted_average_uplift(Y, S, T, bins=0), "bins"),
    (lambda: M.weighted_average_uplift(Y, S, T, bins=-3), "bins"),
    (lambda: M.weighted_average_uplift(Y, S, T, bins=2.5), "bins"),
    (lambda: M.weighted_average_uplift(Y, S, T, bins=10), "bin"),
    (lambda: M.qini_curve(Y, S, T, convention="R"), "convention"),
    (lambda: M.qini_curve(Y, S, T, normalize=True), "normalize"),
])
def test_bad_input_raises_invalid_input_naming_the_argument(call, message):
    with pytest.raises(ki3.InvalidInputError, match=message):
        call()
