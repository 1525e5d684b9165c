"""Forecasts waiting for their reward, and the rewards they got: one JSONL file per day.

A delayed reward splits a rollout in two: on day t the policy writes forecasts (kept with
their token ids and sampling log-probs, the ``old`` side of a later importance ratio); on
day t+1 the world answers and they are scored. Between the two the process may die, so
both halves live on disk:

    RUN/forecasts/2025-08-05.jsonl   written on day t (with a structure-only score)
    RUN/resolved/2025-08-05.jsonl    the same forecasts with full rewards, written on t+1

Each file is written whole, atomically, exactly once: a day that already has forecasts is
never regenerated, and a day that is resolved is never scored again, so a killed loop that
restarts loses no forecast and resolves none twice.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rlnvr.data_pipelines.atomic import atomic_write_text
from rlnvr.trainers.rollout import Rollout


@dataclass
class Forecast:
    """One sampled completion for one task of one day, with whatever score it has so far."""

    day: str
    task: dict  # the task's data, enough to rebuild it (id, headlines, ...)
    rollout: Rollout
    reward: float = 0.0
    rewards: dict[str, float] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {**asdict(self), "rollout": asdict(self.rollout)}

    @classmethod
    def from_json(cls, row: dict, where: str) -> Forecast:
        try:
            return cls(**{**row, "rollout": Rollout(**row["rollout"])})
        except (KeyError, TypeError) as err:
            raise ValueError(f"{where}: not a stored forecast ({err})") from err


class ForecastLedger:
    def __init__(self, run_dir: Path | str) -> None:
        self.root = Path(run_dir)

    def _path(self, kind: str, day: str) -> Path:
        return self.root / kind / f"{day}.jsonl"

    def _read(self, kind: str, day: str) -> list[Forecast]:
        path = self._path(kind, day)
        rows = []
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            try:
                rows.append(Forecast.from_json(json.loads(line), f"{path}:{n}"))
            except json.JSONDecodeError as err:
                raise ValueError(f"{path}:{n}: invalid JSON ({err.msg})") from err
        return rows

    def _write(self, kind: str, day: str, forecasts: list[Forecast]) -> None:
        text = "".join(json.dumps(f.to_json(), ensure_ascii=False) + "\n" for f in forecasts)
        atomic_write_text(self._path(kind, day), text)

    def has_forecasts(self, day: str) -> bool:
        return self._path("forecasts", day).exists()

    def forecasts(self, day: str) -> list[Forecast]:
        return self._read("forecasts", day)

    def save_forecasts(self, day: str, forecasts: list[Forecast]) -> None:
        if self.has_forecasts(day):
            raise FileExistsError(f"{self._path('forecasts', day)}: forecasts already stored")
        self._write("forecasts", day, forecasts)

    def is_resolved(self, day: str) -> bool:
        return self._path("resolved", day).exists()

    def resolved(self, day: str) -> list[Forecast]:
        return self._read("resolved", day)

    def save_resolved(self, day: str, forecasts: list[Forecast]) -> None:
        if self.is_resolved(day):
            raise FileExistsError(f"{self._path('resolved', day)}: day already resolved")
        self._write("resolved", day, forecasts)

    def days(self) -> list[str]:
        """Days with stored forecasts, oldest first (temporary files of a killed write are not)."""
        folder = self.root / "forecasts"
        return sorted(p.stem for p in folder.glob("[0-9]*.jsonl")) if folder.exists() else []

    def pending(self) -> list[str]:
        """Days with forecasts and no resolution yet, oldest first."""
        return [d for d in self.days() if not self.is_resolved(d)]
