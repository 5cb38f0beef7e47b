"""Every notebook in ki3-py/examples runs top to bottom, so the examples cannot rot.

The kernel is this interpreter (the venv's Python with ki3 installed) whatever kernel specs the
machine has, with matplotlib's Agg backend so no display is needed.
"""

from __future__ import annotations

import pathlib
import sys

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "ki3-py" / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))


class _ThisPython(KernelSpecManager):
    """Resolves every kernel name to an IPython kernel of ``sys.executable``."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return KernelSpec(
            argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name=f"Python ({sys.executable})",
            language="python",
            env={"MPLBACKEND": "Agg"},
        )


def test_there_are_notebooks():
    assert EXAMPLES / "quickstart.ipynb" in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: pathlib.Path, tmp_path: pathlib.Path):
    nb = nbformat.read(path, as_version=4)
    km = KernelManager(kernel_name="python3", kernel_spec_manager=_ThisPython())
    client = NotebookClient(
        nb, km=km, timeout=600, resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError on the first failing cell
