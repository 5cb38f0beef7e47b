"""ki3.datasets.synthetic_media: weekly spend and sales generated from the MMM with known truth."""

import ki3
import numpy as np
import pytest
from ki3.datasets import MEDIA_CHANNELS, synthetic_media


def test_columns_truth_and_reproducibility():
    data, truth = synthetic_media(104, seed=3)
    assert list(data.columns) == ["date", *MEDIA_CHANNELS, "event", "trend", "sales"]
    assert len(data) == 104
    assert (data["date"].diff().dropna() == np.timedelta64(7, "D")).all()
    assert data["date"].iloc[0] == np.datetime64("2024-01-01")
    again, _ = synthetic_media(104, seed=3)
    assert data.equals(again)
    other, _ = synthetic_media(104, seed=4)
    assert not np.array_equal(data["sales"], other["sales"])
    spend = data[list(MEDIA_CHANNELS)]
    assert (spend.to_numpy() >= 0).all()
    # ROAS is total contribution over total spend, per channel.
    np.testing.assert_allclose(
        truth["roas"].to_numpy(), truth["contributions"].sum().to_numpy() / spend.sum().to_numpy(), rtol=1e-12
    )
    # Sales = baseline + media + noise: the residual has the stated noise sd.
    resid = data["sales"].to_numpy() - truth["baseline"].to_numpy() - truth["contributions"].sum(axis=1).to_numpy()
    assert abs(resid.std() / truth["noise_sd"] - 1) < 0.25
    # Scaled saturation ceiling = ceiling / max(sales) (PyMC-Marketing's parameterisation).
    np.testing.assert_allclose(
        truth["saturation_beta"].to_numpy(),
        truth["saturation_ceiling"].to_numpy() / data["sales"].abs().max(),
        rtol=1e-12,
    )


def test_start_and_bad_arguments():
    data, _ = synthetic_media(30, start="2020-06-01")
    assert data["date"].iloc[0] == np.datetime64("2020-06-01")
    with pytest.raises(ki3.InvalidInputError, match="weeks"):
        synthetic_media(3)
    with pytest.raises(ki3.InvalidInputError, match="weeks"):
        synthetic_media(2.5)
    with pytest.raises(ki3.InvalidInputError, match="seed"):
        synthetic_media(seed=-1)
