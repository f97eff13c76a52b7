"""Order statistics and outlier fences, refusing to draw a fence from too few values.

Quantiles use Hyndman & Fan's definition 8 (median-unbiased; numpy ``method=
"median_unbiased"``), the definition the Open Contracting Partnership's Cardinal uses, so
our fences match its published results. Tukey fences: Q1 − 1.5·IQR and Q3 + 1.5·IQR.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


def quantile(values: npt.ArrayLike, q: float) -> float:
    """The q-quantile (0 ≤ q ≤ 1) by Hyndman & Fan definition 8; NaN for no values."""
    data = np.sort(np.asarray(values, dtype=np.float64))
    n = data.size
    if n == 0:
        return float("nan")
    h = (n + 1.0 / 3.0) * q + 1.0 / 3.0
    lower = int(np.floor(h))
    if lower <= 0 or q == 0.0:
        return float(data[0])
    if lower >= n or q == 1.0:
        return float(data[-1])
    a = float(data[lower - 1])
    b = float(data[lower])
    return a + (h - lower) * (b - a)


@dataclass(frozen=True)
class Fences:
    """Quartiles and Tukey fences of a sample, with the sample size they came from."""

    n: int
    q1: float
    q3: float

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1

    @property
    def lower(self) -> float:
        return self.q1 - 1.5 * self.iqr

    @property
    def upper(self) -> float:
        return self.q3 + 1.5 * self.iqr

    def to_json(self) -> dict[str, float | int]:
        return {
            "n": self.n,
            "q1": round(self.q1, 10),
            "q3": round(self.q3, 10),
            "lower_fence": round(self.lower, 10),
            "upper_fence": round(self.upper, 10),
        }


def tukey_fences(values: npt.ArrayLike, min_sample: int) -> Fences | None:
    """Fences of ``values``, or None when fewer than ``min_sample`` finite values exist."""
    data = np.asarray(values, dtype=np.float64)
    data = data[np.isfinite(data)]
    if data.size == 0 or data.size < min_sample:
        return None
    return Fences(n=int(data.size), q1=quantile(data, 0.25), q3=quantile(data, 0.75))
