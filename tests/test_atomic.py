from pathlib import Path

import pytest

from rlnvr.data_pipelines.atomic import atomic_write, atomic_write_text


def test_failed_write_keeps_previous_file(tmp_path):
    target = tmp_path / "state.json"
    atomic_write_text(target, "old")

    def crash(tmp: str) -> None:
        Path(tmp).write_text("half")
        raise RuntimeError("killed mid-write")

    with pytest.raises(RuntimeError):
        atomic_write(target, crash)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
