"""Seed 004's per-player learner: next session's fta_level from the previous session's
[fta_level, repetition_burden], by ordinary least squares. Pure, numpy only.

The fit is what scikit-learn's LinearRegression() computes: centre X and y, solve the
centred least-squares problem with an SVD-based solver (the minimum-norm solution when
it is under-determined, as with 2 samples), intercept = mean(y) - mean(X)·coef.
numpy.linalg.lstsq uses LAPACK's gelsd as scipy.linalg.lstsq does, so scikit-learn is
not needed for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

MIN_SESSIONS = 3  # two training samples


@dataclass(frozen=True)
class Fit:
    coefficients: tuple[float, float]
    intercept: float
    mae: float


def fit(features: Sequence[Sequence[float]], targets: Sequence[float]) -> Fit:
    x = np.asarray(features, dtype=float)
    y = np.asarray(targets, dtype=float)
    x_mean, y_mean = x.mean(axis=0), y.mean()
    coef = np.linalg.lstsq(x - x_mean, y - y_mean, rcond=None)[0]
    intercept = float(y_mean - x_mean @ coef)
    predicted = x @ coef + intercept
    mae = float(np.mean(np.abs(y - predicted)))
    return Fit((float(coef[0]), float(coef[1])), intercept, mae)


def samples(
    sessions: Sequence[tuple[float, float]],
) -> tuple[list[tuple[float, float]], list[float]]:
    """(fta_level, repetition_burden) per session in time order -> features, targets."""
    return list(sessions[:-1]), [fta for fta, _ in sessions[1:]]


def predict(model: Fit, last: tuple[float, float]) -> float:
    value = model.intercept + model.coefficients[0] * last[0] + model.coefficients[1] * last[1]
    return min(1.0, max(0.0, value))


def model_state(sessions: Sequence[tuple[float, float]], *, trained_at: datetime) -> dict[str, Any]:
    """The state stored and shown for a player whose finalized sessions are `sessions`."""
    n_samples = max(len(sessions) - 1, 0)
    state: dict[str, Any] = {
        "status": "insufficient_data", "n_samples": n_samples, "n_sessions": len(sessions),
        "coefficients": None, "intercept": None, "mae": None, "prediction": None,
        "trained_at": trained_at,
    }
    if len(sessions) < MIN_SESSIONS:
        return state
    model = fit(*samples(sessions))
    return {
        **state, "status": "trained", "coefficients": list(model.coefficients),
        "intercept": model.intercept, "mae": model.mae, "prediction": predict(model, sessions[-1]),
    }
