import math

import mlx.core as mx
import numpy as np
import pytest

from rlnvr.trainers.gspo import (
    LossConfig,
    group_advantages,
    informative_groups,
    policy_loss,
    token_logprobs,
)

# Two completions: the first has 2 tokens (third position is padding), the second has 3.
MASK = mx.array([[1, 1, 0], [1, 1, 1]])
OLD = mx.array([[-1.0, -2.0, 0.0], [-1.0, -1.0, -1.0]])
NEW = mx.array([[-0.9, -1.7, 5.0], [-1.3, -1.0, -1.0]])  # deltas: [.1, .3, pad], [-.3, 0, 0]
ADV = mx.array([1.0, -0.5])


def test_gspo_loss_matches_hand_computation():
    # s1 = exp(mean(.1, .3)) = exp(.2) = 1.2214 -> clipped to 1.2 (A > 0): term -1.2
    # s2 = exp(mean(-.3, 0, 0)) = exp(-.1) = 0.9048, inside [0.8, 1.2]: term +0.5 * 0.9048
    cfg = LossConfig(kind="gspo", eps_low=0.2, eps_high=0.2)
    loss, stats = policy_loss(NEW, OLD, MASK, ADV, cfg)
    expected = (-1.2 + 0.5 * math.exp(-0.1)) / 2
    assert loss.item() == pytest.approx(expected, abs=1e-6)
    assert stats["clip_frac"].item() == pytest.approx(0.5)


def test_grpo_loss_matches_hand_computation():
    # token ratios: e^.1, e^.3 (-> 1.28 cap), e^-.3, 1, 1; clip 0.2 / 0.28
    loss, stats = policy_loss(NEW, OLD, MASK, ADV, LossConfig(kind="grpo"))
    seq1 = -(math.exp(0.1) + 1.28) / 2
    # A < 0: min(r A, clip(r) A) takes the larger r: max(e^-.3, 0.8) = 0.8 for the first token
    seq2 = 0.5 * (0.8 + 1 + 1) / 3
    assert loss.item() == pytest.approx((seq1 + seq2) / 2, abs=1e-6)
    assert stats["clip_frac"].item() == pytest.approx(2 / 5)


def test_ratio_one_gives_minus_mean_advantage_and_no_clipping():
    loss, stats = policy_loss(OLD, OLD, MASK, ADV, LossConfig())
    assert loss.item() == pytest.approx(-ADV.mean().item())
    assert stats["clip_frac"].item() == 0


def test_padding_never_reaches_the_loss():
    changed = mx.array([[-0.9, -1.7, -99.0], [-1.3, -1.0, -1.0]])
    cfg = LossConfig(eps_low=0.2, eps_high=0.2)
    assert policy_loss(changed, OLD, MASK, ADV, cfg)[0].item() == pytest.approx(
        policy_loss(NEW, OLD, MASK, ADV, cfg)[0].item()
    )


def test_k3_kl_is_zero_at_reference_and_positive_elsewhere():
    cfg = LossConfig(kl_beta=0.1)
    _, same = policy_loss(NEW, OLD, MASK, ADV, cfg, ref=NEW)
    _, moved = policy_loss(NEW, OLD, MASK, ADV, cfg, ref=OLD)
    assert same["kl"].item() == pytest.approx(0, abs=1e-7)

    def k3(d: float) -> float:  # per token, d = ref - logp
        return math.exp(d) - d - 1

    k3 = [np.mean([k3(-0.1), k3(-0.3)]), np.mean([k3(0.3), 0, 0])]
    assert moved["kl"].item() == pytest.approx(np.mean(k3), abs=1e-6)


def test_group_advantages_are_normalised_per_group():
    rewards = np.array([[1.0, 0.0, 0.5, 0.5], [2.0, 2.0, 2.0, 2.0]])
    adv = group_advantages(rewards)
    assert adv[0].mean() == pytest.approx(0, abs=1e-9)
    assert adv[0].std() == pytest.approx(1, abs=1e-3)
    assert np.all(adv[1] == 0)
    assert informative_groups(rewards).tolist() == [True, False]


def test_token_logprobs_apply_temperature():
    logits = mx.array([[[2.0, 0.0, -1.0]]])
    target = mx.array([[0]])
    for t in (1.0, 0.5):
        scaled = np.array([2.0, 0.0, -1.0]) / t
        expected = scaled[0] - np.log(np.exp(scaled).sum())
        assert token_logprobs(logits, target, t).item() == pytest.approx(expected, abs=1e-6)


def test_completion_logprobs_skip_the_prompt_exactly(tiny_mlx):
    from rlnvr.trainers.gspo import completion_logprobs

    model, _ = tiny_mlx
    tokens = mx.array(np.random.default_rng(0).integers(0, 8000, (2, 20)))
    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    full = token_logprobs(model(inputs), targets, 0.7)[:, 5:]
    fast = completion_logprobs(model, inputs, targets, 5, 0.7)
    assert fast.shape == full.shape
    assert mx.allclose(fast, full, atol=1e-5).item()
