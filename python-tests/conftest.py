"""Shared fixtures of the ki3 Python tests."""

from __future__ import annotations

import os
import pathlib

import ki3
import pytest

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent

# Column names of ki3.datasets.synthetic_shop, as keyword arguments.
SHOP_COLUMNS = {
    "customer": "customer",
    "timestamp": "timestamp",
    "amount": "amount",
    "purchase": "purchase",
    "channel": "channel",
    "category": "category",
    "session": "session",
}


@pytest.fixture(scope="session")
def shared_data() -> pathlib.Path:
    """The shared reference data folder (``../shared/data`` from the repository root, or the
    ``KI3_SHARED_DATA`` environment variable). Tests that need it skip when it is absent."""
    env = os.environ.get("KI3_SHARED_DATA")
    path = pathlib.Path(env) if env else REPO_ROOT.parent / "shared" / "data"
    if not path.is_dir():
        pytest.skip(
            f"shared reference data not found at {path} (a fresh clone has no ../shared/data; "
            "set KI3_SHARED_DATA to its location to run these tests)"
        )
    return path


@pytest.fixture(scope="session")
def shop_frame():
    """A 2,000-customer synthetic shop as a pandas DataFrame (read-only: copy before editing)."""
    return ki3.datasets.synthetic_shop(2_000, seed=11)


@pytest.fixture(scope="session")
def shop_arrays():
    """A 500-customer synthetic shop as a dict of numpy arrays (integer codes)."""
    return ki3.datasets.synthetic_shop(500, seed=5, as_frame=False)
