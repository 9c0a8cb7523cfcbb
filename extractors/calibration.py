"""Fitting the confidence table of `extractors.confidence` from benchmark records.

Pure functions over (evidence score, exact?) pairs; `tests/benchmarks/bench_calibration.py
--fit` feeds them a generated seed and writes `data/confidence.yaml`.
"""

from __future__ import annotations

import math

HIGH = 0.9  # the confidence that must be earned
HIGH_PRECISION = 0.98  # cautious exact rate the fitting seed must show above the gate
MIN_HIGH_COUNT = 30  # values above that score, at least, for the claim to mean anything
BELOW_HIGH = 0.89


def isotonic(points: list[tuple[float, bool]]) -> list[tuple[float, float, int]]:
    """Pool-adjacent-violators: blocks (lowest score, rate of exact, n), rising with score."""
    blocks: list[list[float]] = []  # [start score, exact count, n]
    for score, exact in sorted(points):
        blocks.append([score, float(exact), 1.0])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] >= blocks[-1][1] / blocks[-1][2]:
            last = blocks.pop()
            blocks[-1][1] += last[1]
            blocks[-1][2] += last[2]
    return [(s, ok / n, int(n)) for s, ok, n in blocks]


def wilson_low(rate: float, n: int, z: float = 1.0) -> float:
    """A cautious rate: the lower Wilson bound, so a block of 3 exact values is not 100%."""
    if n == 0:
        return 0.0
    centre = rate + z * z / (2 * n)
    spread = z * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n)


def high_gate(points: list[tuple[float, bool]]) -> float | None:
    """The lowest score such that the values scoring at least that much were exact ≥ 98% of
    the time even at the cautious (lower Wilson) bound, over at least 30 values; None when no
    score earns it (45 values all exact do not: the bound is 0.978)."""
    gate, exact = None, 0
    for i, (score, ok) in enumerate(sorted(points, reverse=True), start=1):
        exact += ok
        if i >= MIN_HIGH_COUNT and wilson_low(exact / i, i) >= HIGH_PRECISION:
            gate = score
    return gate


def fit_field(points: list[tuple[float, bool]]) -> list[list[float]]:
    """Steps [score from, confidence] for one field.

    The confidence of a score is the exact rate of its isotonic block, taken at its lower
    Wilson bound (kept rising); only scores at or above `high_gate` may reach 0.9 and they
    all do, every score below it stays at 0.89 or less.
    """
    if not points:
        return [[0.0, 0.0]]
    blocks: list[tuple[float, float]] = []
    running = 0.0
    for start, rate, n in isotonic(points):
        running = max(running, wilson_low(rate, n))
        blocks.append((start, running))
    gate = high_gate(points)
    starts = sorted({s for s, _ in blocks} | ({gate} if gate is not None else set()))
    steps: list[list[float]] = []
    for start in starts:
        value = [v for s, v in blocks if s <= start][-1] if start >= blocks[0][0] else 0.0
        high = gate is not None and start >= gate
        value = max(value, HIGH) if high else min(value, BELOW_HIGH)
        if not steps or round(value, 3) != steps[-1][1]:
            # Rounded up: a score between the true and the written start gets the lower step.
            steps.append([math.ceil(start * 10_000) / 10_000, round(value, 3)])
    # Below the lowest score the fitting seed showed, nothing was learned: the score itself,
    # in steps of 0.1 (each step's value is its lowest score), and never 0.9.
    first = steps[0][0]
    cap = min(BELOW_HIGH, steps[0][1])  # still rising into the first fitted step
    below = [[x / 10, min(x / 10, cap)] for x in range(10) if x / 10 < first]
    merged: list[list[float]] = []
    for start, value in below + steps:
        if not merged or value != merged[-1][1]:
            merged.append([start, value])
    return merged
