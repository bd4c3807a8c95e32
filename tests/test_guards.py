"""Hostile content refused before it costs anything: YAML bombs, special files, table bombs,
non-finite SPEC numbers, estimator params that name files (issue 15's medium/low findings)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mcp_server.core.errors import DataError, MoaiMlError, SpecError, WorkspaceError
from mcp_server.files.workspace import Workspace
from mcp_server.ml.data.tables import load_table
from mcp_server.ml.modeling.estimators import make_estimator
from mcp_server.ml.spec.reader import load_spec
from tests.tdd.test_spec import BLOCK, write_spec

LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [
        f"{chr(98 + i)}: &{chr(98 + i)} "
        f"[*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
        f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]"
        for i in range(8)
    ]
)


def test_a_billion_laughs_spec_is_refused_before_expansion_in_little_time(workspace: Workspace):
    spec_id = write_spec(workspace.root, BLOCK + "\nsecondary: *i\n" + LAUGHS)
    started = time.monotonic()
    with pytest.raises(SpecError, match="anchors or aliases") as info:
        load_spec(workspace, spec_id)
    assert time.monotonic() - started < 1.0
    assert len(str(info.value)) < 200


@pytest.mark.parametrize(
    "field", ["threshold", "max_latency_ms", "max_model_mb", "baseline_margin"]
)
@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan"])
def test_non_finite_spec_numbers_are_refused(workspace: Workspace, field: str, value: str):
    spec_id = write_spec(
        workspace.root,
        BLOCK + f"\n{field}: {value}"
        if field != "threshold"
        else BLOCK.replace("threshold: 0.9", f"threshold: {value}"),
    )
    with pytest.raises(SpecError, match=f"field '{field}' must be a finite number"):
        load_spec(workspace, spec_id)


def test_a_fifo_a_device_and_a_directory_are_refused_before_opening(workspace: Workspace):
    root = workspace.root
    os.mkfifo(root / "data/fifo.csv")
    (root / "data/dir.csv").mkdir()
    for rel, message in [
        ("data/fifo.csv", "not a regular file"),
        ("data/dir.csv", "is a directory"),
    ]:
        started = time.monotonic()
        with pytest.raises(MoaiMlError, match=message):
            load_table(workspace.resolve(rel, must_exist=True) if "fifo" not in rel else root / rel)
        assert time.monotonic() - started < 2
    with pytest.raises(WorkspaceError, match="not a regular file"):
        workspace.resolve("data/fifo.csv", must_exist=True)
    with pytest.raises(MoaiMlError, match="not a regular file"):
        load_table(Path("/dev/zero"))


def test_symlink_loops_and_over_long_names_get_one_clear_line(workspace: Workspace):
    (workspace.root / "loop").symlink_to(workspace.root / "loop")
    with pytest.raises(WorkspaceError, match="symlink loop"):
        workspace.resolve("loop/x.csv", must_exist=True)
    with pytest.raises(WorkspaceError, match="too long"):
        workspace.resolve("p" * 300 + ".csv")


def test_a_utf16_csv_loads(workspace: Workspace):
    source = workspace.root / "data/diabetes.csv"
    target = workspace.root / "data/utf16.csv"
    target.write_bytes(source.read_text(encoding="utf-8").encode("utf-16"))
    frame = load_table(target)
    assert frame.shape == load_table(source).shape


def test_a_parquet_bomb_is_refused_from_its_decoded_size_not_its_metadata(tmp_path: Path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    chunk = pa.table({"a": pa.array(["x" * 1000] * 20_000)})  # 20 MB decoded, a few bytes on disk
    bomb = tmp_path / "bomb.parquet"
    with pq.ParquetWriter(bomb, chunk.schema, compression="zstd") as writer:
        for _ in range(100):  # 2 GB once decoded
            writer.write_table(chunk)
    assert bomb.stat().st_size < 1_000_000  # 2 GB decoded: a ratio over 2000
    code = (
        "import sys; from pathlib import Path; from mcp_server.ml.data.tables import load_table\n"
        "from mcp_server.core.errors import DataError\n"
        f"try:\n    load_table(Path({str(bomb)!r}))\nexcept DataError as exc:\n    "
        "print('refused:', exc)\n"
        # VmHWM, not ru_maxrss: the latter keeps the forking parent's peak (a big pytest worker)
        # across exec
        "hwm = next(l for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
        "print('peak_mb', int(hwm.split()[1]) // 1024)\n"
    )
    env = {**os.environ, "MOAI_ML_MAX_MEMORY_MB": "600"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert "refused:" in done.stdout and "sample it first" in done.stdout, done.stdout + done.stderr
    assert int(done.stdout.split("peak_mb")[1]) < 700, done.stdout


def test_without_an_operators_cap_a_table_may_take_at_most_half_the_machines_memory(
    monkeypatch: pytest.MonkeyPatch,
):
    from mcp_server.ml.data.memory import available_memory_bytes, memory_cap_bytes

    monkeypatch.delenv("MOAI_ML_MAX_MEMORY_MB", raising=False)
    total = next(
        int(line.split()[1]) * 1024
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    assert 0 < memory_cap_bytes() <= total // 2
    assert available_memory_bytes() <= memory_cap_bytes()
    monkeypatch.setenv("MOAI_ML_MAX_MEMORY_MB", "300")
    assert memory_cap_bytes() == available_memory_bytes() == 300 * 2**20


@pytest.mark.parametrize(
    ("model", "params"),
    [
        ("lightgbm", {"forcedbins_filename": "/etc/passwd"}),
        ("lightgbm", {"forcedsplits_filename": "x.json"}),
        ("lightgbm", {"fs": "/etc/passwd"}),
        ("lightgbm", {"forced_splits": "x.json"}),
        ("lightgbm", {"model_in": "m.txt"}),
        ("lightgbm", {"config_file": "train.conf"}),
        ("xgboost", {"model_file": "m.json"}),
        ("random_forest", {"custom_path": "/etc/passwd"}),
    ],
)
def test_estimator_params_that_name_files_are_refused(model: str, params: dict[str, str]):
    with pytest.raises(MoaiMlError, match="names a file on the server"):
        make_estimator(model, "binary", params)


def test_every_lightgbm_alias_of_a_file_parameter_is_refused():
    """LightGBM's own alias table (read from the library) against the guard's list."""
    lightgbm = pytest.importorskip("lightgbm")
    from mcp_server.safety.guards import FILE_PARAMS

    aliases = lightgbm.basic._ConfigAliases._get_all_param_aliases()
    file_like = [
        name
        for name in aliases
        if any(word in name for word in ("file", "model", "data", "valid", "config", "machine"))
        or name in ("output_result", "machines")
    ]
    missing = {
        name: [a for a in aliases[name] if a not in FILE_PARAMS]
        for name in file_like
        if name in FILE_PARAMS
    }
    assert {k: v for k, v in missing.items() if v} == {}
    assert {"forcedsplits_filename", "input_model", "data", "valid", "config"} <= FILE_PARAMS


def test_ordinary_estimator_params_still_pass():
    assert (
        make_estimator(
            "lightgbm", "binary", {"n_estimators": 5, "boosting_type": "gbdt"}
        ).n_estimators
        == 5
    )
    with pytest.raises(DataError):
        raise DataError("sentinel")  # the error type tools catch is importable from the same place


@pytest.mark.parametrize("path", ["svc\r\nX", "a\tb", "x\x1b[31m"])
def test_paths_with_control_characters_are_refused(workspace: Workspace, path: str):
    with pytest.raises(WorkspaceError, match="control characters"):
        workspace.resolve(path)
