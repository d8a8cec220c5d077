"""Percentiles of timing samples (nearest-rank, so every figure is a real sample)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least ``pct`` % of the samples at or below it."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Summary:
    """p50/p95/mean of one set of samples, in the samples' unit."""

    count: int
    p50: float
    p95: float
    mean: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Summary:
        return cls(
            count=len(samples),
            p50=percentile(samples, 50),
            p95=percentile(samples, 95),
            mean=statistics.fmean(samples),
        )

    def scaled(self, factor: float) -> Summary:
        return Summary(count=self.count, p50=self.p50 * factor, p95=self.p95 * factor, mean=self.mean * factor)


def paired_median_difference(samples: Sequence[float], baseline: Sequence[float]) -> float:
    """Median of ``samples[i] - baseline[i]``: the per-round difference, robust to drifts in machine load."""
    if len(samples) != len(baseline) or not samples:
        raise ValueError("paired samples must be non-empty and of equal length")
    return statistics.median(x - b for x, b in zip(samples, baseline, strict=True))
