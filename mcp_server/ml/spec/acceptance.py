"""`acceptance.md` beside a SPEC: Given/When/Then scenarios, and which of them become tests.

MoAI's current format (tier M and up) keeps the acceptance criteria in `acceptance.md`, two or
more scenarios written Given/When/Then. A scenario that names a metric with a number ("Then the
holdout recall is at least 0.93") becomes a gate test on the seeded holdout; one that names a
behaviour the generated tests know (missing values, unseen categories, one-row latency, model
size, the same seed, reloading the saved model, beating the dummy baseline) becomes a test of
that behaviour with the scenario's numbers. Any other scenario is reported, not guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_HEADING = re.compile(r"^#{2,4}[ \t]+(?:Scenario[ \t]*[\w.-]*[:.][ \t]*)?(.+?)[ \t]*$", re.M | re.I)
_CLAUSE = re.compile(r"^[\s>*-]*(?:\*\*)?(Given|When|Then|And)(?:\*\*)?[:\s]+(.+)$", re.I)
_NUMBER = r"(-?\d+(?:\.\d+)?)\s*(%|ms|milliseconds?|mb|mib)?"
_AT_LEAST = r"(?:at least|>=|≥|no less than|above|over|greater than|not below)"
_AT_MOST = r"(?:at most|<=|≤|no more than|below|under|less than|not above|within)"
ALIASES = {
    "roc_auc": ("roc-auc", "roc auc", "roc_auc", "auroc", "auc"),
    "r2": ("r²", "r2", "r-squared", "r squared"),
    "f1_macro": ("macro f1", "f1 macro", "f1_macro"),
    "f1": ("f1-score", "f1 score", "f1"),
    "balanced_accuracy": ("balanced accuracy", "balanced_accuracy"),
    "accuracy": ("accuracy",),
    "precision": ("precision",),
    "recall": ("recall", "sensitivity"),
    "rmse": ("rmse",),
    "mae": ("mae",),
    "mape": ("mape",),
    "log_loss": ("log loss", "log_loss", "logloss"),
}
BEHAVIOURS = (
    ("latency", r"latency|millisecond|\bms\b|one-row prediction"),
    ("size", r"\bmb\b|\bmib\b|model size|file size"),
    ("missing_values", r"missing|unseen|new categor|\bnan\b|empty value"),
    ("reproducible", r"same seed|reproduc|same predictions|twice"),
    ("reload", r"reload|saved model|after saving"),
    ("baseline", r"baseline|dummy"),
)


@dataclass
class Scenario:
    title: str
    given: str
    when: str
    then: str
    kind: str | None = None  # metric | behaviour | None (not automated)
    check: str | None = None  # the metric name or the behaviour
    value: float | None = None  # threshold (metric) or budget (latency ms, size MB)
    direction: str | None = None  # max | min, for metrics

    @property
    def label(self) -> str:
        return re.sub(r"\s+", " ", self.title).strip()[:80]


def read(spec_file: Path) -> list[Scenario]:
    """The scenarios of `acceptance.md` next to `spec_file` (none when there is no such file)."""
    path = spec_file.parent / "acceptance.md"
    if not path.is_file():
        return []
    from mcp_server.ml.spec.document import read_spec_text

    return parse(read_spec_text(path, "the SPEC's acceptance.md"))


def parse(text: str) -> list[Scenario]:
    out: list[Scenario] = []
    marks = list(_HEADING.finditer(text))
    for i, mark in enumerate(marks):
        block = text[mark.end() : marks[i + 1].start() if i + 1 < len(marks) else len(text)]
        clauses: dict[str, list[str]] = {"given": [], "when": [], "then": []}
        last = "given"
        for line in block.splitlines():
            found = _CLAUSE.match(line)
            if found:
                word = found.group(1).lower()
                last = last if word == "and" else word
                clauses[last].append(found.group(2).strip())
        if clauses["then"]:
            given, when, then = (" ".join(clauses[k]) for k in ("given", "when", "then"))
            out.append(classify(Scenario(mark.group(1), given, when, then)))
    return out


def classify(scenario: Scenario) -> Scenario:
    """Find the metric (with its number) or the behaviour the scenario names."""
    text = f"{scenario.title} {scenario.given} {scenario.when} {scenario.then}".lower()
    for metric, names in ALIASES.items():
        for name in names:
            match = re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])(.*)", text)
            number = (
                re.search(rf"({_AT_LEAST}|{_AT_MOST})?\s*{_NUMBER}", match.group(1))
                if match
                else None
            )
            if number:
                value = float(number.group(2)) / (100 if number.group(3) == "%" else 1)
                direction = (
                    None
                    if not number.group(1)
                    else ("max" if re.match(_AT_LEAST, number.group(1)) else "min")
                )
                scenario.kind, scenario.check, scenario.value, scenario.direction = (
                    "metric",
                    metric,
                    value,
                    direction,
                )
                return scenario
    for behaviour, pattern in BEHAVIOURS:
        if re.search(pattern, text):
            number = re.search(_NUMBER, text) if behaviour in ("latency", "size") else None
            scenario.kind, scenario.check = "behaviour", behaviour
            scenario.value = float(number.group(1)) if number else None
            return scenario
    return scenario
