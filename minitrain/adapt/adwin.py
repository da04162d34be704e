r"""ADWIN, adaptive windowing (Bifet & Gavalda 2007), with river's buckets and decisions.

ADWIN keeps a window W of the most recent values and drops its oldest part whenever the
window's two halves, for some cut ``W = W0 . W1`` (W0 older, n0 values, mean mu0; W1 newer,
n1 values, mean mu1), have means too far apart to be one distribution:

    |mu0 - mu1| > eps_cut,
    eps_cut = sqrt(2 m sigma^2 delta') + (2/3) delta' m,
    m = 1/(n0 - l + 1) + 1/(n1 - l + 1),   delta' = ln(2 ln(n) / delta),

with n = n0 + n1 the window width, sigma^2 the variance of the values in W and
l = ``min_window_length`` (both halves must hold at least l values). The first term is the
Bernstein bound on the difference of two means of bounded variance sigma^2 (a Hoeffding
bound would use the range instead); the second is its range correction; ``delta'`` spreads
the confidence delta over the O(ln n) cuts tested (a union bound), so a stationary stream
raises a false alarm with probability at most about delta per check.

Buckets (ADWIN2's exponential histogram): W is stored as rows of buckets, a bucket of row i
summarizing 2^i consecutive values by their total and their sum of squared deviations
(``variance``, as river names it). A new value enters row 0; when a row holds
``max_buckets + 1`` buckets, its two oldest merge into one bucket of the next row:

    total = t_a + t_b,     variance = v_a + v_b + (2^i / 2) (mu_a - mu_b)^2

(the parallel-variance formula for two groups of equal size 2^i). The cuts tested are the
bucket boundaries, so a window of n values costs O(max_buckets * log n) memory and time.

Checks run every ``clock`` values once the window is longer than ``grace_period``; after a
cut, the oldest bucket is dropped and the check repeats until no cut is found. The window's
total and variance follow each value with Welford's update:

    n <- n + 1,   variance += (n - 1) (x - total / (n - 1))^2 / n,   total += x,

and lose the dropped bucket (size b, total u, variance v) by the inverse formula

    variance -= v + b n' (u/b - total'/n')^2 / (b + n')       (n', total' after removal).

As river does, the whole window is forgotten at the update that follows an alarm.
"""

from __future__ import annotations

import math

from .._validate import check_in_range, check_int
from .detectors import DriftDetector

__all__ = ["ADWIN"]


class ADWIN(DriftDetector):
    """Adaptive windowing drift detector (river's ``ADWIN``: same arguments, same alarms).

    Attributes (besides ``drift_detected``): ``width`` (values in the window), ``total``,
    ``variance`` (the window's sum of squared deviations), ``estimation`` (the window's mean),
    ``n_detections`` (alarms since the last reset).
    """

    def __init__(
        self,
        delta: float = 0.002,
        clock: int = 32,
        max_buckets: int = 5,
        min_window_length: int = 5,
        grace_period: int = 10,
    ) -> None:
        self.delta = check_in_range("delta", delta, 0.0, 1.0, low_inclusive=False)
        self.clock = check_int("clock", clock, minimum=1)
        self.max_buckets = check_int("max_buckets", max_buckets, minimum=2)
        self.min_window_length = check_int("min_window_length", min_window_length, minimum=1)
        self.grace_period = check_int("grace_period", grace_period, minimum=0)
        self.reset()

    def reset(self) -> None:
        """Forget the stream: an empty window."""
        self.drift_detected = False
        self.width = 0.0
        self.total = 0.0
        self.variance = 0.0
        self.n_detections = 0
        self._tick = 0
        self._totals: list[list[float]] = [[]]  # row i: totals of buckets of 2^i values
        self._variances: list[list[float]] = [[]]

    @property
    def estimation(self) -> float:
        """Mean of the values in the window (0 for an empty window)."""
        return self.total / self.width if self.width else 0.0

    def _update(self, x: float) -> None:
        if self.drift_detected:
            self.reset()
        self._insert(x)
        self._tick += 1
        detected = False
        if self._tick % self.clock == 0 and self.width > self.grace_period:
            while self._cut_found():
                detected = True
                self._drop_oldest()
        if detected:
            self.n_detections += 1
        self.drift_detected = detected

    def _insert(self, x: float) -> None:
        """Add x to the window (Welford) and to row 0, merging rows that overflow."""
        self.width += 1.0
        n = self.width
        if n > 1.0:
            deviation = x - self.total / (n - 1.0)
            self.variance += (n - 1.0) * deviation * deviation / n
        self.total += x
        totals, variances = self._totals, self._variances
        totals[0].append(x)
        variances[0].append(0.0)
        i = 0
        while len(totals[i]) == self.max_buckets + 1:
            size = float(1 << i)
            mu_a, mu_b = totals[i][0] / size, totals[i][1] / size
            merged = variances[i][0] + variances[i][1] + size * 0.5 * (mu_a - mu_b) * (mu_a - mu_b)
            if i + 1 == len(totals):
                totals.append([])
                variances.append([])
            totals[i + 1].append(totals[i][0] + totals[i][1])
            variances[i + 1].append(merged)
            del totals[i][:2], variances[i][:2]
            i += 1

    def _drop_oldest(self) -> None:
        """Remove the oldest bucket (the first of the last row) from the window."""
        last = len(self._totals) - 1
        size = float(1 << last)
        u, v = self._totals[last].pop(0), self._variances[last].pop(0)
        mu = u / size
        self.width -= size
        self.total -= u
        mu_window = self.total / self.width
        self.variance -= v + size * self.width * (mu - mu_window) * (mu - mu_window) / (
            size + self.width
        )
        if not self._totals[last]:
            self._totals.pop()
            self._variances.pop()

    def _cut_found(self) -> bool:
        """Whether some bucket boundary splits the window into halves with distant means.

        Cuts are tried from the oldest boundary to the newest (W0 grows, W1 shrinks); the
        boundary after the newest bucket (an empty W1) is never tried.
        """
        n0, n1, u0, u1 = 0.0, self.width, 0.0, self.total
        least = self.min_window_length
        for i in range(len(self._totals) - 1, -1, -1):
            size = float(1 << i)
            row = self._totals[i]
            for k, bucket_total in enumerate(row):
                n0 += size
                n1 -= size
                u0 += bucket_total
                u1 -= bucket_total
                if i == 0 and k == len(row) - 1:
                    return False
                if n1 >= least and n0 >= least and self._means_differ(n0, n1, u0 / n0 - u1 / n1):
                    return True
        return False

    def _means_differ(self, n0: float, n1: float, mean_gap: float) -> bool:
        """``|mu0 - mu1| > eps_cut`` (module docstring)."""
        least = self.min_window_length
        delta_prime = math.log(2.0 * math.log(self.width) / self.delta)
        m = 1.0 / (n0 - least + 1.0) + 1.0 / (n1 - least + 1.0)
        spread = 2.0 * m * (self.variance / self.width) * delta_prime
        if not spread >= 0.0:  # rounding made the variance negative: no bound, no cut
            return False
        epsilon = math.sqrt(spread) + 2.0 / 3.0 * delta_prime * m
        return abs(mean_gap) > epsilon

    def __repr__(self) -> str:
        return (
            f"ADWIN(delta={self.delta}, clock={self.clock}, max_buckets={self.max_buckets}, "
            f"min_window_length={self.min_window_length}, grace_period={self.grace_period})"
        )
