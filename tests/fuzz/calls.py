"""The calls of the fuzz campaign: arguments drawn from a tool's input schema, a base call that
works, and hostile calls that replace one of its fields with the corpus (tests/fuzz/corpus.py)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hseed

from tests.fuzz import corpus
from tests.fuzz.schema_strategy import arguments

# Values meant to keep a successful call cheap (the corpus mutates one field of such a call).
CHEAP = {
    "model": "logistic_regression",
    "models": ["logistic_regression"],
    "cv_folds": 2,
    "time_budget_s": 60,
    "n_trials": 2,
    # ml_generate_serving: "auto" converts to ONNX and checks parity first (about twice the
    # cost of a joblib service); the field itself still gets the corpus like every other
    "runtime": "joblib",
}
PATHLIKE = ("path", "dir", "dataset", "file")


def examples_of(schema: dict[str, Any], n: int, seed: int) -> list[dict[str, Any]]:
    """`n` argument dicts drawn by hypothesis from the tool's own input schema."""
    out: list[dict[str, Any]] = []
    strategy = arguments(schema)

    @hseed(seed)
    @settings(
        max_examples=n,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(args: dict[str, Any]) -> None:
        out.append(args)

    collect()
    return out


def base_call(schema: dict[str, Any], values: dict[str, Any], cheap: bool) -> dict[str, Any]:
    """A call that works: required fields filled from `values` (by name), cheap knobs set."""
    props = schema.get("properties", {})
    args = {name: values[name] for name in schema.get("required", []) if name in values}
    for name in schema.get("required", []):
        if name not in args:
            spec = props.get(name, {})
            args[name] = spec.get("default", (spec.get("enum") or ["x"])[0])
    if cheap:
        args.update({name: value for name, value in CHEAP.items() if name in props})
    return args


def hostile_calls(
    schema: dict[str, Any],
    base: dict[str, Any],
    tricks: dict[str, list[str]],
    plan: str,
    rng: random.Random,
) -> Iterator[dict[str, Any]]:
    """One field of the base call replaced per call; plus unknown fields. The plan says how much
    of the corpus each field gets: "full" every junk value and every path trick on every field;
    "fields" one value of each junk class on every field, every trick on a path-like one;
    "classes" (a tool whose every call costs seconds) each junk class once across the tool's
    fields (every executing payload), and on a path-like field every trick that points outside
    the workspace and one of each other trick class."""
    fields = sorted(schema.get("properties", {}))
    junk = corpus.junk_classes()
    if plan == "full":
        for name in fields:
            for value in [*corpus.junk_values(), *(t for ts in tricks.values() for t in ts)]:
                yield {**base, name: value}
    else:
        per_field = _junk_per_field(fields, junk, plan == "fields", rng)
        for name in fields:
            values = per_field[name]
            if any(word in name for word in PATHLIKE):
                values = values + _tricks(tricks, every=plan == "fields", rng=rng)
            for value in values:
                yield {**base, name: value}
    yield {**base, "zz_unknown_field": 1}
    yield {**base, "__proto__": {"admin": True}}


def _junk_per_field(
    fields: list[str], junk: dict[str, list[Any]], each: bool, rng: random.Random
) -> dict[str, list[Any]]:
    """One value of every junk class per field (`each`), or the classes dealt across the
    fields: one value of each class and every executing payload, each field getting one at
    least."""
    if each:
        return {name: [rng.choice(values) for values in junk.values()] for name in fields}
    picks = [
        value
        for kind, values in junk.items()
        for value in (values if kind == "executing" else [rng.choice(values)])
    ]
    per_field: dict[str, list[Any]] = {name: [] for name in fields}
    for i in range(max(len(picks), len(fields)) if fields else 0):
        per_field[fields[i % len(fields)]].append(picks[i % len(picks)])
    return per_field


def _tricks(tricks: dict[str, list[str]], every: bool, rng: random.Random) -> list[str]:
    """Every path trick, or those pointing outside the workspace and one of each other class."""
    return [
        trick
        for kind, values in tricks.items()
        for trick in (values if every or kind in corpus.ESCAPING else [rng.choice(values)])
    ]
