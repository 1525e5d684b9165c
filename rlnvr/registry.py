"""The environments installed alongside rlnvr, found through the ``rlnvr.environments`` group.

An environment package registers its own commands there (``varro = "rlnvr_varro.cli:app"``,
a Typer app) and so joins ``rlnvr --help`` as ``rlnvr varro ...``; its taskset id is the
distribution's name (``rlnvr-varro``), and its Gymnasium id ``rlnvr/Varro-v0`` comes from the
same entry. rlnvr imports no environment by name: what is installed is what there is.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

GROUP = "rlnvr.environments"


@dataclass(frozen=True)
class Environment:
    name: str  # the command group: `rlnvr NAME ...`
    taskset_id: str  # what [env.taskset] id and vf-eval take
    entry_point: EntryPoint

    @property
    def gym_id(self) -> str:
        return f"rlnvr/{self.name.capitalize()}-v0"

    def commands(self):
        """The package's Typer app (its module imports only what --help needs)."""
        return self.entry_point.load()


def installed() -> list[Environment]:
    """Every registered environment, by name."""
    found = [
        Environment(ep.name, ep.dist.name if ep.dist else ep.module.split(".")[0], ep)
        for ep in entry_points(group=GROUP)
    ]
    return sorted(found, key=lambda env: env.name)
