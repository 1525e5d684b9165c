"""Cadence schedules (rlnvr_horace.schedule), the phased sampler (rlnvr.trainers.
phased_sampler) that draws with them, and `rlnvr sample`."""

import numpy as np
import pytest

from rlnvr.trainers.phased_sampler import PlainSchedule, generate_phased, prompt_ids
from rlnvr.trainers.protocols import PhasedTaskset
from rlnvr_horace.schedule import CadenceSchedule, PhaseSampling, schedule_for

PROMPT = "It was a dark and stormy night, and the rain fell in torrents."


@pytest.fixture(scope="module")
def signatures():
    from rlnvr_horace.taskset import style_data

    return style_data().signatures


def test_schedule_from_every_signature_is_sane(signatures):
    for author, signature in signatures.items():
        s = schedule_for(signature)
        ipi = signature.features["ipi_mean"].mean
        assert s.interval >= 1 and abs(s.interval - ipi) <= 1, author
        assert s.spike_tokens >= 1 and s.cooldown_tokens == 3
        assert s.interval >= s.spike_tokens + s.cooldown_tokens
        assert 0 < s.cooldown.temperature < s.base.temperature < s.spike.temperature, author
        assert s.spike.top_k > 0 and s.spike.top_p < 1
        # every phase occurs in one cycle, spikes start each cycle after the base tokens
        cycle = [s.phase_at(i) for i in range(s.interval)]
        assert cycle.count("spike") == s.spike_tokens
        assert cycle.count("cooldown") == s.cooldown_tokens
        assert [s.phase_at(i + s.interval) for i in range(s.interval)] == cycle


def test_jittered_cycles_keep_the_mean_interval_and_take_the_authors_spread(signatures):
    s = schedule_for(signatures["Jane Austen"])
    assert s.interval_cv == signatures["Jane Austen"].features["ipi_cv"].mean > 0
    plan = s.phases(60_000, seed=0)
    phase = np.array(plan)
    starts = np.flatnonzero((phase[1:] == "spike") & (phase[:-1] != "spike")) + 1
    gaps = np.diff(starts)
    assert gaps.mean() == pytest.approx(s.interval, rel=0.03)
    assert gaps.std() / gaps.mean() == pytest.approx(s.interval_cv, abs=0.1)
    # every cycle is still base*, then the spike tokens, then the cooldown tokens
    text = "".join(p[0] for p in plan)
    whole = "s" * s.spike_tokens + "c" * s.cooldown_tokens
    assert text.replace("b", "").replace(whole, "") in {whole[:k] for k in range(len(whole))}
    assert plan == s.phases(60_000, seed=0) and plan != s.phases(60_000, seed=1)
    regular = schedule_for(signatures["Jane Austen"], jitter=False)
    assert regular.interval_cv == 0
    assert regular.phases(30, seed=5) == [regular.phase_at(i) for i in range(30)]


def test_schedule_rejects_a_cycle_too_short():
    phase = PhaseSampling(1.0)
    with pytest.raises(ValueError, match="interval"):
        CadenceSchedule(3, 2, 3, phase, phase, phase)
    with pytest.raises(ValueError):
        PhaseSampling(1.0, top_p=0.0)


def test_rescaled_schedule_keeps_temperature_ratios(signatures):
    s = schedule_for(signatures["Jane Austen"])
    t = s.with_base_temperature(0.5)
    assert t.base.temperature == 0.5
    assert t.spike.temperature == pytest.approx(s.spike.temperature / 2)
    assert t.cooldown.temperature == pytest.approx(s.cooldown.temperature / 2)
    assert (t.interval, t.spike_tokens, t.cooldown_tokens) == (
        s.interval,
        s.spike_tokens,
        s.cooldown_tokens,
    )


def test_phases_follow_the_schedule_and_cooldown_is_drawn_as_configured(tiny_mlx):
    """Cooldown greedy here: each cooldown token must be the model's top choice given the
    text so far, which shows the logged phase is the sampler actually used."""
    import mlx.core as mx

    model, tokenizer = tiny_mlx
    schedule = CadenceSchedule(
        interval=7,
        spike_tokens=2,
        cooldown_tokens=3,
        base=PhaseSampling(1.0),
        spike=PhaseSampling(1.5, top_p=0.98, top_k=200),
        cooldown=PhaseSampling(0.0),
    )
    out = generate_phased(model, tokenizer, PROMPT, schedule, max_tokens=42, seed=3)
    n = len(out.token_ids)
    assert n > 14 and out.phases == [schedule.phase_at(i) for i in range(n)]
    assert out.phases[:7] == ["base", "base", "spike", "spike", "cooldown", "cooldown", "cooldown"]

    context = prompt_ids(tokenizer, PROMPT)
    logits = model(mx.array([context + out.token_ids]))[0].astype(mx.float32)
    top = np.array(mx.argmax(logits, axis=-1))[len(context) - 1 : len(context) - 1 + n]
    cooldown = [i for i, p in enumerate(out.phases) if p == "cooldown"]
    others = [i for i, p in enumerate(out.phases) if p != "cooldown"]
    assert all(out.token_ids[i] == top[i] for i in cooldown)
    assert any(out.token_ids[i] != top[i] for i in others)  # hot phases do sample


def test_generation_is_seeded(tiny_mlx, signatures):
    model, tokenizer = tiny_mlx
    schedule = schedule_for(signatures["Edgar Allan Poe"])
    a = generate_phased(model, tokenizer, PROMPT, schedule, max_tokens=30, seed=7)
    b = generate_phased(model, tokenizer, PROMPT, schedule, max_tokens=30, seed=7)
    c = generate_phased(model, tokenizer, PROMPT, schedule, max_tokens=30, seed=8)
    assert a == b
    assert a.token_ids != c.token_ids
    assert a.phases == schedule.phases(30, seed=7)[: len(a.phases)]
    assert a.text == tokenizer.decode(a.token_ids)


def test_plain_schedule_is_one_phase(tiny_mlx):
    model, tokenizer = tiny_mlx
    plain = PlainSchedule(PhaseSampling(1.0))
    out = generate_phased(model, tokenizer, PROMPT, plain, 12, seed=0)
    assert set(out.phases) == {"base"}


def test_horace_taskset_offers_its_authors_schedules(signatures):
    from rlnvr.trainers.tasksets import load_taskset

    taskset = load_taskset({"id": "rlnvr-horace"})
    assert isinstance(taskset, PhasedTaskset)
    assert list(taskset.schedule_names()) == sorted(signatures)
    schedule = taskset.phase_schedule("Jane Austen", jitter=False, temperature=0.5)
    assert schedule == schedule_for(signatures["Jane Austen"], 0.5, jitter=False)


def test_cli_sample_end_to_end():
    from typer.testing import CliRunner

    from rlnvr.cli import app

    args = ["sample", "--taskset", "rlnvr-horace", "--schedule", "Edgar Allan Poe"]
    args += ["--prompt", PROMPT]
    runner = CliRunner()
    result = runner.invoke(app, [*args, "--n", "2", "--max-tokens", "20"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert result.output.count("seed ") == 2 and "spike: temperature" in result.output
    assert result.output.count(PROMPT) == 2
    plain = runner.invoke(app, [*args, "--plain", "--max-tokens", "5"], env={"COLUMNS": "200"})
    assert plain.exit_code == 0 and "spike" not in plain.output
    regular = runner.invoke(app, [*args, "--regular", "--max-tokens", "60"], env={"COLUMNS": "200"})
    assert regular.exit_code == 0, regular.output
    plan = next(line for line in regular.output.splitlines() if line.startswith("plan: "))[6:]
    cycle = plan[: plan.index("c" * 3) + 3]  # Poe's regular cycle: base, spikes, 3 cooldowns
    assert plan == (cycle * 60)[: len(plan)]
    unknown = runner.invoke(
        app, ["sample", "--taskset", "rlnvr-horace", "--schedule", "Nobody", "--prompt", "x"],
        env={"COLUMNS": "200"},
    )  # fmt: skip
    assert unknown.exit_code != 0 and "unknown schedule" in unknown.output
    walter = runner.invoke(
        app, ["sample", "--taskset", "rlnvr-walter", "--schedule", "x", "--prompt", "x"],
        env={"COLUMNS": "200"},
    )  # fmt: skip
    assert walter.exit_code != 0 and "PhasedTaskset" in str(walter.exception)
