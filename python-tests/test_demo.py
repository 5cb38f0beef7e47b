"""The demo (`make demo`) runs end to end on a small shop and writes its outputs."""

from __future__ import annotations

import pytest
from ki3 import demo


def test_demo_runs_and_writes_outputs(tmp_path, capsys):
    demo.main(["--out", str(tmp_path), "--customers", "3000", "--seed", "3"])
    printed = capsys.readouterr().out
    assert "RFM segments" in printed and "Creative test" in printed
    assert (tmp_path / "rfm_segments.csv").exists()
    table = (tmp_path / "creative_test.csv").read_text().splitlines()
    assert table[0].startswith("arm,") and len(table) == 5
    pytest.importorskip("matplotlib")
    assert (tmp_path / "rfm_segments.png").stat().st_size > 10_000
    assert (tmp_path / "creative_test_regret.png").stat().st_size > 10_000
