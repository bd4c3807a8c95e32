"""Supply chain: the exact, complete set of distributions a generated artefact depends on.

`pinned_closure` walks the installed distributions' own requirement metadata from a few roots
(fastapi, onnxruntime, ...) and pins every distribution reached to the version installed here,
so a generated service installs exactly what it was generated and tested with, transitive
dependencies included (an unpinned transitive dependency is how a compromised or broken
release reaches a build). `tests/test_supply_chain.py` audits these pins with pip-audit.
"""

from __future__ import annotations

import importlib.metadata
import re

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirements(dist: importlib.metadata.Distribution) -> list[str]:
    """Names this distribution needs on this platform (markers evaluated, extras left out)."""
    from packaging.requirements import Requirement

    out = []
    for line in dist.requires or []:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            out.append(req.name)
    return out


def pinned_closure(roots: list[str]) -> dict[str, str]:
    """{distribution: installed version} for `roots` and everything they require, sorted."""
    seen: dict[str, str] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        key = _canonical(name)
        if key in {_canonical(n) for n in seen}:
            continue
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue  # an optional requirement that is not installed here
        seen[dist.metadata["Name"]] = dist.version
        todo += _requirements(dist)
    return dict(sorted(seen.items(), key=lambda item: _canonical(item[0])))
