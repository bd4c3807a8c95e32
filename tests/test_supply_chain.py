"""Known vulnerabilities in what the project and its generated services pin, via pip-audit.

Decision (SECURITY.md): a known vulnerability fails this test with one line per finding (the
package, the version, the advisory id and the fixed versions). When the vulnerability database
cannot be reached (no network, or an index proxy without PyPI's per-release JSON API), the test
is SKIPPED with the reason, shown in pytest's summary: never a silent pass, never a red build for
want of a network.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mcp_server.ml.serving.service import dev_versions, versions
from mcp_server.safety.supply_chain import pinned_closure

OWN = "moai-domain-ml"


def _locks() -> dict[str, dict[str, str]]:
    project = {k: v for k, v in pinned_closure([OWN]).items() if k != OWN}
    service: dict[str, str] = {}
    for runtime, model in (
        ("onnx", "random_forest"),
        ("joblib", "xgboost"),
        ("joblib", "lightgbm"),
    ):
        service.update(versions(runtime, model))
    service.update(pinned_closure(list(dev_versions())))
    return {"project": project, "generated service": service}


def _audit(requirements: Path, service: str) -> dict[str, object]:
    cmd = [
        sys.executable,
        "-m",
        "pip_audit",
        "-r",
        str(requirements),
        "--no-deps",
        "--disable-pip",
        "-s",
        service,
        "-f",
        "json",
        "--progress-spinner",
        "off",
        "--timeout",
        "20",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    try:
        return dict(json.loads(done.stdout))
    except ValueError:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"dependencies": [], "error": last[:300]}


@pytest.mark.external  # pip-audit's vulnerability database (network)
def test_the_pinned_dependencies_have_no_known_vulnerabilities(tmp_path: Path):
    findings, unaudited = [], []
    for what, pins in _locks().items():
        assert pins and all(version for version in pins.values()), what
        requirements = tmp_path / f"{what.replace(' ', '-')}.txt"
        requirements.write_text("".join(f"{name}=={version}\n" for name, version in pins.items()))
        for service in ("pypi", "osv"):  # the second database when the first answered nothing
            report = _audit(requirements, service)
            deps = [d for d in report.get("dependencies", []) if isinstance(d, dict)]  # type: ignore[attr-defined]
            audited = [d for d in deps if "skip_reason" not in d]
            if audited:
                break
        if not audited:
            reason = report.get("error") or next(
                (d["skip_reason"] for d in deps if "skip_reason" in d), "unknown"
            )
            unaudited.append(
                f"{what} ({len(pins)} pins): vulnerability database unreachable: "
                f"{str(reason)[:160]}"
            )
            continue
        for dep in audited:
            for vuln in dep.get("vulns", []):
                fixed = ", ".join(vuln.get("fix_versions", [])) or "no fixed release yet"
                findings.append(
                    f"{what}: {dep['name']}=={dep['version']} has {vuln['id']} (fixed in {fixed})"
                )
    assert not findings, "known vulnerabilities in pinned dependencies:\n" + "\n".join(findings)
    if unaudited:
        pytest.skip("NOT AUDITED - " + "; ".join(unaudited))
