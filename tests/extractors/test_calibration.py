"""Fitting the confidence table: isotonic, cautious, and 0.9 only where it was earned."""

from __future__ import annotations

import random

from extractors.calibration import HIGH, fit_field, high_gate, isotonic, wilson_low


def step_value(steps: list[list[float]], score: float) -> float:
    return [v for s, v in steps if s <= score][-1]


def test_isotonic_pools_violators_into_rising_blocks():
    blocks = isotonic([(0.1, True), (0.2, False), (0.3, True), (0.4, True)])
    rates = [rate for _, rate, _ in blocks]
    assert rates == sorted(rates)
    assert blocks[0] == (0.1, 0.5, 2)


def test_wilson_bound_is_cautious_on_small_blocks():
    assert wilson_low(1.0, 3) < wilson_low(1.0, 300) < 1.0
    assert wilson_low(0.0, 0) == 0.0


def test_high_confidence_only_above_the_gate():
    rng = random.Random(1)
    # Exact rate rises with the score; only the top is near-perfect.
    points = [
        (s, rng.random() < (0.999 if s > 0.9 else s)) for s in (rng.random() for _ in range(2000))
    ]
    steps = fit_field(points)
    gate = high_gate(points)
    assert gate is not None and gate > 0.5
    values = [v for _, v in steps]
    assert values == sorted(values)
    assert step_value(steps, gate + 1e-4) >= HIGH  # starts are written rounded up
    assert all(v < HIGH for s, v in steps if s < gate)
    above = [ok for s, ok in points if step_value(steps, s) >= HIGH]
    assert sum(above) / len(above) >= 0.98


def test_a_field_that_is_never_reliable_never_reaches_high():
    points = [(s / 100, s % 10 != 0) for s in range(100)]  # 90% exact at every score
    assert all(v < HIGH for _, v in fit_field(points))
    assert high_gate(points) is None


def test_scores_below_what_the_seed_showed_are_not_trusted():
    points = [(0.8 + i / 1000, True) for i in range(100)]  # all exact, all scored ≥ 0.8
    steps = fit_field(points)
    assert step_value(steps, 0.85) >= HIGH
    assert step_value(steps, 0.35) <= 0.35
    assert step_value(steps, 0.79) < HIGH
