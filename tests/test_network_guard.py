"""An indirect estimate with almost no indirect evidence has a huge standard error: its interval end must read
as unbounded, never raise OverflowError (found when data 2026.12.0 added BREEZE-AD2 to the EASI-75 network and
a by-background sub-network of the synthetic head-to-head test crashed the answer)."""

from __future__ import annotations

import math

from analysis.network_results import make_estimate


def test_a_huge_standard_error_gives_an_unbounded_interval_not_an_overflow():
    e = make_estimate("OR", "a", "b", 0.5, 1.0e4)
    assert e.ci_high == math.inf and e.ci_low == 0.0 and e.estimate == math.exp(0.5)
