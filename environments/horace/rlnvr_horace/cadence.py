"""Cadence statistics of a surprisal series: the numbers a Horace signature is made of.

A writer's rhythm shows in how surprise is spread over a text: how high and how variable it
is, how often it spikes (a token at least one standard deviation above the text's mean), how
far apart spikes fall, how quickly the model's uncertainty settles after one (the cooldown),
and what the spikes sit on. Every statistic is computed per document or per chunk::

    from rlnvr_horace.token_metrics import load_scorer, score_text
    from rlnvr_horace.cadence import FEATURE_NAMES, cadence_features, feature_vector

    model, tokenizer = load_scorer("rlnvr-tiny", backend="torch")
    metrics = score_text(text, model, tokenizer)
    cadence_features(metrics)  # {"surprisal_mean": 4.9, ..., "spike_prev_punct_frac": 0.2}
    feature_vector(metrics)    # the same values as a float64 array in FEATURE_NAMES order
    [cadence_features(chunk) for chunk in chunks(metrics, 256)]  # per 256-token chunk

The features are always finite, so a classifier can take them as they are. Where a statistic
is undefined its documented fallback is used: no spikes gives rates and fractions of 0, fewer
than two spikes an inter-peak interval of the series length and a CV of 0, a constant series
an autocorrelation of 0, and a series shorter than two tokens all zeros.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from rlnvr_horace.token_metrics import TokenMetrics

QUANTILES = (10, 25, 50, 75, 90)
ACF_LAGS = (1, 2, 3)
COOLDOWN = 3  # tokens after a spike whose mean entropy is compared with the spike's

FEATURE_NAMES: tuple[str, ...] = (
    "surprisal_mean",
    "surprisal_std",
    "surprisal_cv",
    *(f"surprisal_q{q}" for q in QUANTILES),
    "entropy_mean",
    "entropy_std",
    "log_rank_mean",
    "top1_rate",
    "log_nucleus_mean",
    "content_surprisal_mean",
    "function_surprisal_mean",
    "spike_rate",
    "ipi_mean",
    "ipi_cv",
    "cooldown_drop",
    *(f"acf{lag}" for lag in ACF_LAGS),
    "run_above_mean",
    "run_below_mean",
    "spike_content_frac",
    "spike_next_punct_frac",
    "spike_prev_punct_frac",
)


def spikes(surprisal: np.ndarray, k: float = 1.0) -> np.ndarray:
    """Indices of tokens with surprisal at or above the series' mean + ``k`` std (none in a
    constant series, where every token would otherwise qualify)."""
    std = surprisal.std() if len(surprisal) > 1 else 0.0
    if std == 0.0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(surprisal >= surprisal.mean() + k * std)


def chunks(metrics: TokenMetrics, size: int) -> list[TokenMetrics]:
    """Consecutive ``size``-token pieces (the last one may be shorter, but not empty)."""
    if size < 1:
        raise ValueError(f"chunk size must be >= 1: got {size}")
    return [_slice(metrics, i, i + size) for i in range(0, len(metrics), size)]


def _slice(m: TokenMetrics, start: int, stop: int) -> TokenMetrics:
    cut = slice(start, stop)
    arrays = ("token_ids", "surprisal", "entropy", "rank", "nucleus", "content", "punct")
    return replace(m, tokens=m.tokens[cut], **{name: getattr(m, name)[cut] for name in arrays})


def _cv(x: np.ndarray) -> float:
    mean = float(x.mean())
    return float(x.std() / mean) if mean > 0 else 0.0


def autocorrelation(x: np.ndarray, lag: int) -> float:
    """Sample autocorrelation at ``lag`` (0 for a constant or too short series)."""
    centred = x - x.mean()
    denom = float(centred @ centred)
    if lag >= len(x) or denom == 0.0:
        return 0.0
    return float(centred[:-lag] @ centred[lag:] / denom)


def run_lengths(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lengths of the runs of True and of False in ``flags``."""
    if len(flags) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    edges = np.flatnonzero(np.diff(flags.astype(np.int8))) + 1
    bounds = np.concatenate([[0], edges, [len(flags)]])
    lengths, values = np.diff(bounds), flags[bounds[:-1]]
    return lengths[values], lengths[~values]


def cooldown_drop(entropy: np.ndarray, peaks: np.ndarray, span: int = COOLDOWN) -> float:
    """Mean over spikes of entropy at the spike minus mean entropy of the next ``span`` tokens.

    Spikes too close to the end to have ``span`` followers are left out (0 if none remain).
    """
    peaks = peaks[peaks + span < len(entropy)]
    if len(peaks) == 0:
        return 0.0
    after = np.stack([entropy[peaks + j] for j in range(1, span + 1)]).mean(axis=0)
    return float((entropy[peaks] - after).mean())


def _neighbour_frac(punct: np.ndarray, peaks: np.ndarray, step: int) -> float:
    """Fraction of spikes whose next (step=1) or previous (step=-1) token is punctuation."""
    near = peaks + step
    near = near[(near >= 0) & (near < len(punct))]
    return float(punct[near].mean()) if len(near) else 0.0


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if len(x) else 0.0


def _spike_features(m: TokenMetrics, s: np.ndarray) -> dict[str, float]:
    peaks = spikes(s)
    intervals = np.diff(peaks).astype(np.float64)
    above, below = run_lengths(s > np.median(s))
    return {
        "spike_rate": 100.0 * len(peaks) / len(s),
        "ipi_mean": float(intervals.mean()) if len(intervals) else float(len(s)),
        "ipi_cv": _cv(intervals) if len(intervals) else 0.0,
        "cooldown_drop": cooldown_drop(m.entropy.astype(np.float64), peaks),
        **{f"acf{lag}": autocorrelation(s, lag) for lag in ACF_LAGS},
        "run_above_mean": _mean(above),
        "run_below_mean": _mean(below),
        "spike_content_frac": _mean(m.content[peaks].astype(np.float64)),
        "spike_next_punct_frac": _neighbour_frac(m.punct, peaks, 1),
        "spike_prev_punct_frac": _neighbour_frac(m.punct, peaks, -1),
    }


def cadence_features(metrics: TokenMetrics) -> dict[str, float]:
    """Every cadence statistic of one document or chunk, keys in ``FEATURE_NAMES`` order."""
    if len(metrics) < 2:
        return dict.fromkeys(FEATURE_NAMES, 0.0)
    s = metrics.surprisal.astype(np.float64)
    quantiles = np.percentile(s, QUANTILES)
    out = {
        "surprisal_mean": float(s.mean()),
        "surprisal_std": float(s.std()),
        "surprisal_cv": _cv(s),
        **{f"surprisal_q{q}": float(v) for q, v in zip(QUANTILES, quantiles, strict=True)},
        "entropy_mean": float(metrics.entropy.mean()),
        "entropy_std": float(metrics.entropy.std()),
        "log_rank_mean": float(np.log(metrics.rank).mean()),
        "top1_rate": float((metrics.rank == 1).mean()),
        "log_nucleus_mean": float(np.log(metrics.nucleus).mean()),
        "content_surprisal_mean": _mean(s[metrics.content]),
        "function_surprisal_mean": _mean(s[~metrics.content]),
        **_spike_features(metrics, s),
    }
    return {name: out[name] for name in FEATURE_NAMES}


def feature_vector(metrics: TokenMetrics) -> np.ndarray:
    """:func:`cadence_features` as a float64 array in ``FEATURE_NAMES`` order."""
    return np.fromiter(
        cadence_features(metrics).values(), dtype=np.float64, count=len(FEATURE_NAMES)
    )
