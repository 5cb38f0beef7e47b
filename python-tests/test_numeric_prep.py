"""The native one-pass preparation of int64 ids/codes and datetime64 timestamps gives exactly
the results of the other input shapes (no timings here)."""

from __future__ import annotations

import ki3
import numpy as np
import pandas as pd
import pytest
from ki3 import _ki3

N_CUSTOMERS = 400


def _events() -> dict[str, np.ndarray]:
    ev = ki3.datasets.synthetic_shop(N_CUSTOMERS, seed=3, as_frame=False)
    customer = np.asarray(ev["customer"], dtype=np.int64)
    return {
        # ids in random order, unrelated to first appearance
        "customer": np.random.default_rng(1).permutation(N_CUSTOMERS)[customer] * 1_000 + 17,
        "timestamp": np.asarray(ev["timestamp"]).astype("datetime64[s]"),
        "amount": np.asarray(ev["amount"], dtype=np.float64),
        "channel": np.asarray(ev["channel"], dtype=np.int64),
    }


def _features(cols: dict[str, np.ndarray], **kw) -> pd.DataFrame:
    t = cols["timestamp"]
    as_of = int((t.astype("datetime64[s]").astype(np.int64) if t.dtype.kind == "M" else t).max())
    return ki3.features.customer_features(
        cols, customer="customer", timestamp="timestamp", amount="amount", channel="channel",
        as_of=as_of, time_unit="s", **kw,
    )


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    assert np.array_equal(a.index.to_numpy().astype(np.uint64), b.index.to_numpy().astype(np.uint64))
    for name in a.columns:
        x, y = a[name].to_numpy(), b[name].to_numpy()
        assert x.dtype == y.dtype, name
        if x.dtype.kind == "f":
            assert np.array_equal(x.view(np.int64), y.view(np.int64)), name
        else:
            assert np.array_equal(x, y), name


@pytest.mark.parametrize("windows", [(), (7, 30)])
def test_int64_shapes_match_native_dtypes(windows) -> None:
    cols = _events()
    got = _features(cols, windows=windows)
    assert got.index.dtype == np.int64
    native = {
        "customer": cols["customer"].astype(np.uint64),
        "timestamp": cols["timestamp"].astype(np.int64),
        "amount": cols["amount"],
        "channel": cols["channel"].astype(np.uint32),
    }
    _same(got, _features(native, windows=windows))
    # datetime64[ns] (converted to seconds) and row order do not matter
    ns = dict(cols, timestamp=cols["timestamp"].astype("datetime64[ns]"))
    _same(got, _features(ns, windows=windows))
    order = np.random.default_rng(5).permutation(len(cols["customer"]))
    _same(got, _features({k: v[order] for k, v in cols.items()}, windows=windows))
    # a second call in the same process
    _same(got, _features(cols, windows=windows))


def test_int64_codes_match_string_channels() -> None:
    cols = _events()
    got = _features(cols, windows=())
    names = np.array([f"c{c}" for c in range(int(cols["channel"].max()) + 1)], dtype=object)
    strings = _features(dict(cols, channel=names[cols["channel"]]), windows=())
    renamed = {f"channel_share_c{c}": f"channel_share_{c}" for c in range(len(names))}
    strings = strings.rename(columns=renamed)
    strings["preferred_channel"] = [
        np.nan if v is None else float(str(v)[1:]) for v in strings["preferred_channel"]
    ]
    _same(got[strings.columns], strings)


def test_out_of_range_int64_codes_fall_back_to_labels() -> None:
    cols = _events()
    for shift in (-1, 2**32):
        moved = dict(cols, channel=cols["channel"] + shift)
        got = _features(moved, windows=())
        assert got.shape[0] == _features(cols, windows=()).shape[0]
    negative = dict(cols, customer=cols["customer"] - 10**6)
    got = _features(negative, windows=())
    assert np.array_equal(np.sort(got.index.to_numpy()), np.unique(negative["customer"]))


def test_nat_in_datetime64_is_reported_by_row() -> None:
    cols = _events()
    t = cols["timestamp"].copy()
    t[123] = np.datetime64("NaT")
    with pytest.raises(ki3.InvalidInputError, match="NaT\\) at row 123"):
        _features(dict(cols, timestamp=t), windows=())
    strided = np.repeat(cols["timestamp"], 2)[::2].copy()
    strided_view = np.repeat(t, 2)[::2]
    assert not strided_view.flags.c_contiguous
    with pytest.raises(ki3.InvalidInputError, match="NaT\\) at row 123"):
        _features(dict(cols, timestamp=strided_view), windows=())
    _same(_features(dict(cols, timestamp=strided), windows=()), _features(cols, windows=()))


def test_native_column_helpers() -> None:
    values = np.array([5, -3, 9, 0], dtype=np.int64)
    assert _ki3.int64_range(values) == (-3, 9)
    assert _ki3.int64_range(np.zeros(0, np.int64)) is None
    out = np.empty(4, np.uint32)
    assert not _ki3.int64_to_uint32(values, out)
    ok = np.array([0, 2**32 - 1, 7], dtype=np.int64)
    out = np.empty(3, np.uint32)
    assert _ki3.int64_to_uint32(ok, out)
    assert np.array_equal(out, ok.astype(np.uint32))
    assert not _ki3.int64_to_uint32(np.array([2**32], dtype=np.int64), np.empty(1, np.uint32))
    assert not _ki3.int64_to_uint32(ok, np.empty(2, np.uint32))
