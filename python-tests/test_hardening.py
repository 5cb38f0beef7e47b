"""Hostile inputs from the hardening issue: each gets a typed error naming the argument (or the
right answer), and nothing aborts the interpreter. Risky allocations run in a subprocess under
an address-space limit, so a regression fails a test instead of taking the machine down."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import ki3
import numpy as np
import pandas as pd
import pytest


def _ns_events() -> pd.DataFrame:
    return pd.DataFrame({
        "c": [1, 2],
        "t": np.array(["2020-01-01", "2021-01-01"], dtype="datetime64[ns]"),
    })


def test_points_in_time_beyond_the_unit_range_are_errors_not_empty_results():
    ev = _ns_events()
    with pytest.raises(ki3.InvalidInputError, match=r"^as_of: .*outside the range.*'ns'"):
        ki3.features.customer_features(ev, customer="c", timestamp="t", as_of="9999-12-31")
    with pytest.raises(ki3.InvalidInputError, match=r"^observation_end: .*time_unit='s'"):
        ki3.features.rfm_summary(ev, customer="c", timestamp="t", observation_end="9999-12-31")
    # The last representable day still works, and a coarser unit takes the far future.
    ok = ki3.features.customer_features(ev, customer="c", timestamp="t", as_of="2262-04-10")
    assert len(ok) == 2
    far = ki3.features.customer_features(
        ev, customer="c", timestamp="t", as_of="9999-12-31", time_unit="s"
    )
    assert len(far) == 2


def test_columns_that_overflow_a_finer_unit_are_errors():
    ev = pd.DataFrame({
        "c": [1, 2], "t": np.array(["2020-01-01", "9000-01-01"], dtype="datetime64[s]"),
    })
    with pytest.raises(ki3.InvalidInputError, match=r"^timestamp.*9000-01-01.*'ns'"):
        ki3.features.customer_features(
            ev, customer="c", timestamp="t", as_of="2021-01-01", time_unit="ns"
        )


def test_exact_conversion_agrees_with_numpy_inside_the_range():
    ev = pd.DataFrame({"c": [1], "t": np.array(["1969-12-31T23:59:59"], dtype="datetime64[s]")})
    for as_of in ["1970-01-01T00:00:00.5", np.datetime64("1969-12-31T23:59:59.250", "ms")]:
        got = ki3.features.customer_features(
            ev, customer="c", timestamp="t", as_of=as_of, time_unit="s", windows=(1,)
        )
        want = np.datetime64(as_of).astype("datetime64[s]").astype(np.int64) - (-1)
        assert got["recency_days"].iloc[0] == pytest.approx(want / 86_400)


def test_table_arguments_are_named_in_type_errors():
    ev = pd.DataFrame({"c": [1], "t": [1]})
    with pytest.raises(TypeError, match="^labels must be"):
        ki3.features.historical_features(ev, labels=5, customer="c", timestamp="t", label_time="t")
    with pytest.raises(TypeError, match="^summary must be"):
        ki3.features.rfm_scores(None)


def test_binary_and_deeply_nested_files_are_corrupt_state(tmp_path):
    binary = tmp_path / "state.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ki3.InvalidInputError, match="not UTF-8 text: byte 0x80 at position 128"):
        ki3.load(binary)
    nested = tmp_path / "nested.json"
    nested.write_text("[" * 100_000)
    with pytest.raises(ki3.InvalidInputError, match="corrupt saved state"):
        ki3.load(nested)
    with pytest.raises(ki3.InvalidInputError, match="corrupt saved state"):
        ki3.features.FeatureAggregator.from_json("{" * 100_000)


def test_absurd_priors_name_the_prior():
    with pytest.raises(ki3.InvalidInputError, match=r"prior\.alpha: must be at most 1e9"):
        ki3.bandit.BernoulliTS(["a", "b"], prior=(1e308, 1e308))
    # The cap itself is allowed and summarised.
    s = ki3.bandit.BernoulliTS(["a", "b"], prior=(1e9, 1e9)).summary()
    assert s["mean"].tolist() == pytest.approx([0.5, 0.5])


def test_rfm_scores_rules_are_the_cores():
    bad = {"frequency": [-1.0, 2.0], "recency": [1.0, 2.0], "T": [3.0, 3.0]}
    with pytest.raises(ki3.InvalidInputError, match="^frequency: invalid value at row 0"):
        ki3.features.rfm_scores(bad)
    empty = ki3.features.rfm_scores({"frequency": [], "recency": [], "T": []})
    assert len(empty) == 0 and list(empty.columns) == ["R", "F", "M", "rfm_score", "segment"]


def _run_limited(code: str, limit_gib: int = 3) -> subprocess.CompletedProcess[str]:
    prog = textwrap.dedent(f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, ({limit_gib} << 30, {limit_gib} << 30))
        import ki3
    """) + textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", prog], capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.parametrize("code", [
    "ki3.bandit.LinearTS([str(i) for i in range(100_000)], n_features=1000)",
    "ki3.bandit.LinearTS([str(i) for i in range(1000)], n_features=4096)",
    """
    p = ki3.bandit.LinearTS(["a"], n_features=4096)
    for i in range(16):
        p.add_arm(str(i))
    """,
    "ki3.bandit.simulate(ki3.bandit.BernoulliTS(['a', 'b', 'c']), rates=[.1, .2, .3], steps=2**40)",
])
def test_oversized_requests_raise_instead_of_aborting(code):
    proc = _run_limited(code)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "InvalidInputError" in proc.stderr and "n_" in proc.stderr or "steps" in proc.stderr


def test_a_refused_arm_leaves_the_policy_unchanged():
    proc = _run_limited("""
        p = ki3.bandit.LinearTS(["a"], n_features=4096)
        try:
            for i in range(16):
                p.add_arm(str(i))
        except ki3.InvalidInputError as err:
            assert "n_features" in str(err)
            assert len(p.arms) == i + 1, (len(p.arms), i)
            print("refused after", i)
    """)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "refused after" in proc.stdout


def test_loading_a_huge_state_is_refused_within_a_small_multiple_of_its_size():
    # A 10M-arm BernoulliTS (about 1 GB of JSON): refused for its arm count, and the load
    # itself stays below the size of the text on top of what the text takes.
    proc = _run_limited("""
        import resource
        head = ('{"format":"ki3","kind":"BernoulliTs","version":1,"state":{"params":{"prior":'
                '{"alpha":1.0,"beta":1.0},"options":{"discount":1.0,"top_two":null,'
                '"top_two_max_resamples":100,"pending_horizon":10000,"seed":0}},"arms":[')
        arm = ('{"name":"a","active":true,"last":0,"stats":{"n":0.0,'
               '"successes":{"sum":0.0,"compensation":0.0}}}')
        text = head + ",".join([arm] * 10_000_000) + (
            '],"clock":0,"rng":"ad6cad067346f08745cdb581f973f2ed","next_decision_id":0,'
            '"pending":[]}}')
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            ki3.bandit.BernoulliTS.from_json(text)
        except ki3.InvalidInputError as err:
            assert "more than 1048576 elements" in str(err), err
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print((peak - before) * 1024 / len(text))
    """, limit_gib=6)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert float(proc.stdout) < 1.5
