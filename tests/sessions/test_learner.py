"""The per-player learner against hand-computed least squares: the 2-sample minimum-norm
solution in closed form, and the centred normal equations by Cramer's rule."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from questlog.sessions.learner import fit, model_state, predict

NOW = datetime(2026, 11, 20, tzinfo=UTC)


def test_two_samples_give_the_minimum_norm_solution() -> None:
    # x1 = (0.5, 2.0) -> 0.25, x2 = (1.0, 1.0) -> 1.0; d = x2 - x1 = (0.5, -1.0), dy = 0.75
    model = fit([(0.5, 2.0), (1.0, 1.0)], [0.25, 1.0])
    # centred rows are ±d/2 and ±dy/2: the minimum-norm coef is d·dy/|d|² = (0.3, -0.6)
    assert model.coefficients == pytest.approx((0.3, -0.6))
    # intercept = mean(y) - mean(x)·coef = 0.625 - (0.75·0.3 + 1.5·-0.6) = 1.3
    assert model.intercept == pytest.approx(1.3)
    assert model.mae == pytest.approx(0.0)


def test_collinear_samples_give_the_minimum_norm_solution() -> None:
    # every sample on the line burden = 3 - 2·fta: only the direction (1, -2) is determined
    xs = [(0.0, 3.0), (0.5, 2.0), (1.0, 1.0)]
    model = fit(xs, [0.0, 0.5, 1.0])
    # y = fta exactly; the minimum-norm coef along (1, -2)/5 reproducing that: (0.2, -0.4)
    assert model.coefficients == pytest.approx((0.2, -0.4))
    assert model.intercept == pytest.approx(1.2)


def cramer(xs: list[tuple[float, float]], ys: list[float]) -> tuple[float, float, float]:
    """OLS with an intercept: the centred 2x2 normal equations, solved exactly."""
    n = len(xs)
    fx = [(Fraction(a), Fraction(b)) for a, b in xs]
    fy = [Fraction(y) for y in ys]
    m1, m2, my = (sum(x[0] for x in fx) / n, sum(x[1] for x in fx) / n, sum(fy) / n)
    s11 = sum((x[0] - m1) ** 2 for x in fx)
    s22 = sum((x[1] - m2) ** 2 for x in fx)
    s12 = sum((x[0] - m1) * (x[1] - m2) for x in fx)
    s1y = sum((x[0] - m1) * (y - my) for x, y in zip(fx, fy, strict=True))
    s2y = sum((x[1] - m2) * (y - my) for x, y in zip(fx, fy, strict=True))
    det = s11 * s22 - s12 * s12
    b1 = (s1y * s22 - s2y * s12) / det
    b2 = (s2y * s11 - s1y * s12) / det
    return float(b1), float(b2), float(my - b1 * m1 - b2 * m2)


levels = st.integers(0, 8).map(lambda k: k / 8)
burdens = st.integers(4, 12).map(lambda k: k / 4)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(levels, burdens), min_size=4, max_size=20))
def test_the_fit_equals_the_normal_equations(sessions: list[tuple[float, float]]) -> None:
    xs, ys = sessions[:-1], [fta for fta, _ in sessions[1:]]
    try:
        b1, b2, b0 = cramer(xs, ys)
    except ZeroDivisionError:
        assume(False)
    # well conditioned only: a nearly singular system amplifies rounding in both
    model = fit(xs, ys)
    assert model.coefficients == pytest.approx((b1, b2), rel=1e-6, abs=1e-6)
    assert model.intercept == pytest.approx(b0, rel=1e-6, abs=1e-6)


def test_fewer_than_three_sessions_is_insufficient_data() -> None:
    state = model_state([(0.5, 1.5), (1.0, 1.0)], trained_at=NOW)
    assert state["status"] == "insufficient_data"
    assert state["n_samples"] == 1
    assert state["coefficients"] is None
    assert state["prediction"] is None


def test_three_sessions_train_on_two_samples_and_predict_clamped() -> None:
    state = model_state([(0.5, 2.0), (0.25, 1.0), (1.0, 1.0)], trained_at=NOW)
    assert state["status"] == "trained"
    assert (state["n_samples"], state["n_sessions"]) == (2, 3)
    # samples (0.5, 2.0) -> 0.25 and (0.25, 1.0) -> 1.0: d = (-0.25, -1), dy = 0.75,
    # coef = d·dy/|d|² = (-3/17, -12/17), intercept = 0.625 + 0.375·3/17 + 1.5·12/17 = 1.75
    assert state["coefficients"] == pytest.approx([-3 / 17, -12 / 17])
    assert state["intercept"] == pytest.approx(1.75)
    assert state["mae"] == pytest.approx(0.0)
    # at the last session (1.0, 1.0): 1.75 - 15/17
    assert state["prediction"] == pytest.approx(1.75 - 15 / 17)


def test_prediction_is_clamped_to_zero_one() -> None:
    model = fit([(0.0, 1.0), (1.0, 1.0)], [1.0, 0.0])
    assert predict(model, (-5.0, 1.0)) == 1.0
    assert predict(model, (5.0, 1.0)) == 0.0
