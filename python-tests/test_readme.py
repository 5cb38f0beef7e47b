"""The README's Python quickstart runs as written."""

from __future__ import annotations

import re

import pytest
from conftest import REPO_ROOT


def quickstart() -> str:
    readme = REPO_ROOT / "README.md"
    if not readme.exists():
        pytest.skip(f"{readme} does not exist")
    text = readme.read_text(encoding="utf-8")
    heading = re.search(r"^#+\s*Quickstart: Python\s*$", text, flags=re.MULTILINE)
    assert heading, "README.md has no 'Quickstart: Python' heading"
    block = re.search(r"^```python\s*\n(.*?)^```", text[heading.end():],
                      flags=re.MULTILINE | re.DOTALL)
    assert block, "no ```python block under 'Quickstart: Python'"
    return block.group(1)


def test_python_quickstart_runs(tmp_path, monkeypatch):
    code = quickstart()
    monkeypatch.chdir(tmp_path)  # files the snippet writes land here
    exec(compile(code, "README.md", "exec"), {"__name__": "__quickstart__"})  # noqa: S102
