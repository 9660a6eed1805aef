"""Judging a disparity against a threshold with its interval: pass, fail or inconclusive.

A point estimate on one side of a threshold says little when its interval reaches the other side;
calling that a pass (or a fail) is how a re-run on another sample flips a decision. So a rule
passes only when the whole interval is on the good side, fails only when the whole interval is
on the bad side, and is inconclusive otherwise, or when a group it compares has too few of the
rows its rates are shares of. Gates read the verdicts; :func:`judge` is public so a policy with
its own threshold judges the stored interval the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

PASS, FAIL, INCONCLUSIVE = "pass", "fail", "inconclusive"


@dataclass(frozen=True)
class Rule:
    metric: str
    op: str
    """``>=``: the value must be at least ``threshold``; ``<=``: at most."""
    threshold: float
    name: str
    meaning: str
    """What the metric measures, as a phrase ("the lowest selection rate as a share of the
    highest")."""
    denominators: tuple[str, ...]
    """The group counts its rates are shares of; each must reach the minimum for a verdict."""


BINARY_RULES = (
    Rule("demographic_parity_ratio", ">=", 0.8, "four-fifths rule",
         "the lowest group selection rate as a share of the highest", ("count",)),
    Rule("equalized_odds_difference", "<=", 0.1, "equalized odds",
         "the largest gap between groups in true- or false-positive rate", ("positives", "negatives")),
)
MULTICLASS_RULES = (
    Rule("selection_rate_ratio", ">=", 0.8, "four-fifths rule, worst class",
         "the lowest group rate of being predicted a class as a share of the highest, for the "
         "worst class", ("count",)),
    Rule("recall_difference", "<=", 0.1, "equal opportunity, worst class",
         "the largest gap between groups in recall, for the worst class", ("class_counts",)),
)


def judge(value: float | None, low: float | None, high: float | None, op: str,
          threshold: float) -> str:
    """The verdict of an estimate and its interval against ``value op threshold``."""
    if value is None or low is None or high is None:
        return INCONCLUSIVE
    good_low, good_high = (low >= threshold, high >= threshold) if op == ">=" else (
        high <= threshold, low <= threshold)
    if good_low:
        return PASS
    if not good_high:
        return FAIL
    return INCONCLUSIVE


def verdict(rule: Rule, value, low, high, short: list[str], minimum: int) -> dict:
    """One rule's verdict with its reading; ``short`` names groups below ``minimum``."""
    outcome = INCONCLUSIVE if short else judge(value, low, high, rule.op, rule.threshold)
    side = "at least" if rule.op == ">=" else "at most"
    required = f"the rule ({rule.name}) requires {side} {rule.threshold:g}"
    if value is None:
        text = f"Inconclusive: {rule.meaning} cannot be computed (fewer than two groups have the rates it needs)."
    elif short:
        text = (
            f"Inconclusive: {rule.meaning} is {value:.2f} ({_interval(low, high)}), but "
            f"{', '.join(short)} {'has' if len(short) == 1 else 'have'} fewer than {minimum} of "
            f"the rows it is computed from, so the value is not reliable; {required}."
        )
    elif outcome == PASS:
        text = f"Passes: {rule.meaning} is {value:.2f} ({_interval(low, high)}); {required}, and the whole interval meets it."
    elif outcome == FAIL:
        text = f"Fails: {rule.meaning} is {value:.2f} ({_interval(low, high)}); {required}, and the whole interval misses it."
    else:
        text = (
            f"Inconclusive: {rule.meaning} is {value:.2f}, but {_interval(low, high)} straddles "
            f"{rule.threshold:g}; {required}, and this sample cannot tell which side it is on."
        )
    return {
        "rule": rule.name, "metric": rule.metric, "op": rule.op, "threshold": rule.threshold,
        "value": value, "low": low, "high": high, "verdict": outcome,
        "insufficient_groups": short, "reading": text,
    }


def _interval(low, high) -> str:
    if low is None or high is None:
        return "no interval"
    return f"95% interval {low:.2f} to {high:.2f}"
