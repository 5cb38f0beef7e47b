"""Input containers and dtypes: pandas, polars and dicts of numpy arrays give identical results."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import SHOP_COLUMNS
from ki3.features import customer_features, historical_features, rfm_summary

AS_OF = "2024-09-01"


@pytest.fixture(scope="module")
def small(shop_frame):
    """300 customers of the shop, with string channel/category columns (not Categoricals)."""
    df = shop_frame[shop_frame["customer"] < 300].copy()
    df["channel"] = df["channel"].astype(str)
    df["category"] = df["category"].astype(str)
    return df.reset_index(drop=True)


@pytest.fixture(scope="module")
def reference(small):
    return customer_features(small, as_of=AS_OF, **SHOP_COLUMNS)


def test_categorical_and_string_columns_agree(small, reference, shop_frame):
    cat = shop_frame[shop_frame["customer"] < 300].reset_index(drop=True)
    assert isinstance(cat["channel"].dtype, pd.CategoricalDtype)
    pd.testing.assert_frame_equal(
        customer_features(cat, as_of=AS_OF, **SHOP_COLUMNS), reference, check_exact=True
    )


def test_dict_of_numpy_arrays(small, reference):
    data = {name: small[name].to_numpy() for name in small.columns}
    got = customer_features(data, as_of=AS_OF, **SHOP_COLUMNS)
    pd.testing.assert_frame_equal(got, reference, check_exact=True)
    # Plain lists work too.
    lists = {name: values.tolist() for name, values in data.items()}
    lists["timestamp"] = data["timestamp"].astype(np.int64).tolist()
    got = customer_features(lists, as_of=AS_OF, **SHOP_COLUMNS)
    pd.testing.assert_frame_equal(got, reference, check_exact=True)


def test_polars_frame(small, reference):
    pl = pytest.importorskip("polars")
    got = customer_features(pl.from_pandas(small), as_of=AS_OF, **SHOP_COLUMNS)
    pd.testing.assert_frame_equal(got, reference, check_exact=True)
    s = rfm_summary(pl.from_pandas(small), customer="customer", timestamp="timestamp",
                    amount="amount", purchase="purchase", observation_end=AS_OF)
    pd.testing.assert_frame_equal(
        s, rfm_summary(small, customer="customer", timestamp="timestamp", amount="amount",
                       purchase="purchase", observation_end=AS_OF), check_exact=True)


def test_polars_series_in_a_dict(small, reference):
    pl = pytest.importorskip("polars")
    data = {name: pl.Series(small[name].to_numpy()) for name in small.columns if name != "timestamp"}
    data["timestamp"] = pl.Series(small["timestamp"].to_numpy().astype("datetime64[ms]"))
    got = customer_features(data, as_of=AS_OF, **SHOP_COLUMNS)
    pd.testing.assert_frame_equal(got, reference, check_exact=True)


@pytest.mark.parametrize("kind", ["str", "negative", "float", "object-int", "pyarrow"])
def test_non_integer_customer_ids_are_mapped_back(small, reference, kind):
    df = small.copy()
    ids = df["customer"]
    if kind == "str":
        df["customer"] = "c" + ids.astype(str).str.zfill(4)
    elif kind == "negative":
        df["customer"] = -ids - 1
    elif kind == "float":
        df["customer"] = ids + 0.5
    elif kind == "object-int":
        df["customer"] = ids.astype(object)
    else:
        df["customer"] = ("c" + ids.astype(str).str.zfill(4)).astype("string[pyarrow]")
    got = customer_features(df, as_of=AS_OF, **SHOP_COLUMNS)
    mapping = dict(zip(ids, df["customer"]))
    want = reference.copy()
    want.index = pd.Index([mapping[i] for i in reference.index], name="customer")
    if kind == "negative":  # the order follows the ids: -1 > -2 > ...
        want = want.sort_index()
    pd.testing.assert_frame_equal(got, want, check_exact=True, check_index_type=False)


def test_integer_ids_keep_their_dtype(small):
    for dtype in (np.int32, np.uint64, np.int64):
        df = small.assign(customer=small["customer"].astype(dtype))
        f = customer_features(df, as_of=AS_OF, **SHOP_COLUMNS)
        assert f.index.dtype == dtype


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_datetime_units_and_integer_timestamps(small, reference, unit):
    df = small.assign(timestamp=small["timestamp"].dt.as_unit(unit))
    pd.testing.assert_frame_equal(
        customer_features(df, as_of=AS_OF, **SHOP_COLUMNS), reference, check_exact=True
    )
    ints = small.assign(timestamp=df["timestamp"].astype(np.int64))
    as_of = int(np.datetime64(AS_OF, unit).astype(np.int64))
    got = customer_features(ints, as_of=as_of, time_unit=unit, **SHOP_COLUMNS)
    pd.testing.assert_frame_equal(got, reference, check_exact=True)


def test_integer_timestamps_default_to_seconds(small, reference):
    ints = small.assign(timestamp=small["timestamp"].astype("datetime64[s]").astype(np.int64))
    as_of = int(pd.Timestamp(AS_OF).timestamp())
    pd.testing.assert_frame_equal(
        customer_features(ints, as_of=as_of, **SHOP_COLUMNS), reference, check_exact=True
    )


def test_time_unit_converts_datetimes(small, reference):
    got = customer_features(small, as_of=AS_OF, time_unit="ms", **SHOP_COLUMNS)
    pd.testing.assert_frame_equal(got, reference, check_exact=True)


@pytest.mark.parametrize(
    "as_of",
    [
        AS_OF,
        pd.Timestamp(AS_OF),
        np.datetime64(AS_OF),
        dt.datetime(2024, 9, 1),
        dt.date(2024, 9, 1),
        pd.Timestamp("2024-09-01 02:00", tz="Europe/Berlin"),
        "2024-09-01T00:00:00+00:00",
        dt.datetime(2024, 8, 31, 20, tzinfo=dt.timezone(dt.timedelta(hours=-4))),
    ],
)
def test_as_of_datetime_likes(small, reference, as_of):
    pd.testing.assert_frame_equal(
        customer_features(small, as_of=as_of, **SHOP_COLUMNS), reference, check_exact=True
    )


def test_tz_aware_timestamps_are_utc(small, reference):
    berlin = small.assign(timestamp=small["timestamp"].dt.tz_localize("UTC")
                          .dt.tz_convert("Europe/Berlin"))
    pd.testing.assert_frame_equal(
        customer_features(berlin, as_of=AS_OF, **SHOP_COLUMNS), reference, check_exact=True
    )
    pl = pytest.importorskip("polars")
    frame = pl.from_pandas(berlin)
    assert frame.schema["timestamp"].time_zone == "Europe/Berlin"
    pd.testing.assert_frame_equal(
        customer_features(frame, as_of=AS_OF, **SHOP_COLUMNS), reference, check_exact=True
    )


def test_nullable_and_arrow_dtypes(small, reference):
    df = small.astype({"customer": "Int64", "amount": "Float64", "purchase": "boolean",
                       "session": "UInt64"})
    pd.testing.assert_frame_equal(
        customer_features(df, as_of=AS_OF, **SHOP_COLUMNS), reference, check_exact=True,
        check_index_type=False,
    )
    arrow = small.astype({"amount": "double[pyarrow]", "channel": "string[pyarrow]"})
    pd.testing.assert_frame_equal(
        customer_features(arrow, as_of=AS_OF, **SHOP_COLUMNS), reference, check_exact=True
    )


def test_string_sessions_and_integer_purchase_flags(small, reference):
    df = small.assign(session="s" + small["session"].astype(str),
                      purchase=small["purchase"].astype(np.int8))
    pd.testing.assert_frame_equal(
        customer_features(df, as_of=AS_OF, **SHOP_COLUMNS), reference, check_exact=True
    )


def test_columns_can_come_from_the_index(small, reference):
    indexed = small.set_index("customer")
    pd.testing.assert_frame_equal(
        customer_features(indexed, as_of=AS_OF, **SHOP_COLUMNS), reference, check_exact=True
    )


def test_historical_with_string_ids_and_labels_from_polars(small):
    pl = pytest.importorskip("polars")
    df = small.assign(customer="u" + small["customer"].astype(str))
    labels = pd.DataFrame({"customer": ["u3", "nobody", "u7"],
                           "t": pd.to_datetime(["2024-07-01", "2024-07-01", "2024-12-01"])})
    a = historical_features(df, labels, customer="customer", timestamp="timestamp",
                            label_time="t", amount="amount")
    b = historical_features(pl.from_pandas(df), pl.from_pandas(labels), customer="customer",
                            timestamp="timestamp", label_time="t", amount="amount")
    pd.testing.assert_frame_equal(a.drop(columns="t"), b.drop(columns="t"), check_exact=True,
                                  check_dtype=False)
    assert a.loc[1, "purchases"] == 0.0


def test_without_pandas_results_are_dicts_of_arrays(monkeypatch, small, reference):
    import ki3._frame
    import ki3.datasets
    import ki3.features

    for module in (ki3._frame, ki3.features, ki3.datasets):
        monkeypatch.setattr(module, "pandas", lambda: None)
    data = {name: small[name].to_numpy() for name in small.columns}
    got = customer_features(data, as_of=np.datetime64(AS_OF), **SHOP_COLUMNS)
    assert isinstance(got, dict)
    np.testing.assert_array_equal(got["customer"], reference.index.to_numpy())
    for name in reference.columns:  # (missing names are None here, NaN in pandas)
        pd.testing.assert_series_equal(pd.Series(got[name], name=name),
                                       reference[name].reset_index(drop=True), check_exact=True)
    assert isinstance(ki3.datasets.synthetic_shop(10), dict)


def test_polars_is_never_imported_for_pandas_input():
    code = (
        "import sys, ki3\n"
        "df = ki3.datasets.synthetic_shop(50)\n"
        "ki3.features.customer_features(df, customer='customer', timestamp='timestamp',"
        " as_of='2024-06-01')\n"
        "assert 'polars' not in sys.modules, 'polars was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
