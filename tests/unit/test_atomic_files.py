"""Files written through a temporary name: never half-written, nothing left behind."""

from __future__ import annotations

import stat

import pytest

from neuroimmune.io import FILE_MODE, atomic_output, atomic_path


def test_a_failed_write_keeps_the_earlier_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "result.csv"
    target.write_text("earlier\n")
    with pytest.raises(RuntimeError), atomic_output(target) as stream:
        stream.write("half of a new")
        raise RuntimeError("disk full")
    assert target.read_text() == "earlier\n"
    assert [p.name for p in tmp_path.iterdir()] == ["result.csv"]


def test_a_writer_that_takes_a_file_name_gets_the_same_guarantee(tmp_path):
    target = tmp_path / "state.bin"
    with atomic_path(target) as temporary:
        assert temporary.parent == tmp_path and not target.exists()
        temporary.write_bytes(b"complete")
    assert target.read_bytes() == b"complete"
    assert stat.S_IMODE(target.stat().st_mode) == FILE_MODE
    assert [p.name for p in tmp_path.iterdir()] == ["state.bin"]
    with pytest.raises(OSError), atomic_path(target) as temporary:
        temporary.write_bytes(b"half")
        raise OSError("interrupted")
    assert target.read_bytes() == b"complete"
    assert [p.name for p in tmp_path.iterdir()] == ["state.bin"]
