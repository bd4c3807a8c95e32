"""Data never becomes code in a generated file (issue 23, high 2).

Every value reaches a generated file through one escaping path (the render environment's
`finalize` and its filters), safe wherever a template puts it: Python code, a string, a
docstring, a comment, YAML and TOML. Each payload of the corpus tries to close its position and
write a marker file; the rendered files are then run (Python executed, YAML and TOML parsed)
and the marker must not exist, while each value reads back unchanged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from mcp_server.files.render import environment
from mcp_server.files.workspace import Workspace
from mcp_server.ml.scaffolds.feast import scaffold_feast

MARKER = "PWNED"
ACT = f"open({MARKER!r}, 'w').write('x')"
CORPUS = [
    f'x"""+str({ACT})+"""',
    f"x'''+str({ACT})+'''",
    f'x"+str({ACT})+"',
    f"x'+str({ACT})+'",
    f'x\\"""+str({ACT})+"""',
    f"x\n{ACT}\n#",
    f"x\r{ACT}\r#",
    f"x\u2028{ACT}\u2029#",
    f"x\x85{ACT}\x0c#",
    "x\\",
    '"""',
    "{{ 7 * 7 }} {% if 1 %}",
    f"a or {ACT}",
    f"x\": 1\n{ACT}: !!python/object/apply:os.system ['touch {MARKER}']\n#",
    f'x"\n[tool]\nkey = "{MARKER}"\n#',
    "Ünïcode «name» \t tab",
]
IDS = [f"payload{i}" for i in range(len(CORPUS))]

PYTHON = '''"""Docstring: {{ v }} | {{ v|pyrepr }} | {{ v|tojson }}."""

# comment: {{ v }} | {{ v|pyrepr }} | {{ v|tojson }}
import json


def f() -> None:
    """Function docstring {{ v }} {{ v|pyrepr }}."""


class C:
    \'\'\'Single-quoted docstring {{ v }} {{ v|pyrepr }}.\'\'\'


VALUE = {{ v|pyrepr }}
AS_JSON = {{ v|tojson }}
ITEMS = [{{ [v, v]|map("pyrepr")|join(", ") }}]
TEXT = "prefix {{ v }} suffix"  # {{ v }}
print(json.dumps([VALUE, AS_JSON, *ITEMS]))
'''
YAML = """# comment {{ v }} {{ v|tojson }}
as_json: {{ v|tojson }}
as_python: {{ v|pyrepr }}
plain: {{ v }}
"""
TOML = """# comment {{ v }} {{ v|tojson }}
[section]
as_json = {{ v|tojson }}
as_python = {{ v|pyrepr }}
"""


def render_text(template: str, value: str) -> str:
    return environment().from_string(template).render(v=value)


def run_python(path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOAI_ML")}
    return subprocess.run(
        [sys.executable, "-I", path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def assert_no_marker(root: Path) -> None:
    assert not list(root.rglob(MARKER)), "a payload ran: the marker file exists"


@pytest.mark.parametrize("value", CORPUS, ids=IDS)
def test_a_hostile_value_is_inert_in_python_code_strings_docstrings_and_comments(
    tmp_path: Path, value: str
) -> None:
    path = tmp_path / "generated.py"
    path.write_text(render_text(PYTHON, value), encoding="utf-8")
    done = run_python(path)
    assert_no_marker(tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == [value] * 4


@pytest.mark.parametrize("value", CORPUS, ids=IDS)
def test_a_hostile_value_printed_bare_in_code_never_runs(tmp_path: Path, value: str) -> None:
    path = tmp_path / "generated.py"
    path.write_text(render_text("X = {{ v }}\nITEMS = [{{ [v, v]|join(', ') }}]\n", value))
    run_python(path)
    assert_no_marker(tmp_path)


@pytest.mark.parametrize("value", CORPUS, ids=IDS)
def test_a_hostile_value_is_inert_in_yaml_and_toml_and_reads_back_unchanged(value: str) -> None:
    loaded = yaml.safe_load(render_text(YAML, value))
    assert set(loaded) == {"as_json", "as_python", "plain"}
    assert loaded["as_json"] == loaded["as_python"] == value
    table = tomllib.loads(render_text(TOML, value))
    assert table == {"section": {"as_json": value, "as_python": value}}


FAKE_FEAST = """
class _Anything:
    def __init__(self, *args, **kwargs):
        pass

    def __getattr__(self, name):
        return _Anything()

    def __call__(self, *args, **kwargs):
        return _Anything()


Entity = FeatureService = FeatureView = Field = FileSource = FeatureStore = _Anything
ValueType = _Anything()


def __getattr__(name):
    return _Anything()
"""

FEAST_NAMES = [
    (f"x\"\"\"+str({ACT})+'''", f'e"""+str({ACT})+"""', f"t'''+str({ACT})+'''"),
    (f"x'+str({ACT})+'", f'e"+str({ACT})+"', f't\\"""+str({ACT})+"""'),
]


@pytest.mark.parametrize(("stem", "entity", "timestamp"), FEAST_NAMES, ids=["triple", "single"])
def test_feast_scaffolding_of_hostile_file_and_column_names_runs_without_running_the_names(
    tmp_path: Path, stem: str, entity: str, timestamp: str
) -> None:
    (tmp_path / "data").mkdir()
    rng = np.random.default_rng(0)
    table = pd.DataFrame(
        {
            entity: np.arange(20) % 5,
            timestamp: pd.date_range("2026-01-01", periods=20),
            f"n'+str({ACT})+'": rng.normal(size=20),
            f'n"""+str({ACT})+"""': rng.normal(size=20),
        }
    )
    table.to_csv(tmp_path / "data" / f"{stem}.csv", index=False)
    ws = Workspace(tmp_path)
    out = scaffold_feast(ws, f"data/{stem}.csv", entity, timestamp_column=timestamp, name="repo")
    fake = tmp_path / "fake" / "feast"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(FAKE_FEAST, encoding="utf-8")
    (fake / "types.py").write_text(FAKE_FEAST, encoding="utf-8")
    for rel in (f for f in out.files_written if f.endswith(".py")):
        path = ws.root / rel
        code = (
            f"import sys; sys.path.insert(0, {str(fake.parent)!r}); "
            f"import runpy; runpy.run_path({path.name!r})"
        )
        done = subprocess.run(
            [sys.executable, "-I", "-c", code],
            cwd=path.parent,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert_no_marker(tmp_path)
        assert done.returncode == 0, f"{rel}: {done.stderr[-1500:]}"
