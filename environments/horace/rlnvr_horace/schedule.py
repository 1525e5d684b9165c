"""Cadence schedules: base, spike and cooldown phases, paced like an author.

An author's cadence signature (:mod:`rlnvr_horace.signatures`) says how often their prose
surprises a language model, how far apart the surprises fall and how quickly the model settles
after one. Plain sampling has one temperature for every token, so its surprises fall wherever
chance puts them. This sampler keeps a step counter and cycles through three phases, each with
its own temperature, top-p and top-k::

    step:   0 1 2 3 4 5 6 7 8 9 ...        (interval 5, spike 2, cooldown 3, base 0)
    phase:  S S C C C S S C C C ...

    from rlnvr_horace.schedule import schedule_for
    from rlnvr_horace.taskset import style_data

    schedule = schedule_for(style_data().signatures["Edgar Allan Poe"])
    schedule.phases(12, seed=0), schedule.sampling("spike")

A schedule is what rlnvr's phased sampler (``rlnvr sample --taskset rlnvr-horace --schedule
AUTHOR``) draws tokens with: the taskset offers it through ``HoraceTaskset.phase_schedule``.

A cycle is ``interval`` tokens: ``base`` tokens first, then ``spike_tokens`` drawn hot, then
``cooldown_tokens`` drawn cool. :func:`schedule_for` maps a signature to a schedule (the mapping
is heuristic: each number comes from the signature feature that measures the same thing):

* ``interval`` = the author's mean inter-peak interval (``ipi_mean``, tokens between spikes),
  and with ``jitter`` each cycle's length is drawn around it with the author's spread
  (``ipi_cv``): an author's surprises do not fall on a metronome, and a fixed cycle would give
  the text an inter-peak CV near 0 that no author has;
* ``spike_tokens`` = the mean run of tokens above the median surprisal (``run_above_mean``):
  how long a surprising stretch lasts in their prose;
* ``cooldown_tokens`` = :data:`rlnvr_horace.cadence.COOLDOWN`, the span ``cooldown_drop`` is
  measured over;
* spike temperature = base x (1 + ``surprisal_cv``): a spike is a token at mean + 1 std of
  surprisal, i.e. (1 + CV) times the mean, and tempering logits by T scales the sampled
  tokens' log-probabilities by roughly T;
* cooldown temperature = base x (1 - ``cooldown_drop`` / ``entropy_mean``): the author's
  entropy falls by that share after a spike, so the draw is narrowed by the same share.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from rlnvr_horace.cadence import COOLDOWN
from rlnvr_horace.signatures import Signature

PHASES = ("base", "spike", "cooldown")
# The signature features that describe rhythm, what the schedule paces (not the overall level
# of surprise, which the base temperature sets): the measure of whether pacing works.
RHYTHM_FEATURES = (
    "surprisal_cv", "spike_rate", "ipi_mean", "ipi_cv", "cooldown_drop", "run_above_mean"
)  # fmt: skip
MIN_COOLDOWN_SHARE = 0.25  # cooldown temperature never below this share of the base one


@dataclass(frozen=True)
class PhaseSampling:
    """How tokens are drawn in one phase (mlx_lm's ``make_sampler`` arguments)."""

    temperature: float  # 0: greedy
    top_p: float = 1.0  # 1: no nucleus cut
    top_k: int = 0  # 0: no top-k cut

    def __post_init__(self) -> None:
        if self.temperature < 0 or not 0 < self.top_p <= 1 or self.top_k < 0:
            raise ValueError(f"need temperature >= 0, 0 < top_p <= 1, top_k >= 0: got {self}")


@dataclass(frozen=True)
class CadenceSchedule:
    """A cycle of ``interval`` tokens: base, then ``spike_tokens`` hot, ``cooldown_tokens`` cool.

    With ``interval_cv`` > 0 the cycles vary in length (see :meth:`phases`); ``interval`` is
    then their mean.
    """

    interval: int
    spike_tokens: int
    cooldown_tokens: int
    base: PhaseSampling
    spike: PhaseSampling
    cooldown: PhaseSampling
    interval_cv: float = 0.0
    source: Mapping[str, float] = field(default_factory=dict)  # the signature means used

    def __post_init__(self) -> None:
        if self.spike_tokens < 0 or self.cooldown_tokens < 0:
            raise ValueError("spike_tokens and cooldown_tokens must be >= 0")
        if self.interval < max(1, self.spike_tokens + self.cooldown_tokens):
            raise ValueError(
                f"interval {self.interval} must be >= 1 and hold spike + cooldown "
                f"({self.spike_tokens} + {self.cooldown_tokens})"
            )
        if self.interval_cv < 0:
            raise ValueError(f"interval_cv must be >= 0, got {self.interval_cv}")

    def phase_at(self, step: int) -> str:
        """The phase of the ``step``-th generated token (0-based) in the regular cycle."""
        return self._cycle(self.interval)[step % self.interval]

    def _cycle(self, length: int) -> list[str]:
        spikes, cools = self.spike_tokens, self.cooldown_tokens
        return ["base"] * (length - spikes - cools) + ["spike"] * spikes + ["cooldown"] * cools

    def phases(self, n: int, seed: int = 0) -> list[str]:
        """The phases of the first ``n`` tokens.

        Regular cycles without ``interval_cv``; with it, each cycle's base stretch is drawn
        from a gamma distribution (the shape of waiting times between events) with the
        regular cycle's base length as mean and ``interval_cv * interval`` as standard
        deviation, rounded stochastically, so cycles vary as much as the author's inter-peak
        intervals while their mean stays ``interval``. The same seed gives the same plan.
        """
        base = self.interval - self.spike_tokens - self.cooldown_tokens
        if self.interval_cv == 0 or base == 0:
            cycle = self._cycle(self.interval)
            return [cycle[i % self.interval] for i in range(n)]
        rng = np.random.default_rng(seed)
        shape = (base / (self.interval_cv * self.interval)) ** 2
        out: list[str] = []
        while len(out) < n:
            stretch = int(rng.gamma(shape, base / shape) + rng.random())
            out.extend(self._cycle(stretch + self.spike_tokens + self.cooldown_tokens))
        return out[:n]

    def sampling(self, phase: str) -> PhaseSampling:
        return {"base": self.base, "spike": self.spike, "cooldown": self.cooldown}[phase]

    def with_base_temperature(self, temperature: float) -> CadenceSchedule:
        """The same schedule with every phase's temperature rescaled to a new base."""
        scale = temperature / self.base.temperature if self.base.temperature > 0 else 0.0

        def rescale(p: PhaseSampling) -> PhaseSampling:
            return replace(p, temperature=p.temperature * scale)

        base, spike, cooldown = map(rescale, (self.base, self.spike, self.cooldown))
        return replace(self, base=base, spike=spike, cooldown=cooldown)


def schedule_for(
    signature: Signature,
    base_temperature: float = 1.0,
    spike_top_p: float = 0.98,
    spike_top_k: int = 200,
    cooldown_top_p: float = 0.9,
    jitter: bool = True,
) -> CadenceSchedule:
    """The schedule paced by ``signature`` (the mapping is in the module docstring); without
    ``jitter`` every cycle is ``interval`` tokens long.

    The spike phase keeps a top-k and top-p cut: hot draws from the whole vocabulary of a
    small model are mostly broken words, which read as noise, not as an author's surprise.
    """
    means = {name: stats.mean for name, stats in signature.features.items()}
    spike_tokens = min(3, max(1, round(means["run_above_mean"])))
    cooldown_tokens = COOLDOWN
    interval = max(round(means["ipi_mean"]), spike_tokens + cooldown_tokens)
    cool_share = 1.0 - means["cooldown_drop"] / means["entropy_mean"]
    cool_share = min(1.0, max(MIN_COOLDOWN_SHARE, cool_share))
    used = ("ipi_mean", "ipi_cv", "run_above_mean", "surprisal_cv", "cooldown_drop", "entropy_mean")
    return CadenceSchedule(
        interval=interval,
        spike_tokens=spike_tokens,
        cooldown_tokens=cooldown_tokens,
        base=PhaseSampling(base_temperature),
        spike=PhaseSampling(
            base_temperature * (1.0 + means["surprisal_cv"]), spike_top_p, spike_top_k
        ),
        cooldown=PhaseSampling(base_temperature * cool_share, cooldown_top_p),
        interval_cv=means["ipi_cv"] if jitter else 0.0,
        source={name: means[name] for name in used},
    )
