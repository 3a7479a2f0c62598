"""What time a count or a published rate speaks for, so that "at week 16", "week 2" and "long term" select the
evidence that answers them, and a time nothing speaks for is said back.

- An efficacy count speaks for the week it was assessed (counts.csv `timepoint_weeks`, required for efficacy).
- A harm count speaks for the period its events were counted over: its `timepoint_weeks` if the source states
  it, else the trial's length (trials.csv `followup_weeks`).
- A rate from a pooled safety analysis speaks for its cohort: the placebo-controlled period (12 to 16 weeks) or,
  for every other cohort (all-drug cohorts, extensions: up to 108 weeks, up to 6 years), the long term.

"Long term" (and "1 year", "maintenance") is a time of LONG_TERM weeks or more: it is answered by counts over
52 weeks or more and by long-term rates.
"""

from __future__ import annotations

from knowledge.records import Count, Synthesis, Trial

LONG_TERM = 52  # weeks: "1 year", "long term", "maintenance"
OPEN = 10_000  # weeks: the open end of a long-term period
PLACEBO_PERIOD = (12, 16)  # weeks: the placebo-controlled period of the pooled safety analyses held


def count_period(count: Count, trial: Trial, is_benefit: bool) -> tuple[int, int] | None:
    """The weeks a count speaks for, as (first, last); None when neither the count nor the trial says."""
    weeks = count.timepoint_weeks if (is_benefit or count.timepoint_weeks) else trial.followup_weeks
    if weeks is None:
        return None
    return (LONG_TERM, OPEN) if weeks >= LONG_TERM and not is_benefit else (weeks, weeks)


def rate_period(synthesis: Synthesis) -> tuple[int, int]:
    """The weeks a pooled safety rate speaks for, from its cohort."""
    if "placebo-controlled" in synthesis.cohort.lower() or "placebo controlled" in synthesis.cohort.lower():
        return PLACEBO_PERIOD
    return (LONG_TERM, OPEN)


def covers(period: tuple[int, int] | None, weeks: int) -> bool:
    """Whether evidence over ``period`` answers a question about ``weeks`` (LONG_TERM or more: the long term)."""
    if period is None:
        return False
    if weeks >= LONG_TERM:
        return period[1] >= LONG_TERM
    return period[0] <= weeks <= period[1]


def when_words(weeks: int) -> str:
    """'at week 16', or 'over the long term (a year or more)'."""
    return "over the long term (a year or more)" if weeks >= LONG_TERM else f"at week {weeks}"
