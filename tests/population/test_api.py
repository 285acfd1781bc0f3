"""The public population API: every exported name resolves, and the command imports cheaply."""

from __future__ import annotations

import subprocess
import sys

import neuroimmune.population as population


def test_every_exported_name_exists():
    for name in population.__all__:
        assert hasattr(population, name), name


def test_command_module_does_not_import_dask_or_pyarrow():
    code = ("import sys, neuroimmune.population.command; "
            "print(any(m.split('.')[0] in {'dask', 'distributed', 'pyarrow'} for m in sys.modules))")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert output.stdout.strip() == "False"


def test_all_matches_the_lazy_table():
    assert sorted(population.__all__) == sorted(population._EXPORTS)
