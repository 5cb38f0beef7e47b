"""The README's Python quickstart runs as written."""

from __future__ import annotations

import re

import pytest
from conftest import REPO_ROOT


def quickstart(title: str = "Python") -> str:
    readme = REPO_ROOT / "README.md"
    if not readme.exists():
        pytest.skip(f"{readme} does not exist")
    text = readme.read_text(encoding="utf-8")
    heading = re.search(rf"^#+\s*Quickstart: {re.escape(title)}\s*$", text, flags=re.MULTILINE)
    assert heading, f"README.md has no 'Quickstart: {title}' heading"
    block = re.search(r"^```python\s*\n(.*?)^```", text[heading.end():],
                      flags=re.MULTILINE | re.DOTALL)
    assert block, f"no ```python block under 'Quickstart: {title}'"
    return block.group(1)


def test_python_quickstart_runs(tmp_path, monkeypatch):
    code = quickstart()
    monkeypatch.chdir(tmp_path)  # files the snippet writes land here
    exec(compile(code, "README.md", "exec"), {"__name__": "__quickstart__"})  # noqa: S102


def test_bandit_quickstart_runs(tmp_path, monkeypatch):
    code = quickstart("bandits (Python)")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {"__name__": "__quickstart__"})  # noqa: S102
