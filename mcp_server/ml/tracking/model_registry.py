"""The MLflow 3 model registry (aliases, not stages): register a run's model as a version, read
models and versions, and turn `models:/name@alias` / `models:/name/N` into the run behind them.

`resolve_run_id` is the one resolver every tool that takes a `run_id` calls, so a registered
alias works wherever a run id does; the same URIs load with `mlflow.pyfunc.load_model`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.tracking import tags as T

if TYPE_CHECKING:
    from mcp_server.ml.tracking.store import MlflowStore as Tracker
    from mcp_server.ml.tracking.verdict import Verdict
    from mcp_server.ml.tracking.view import RunView

MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\- ]{0,199}$")
ALIAS = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]{0,99}$")
_URI = re.compile(r"^models:/(?P<name>[^/@]+?)(?:@(?P<alias>[^/@]+)|/(?P<version>[^/@]+))?$")


@dataclass
class VersionInfo:
    name: str
    version: int
    run_id: str | None
    aliases: list[str]
    tags: dict[str, str] = field(default_factory=dict)
    created_ms: int = 0


def parse_uri(uri: str) -> tuple[str, str | None, str | None]:
    """`models:/name@alias` -> (name, alias, None); `models:/name/N` -> (name, None, N);
    `models:/m-…` (a logged model id) -> (id, None, None)."""
    found = _URI.match(uri.strip())
    if not found:
        raise MoaiMlError(
            f"{uri!r} is not a model URI; use models:/<name>@<alias> or models:/<name>/<version> "
            "(ml_list_models shows them)"
        )
    return found["name"], found["alias"], found["version"]


def resolve_run_id(store: Tracker, ref: str) -> str:
    """A run id, or the run behind a `models:/` URI (registered alias or version, or logged
    model)."""
    if not ref.startswith("models:/"):
        return ref
    version = resolve_version(store, ref)
    if version.run_id:
        return version.run_id
    raise MoaiMlError(f"{ref} has no source run; register models made by the moai-ml tools")


def resolve_version(store: Tracker, uri: str) -> VersionInfo:
    from mlflow.exceptions import MlflowException

    name, alias, number = parse_uri(uri)
    client = store.client
    if alias is None and number is None:
        if name.startswith("m-"):  # a LoggedModel id (what ml_train's model_uri shows)
            try:
                logged = client.get_logged_model(name)
            except MlflowException as exc:
                raise MoaiMlError(
                    f"no logged model {name!r} in {store.describe()}; pass its run_id instead "
                    "(ml_list_runs shows them)"
                ) from exc
            return VersionInfo(name=name, version=0, run_id=logged.source_run_id, aliases=[])
        raise MoaiMlError(
            f"{uri!r} names no version; use models:/{name}@champion or models:/{name}/1 "
            "(ml_list_models shows its versions)"
        )
    model = get_model(store, name)
    try:
        if alias is not None:
            found = client.get_model_version_by_alias(name, alias)
        else:
            if number is not None and number.lower() == "latest":
                return versions(store, name)[0]
            found = client.get_model_version(name, str(int(str(number))))
    except (MlflowException, ValueError) as exc:
        aliases = sorted(getattr(model, "aliases", {}) or {})
        what = f"alias {alias!r}" if alias is not None else f"version {number!r}"
        known = f"aliases: {', '.join(aliases)}" if aliases else "it has no aliases"
        raise MoaiMlError(
            f"model {name!r} has no {what} ({known}); ml_list_models shows its versions"
        ) from exc
    return version_info(found)


def get_model(store: Tracker, name: str) -> Any:
    from mlflow.exceptions import MlflowException

    try:
        return store.client.get_registered_model(name)
    except MlflowException as exc:
        raise MoaiMlError(
            f"no registered model {name!r} in {store.describe()}; ml_list_models shows the models, "
            "ml_register_model creates one"
        ) from exc


def version_info(version: Any) -> VersionInfo:
    return VersionInfo(
        name=version.name,
        version=int(version.version),
        run_id=version.run_id,
        aliases=list(version.aliases or []),
        tags=dict(version.tags or {}),
        created_ms=int(version.creation_timestamp or 0),
    )


def versions(store: Tracker, name: str) -> list[VersionInfo]:
    """Every version of a model, newest first."""
    get_model(store, name)
    found = store.client.search_model_versions(f"name = '{_quote(name)}'", max_results=10000)
    out = sorted((version_info(v) for v in found), key=lambda v: -v.version)
    if not out:
        raise MoaiMlError(f"model {name!r} has no versions yet; ml_register_model adds one")
    return out


def _quote(name: str) -> str:
    return name.replace("'", "\\'")


def default_name(run: RunView) -> str:
    """Named after the run's SPEC (`SPEC-ML-001`, its experiment), else after its model
    family."""
    if run.spec_id:
        return T.experiment_name(run.spec_id)
    return f"moai-{run.model or 'model'}"


COPIED = (T.SPEC_ID, T.DATA_SHA256, T.DATA_PATH, T.TASK, T.MODEL)  # run tags a version carries


def register(
    store: Tracker, run: RunView, verdict: Verdict, name: str | None, description: str | None
) -> VersionInfo:
    """A new version of `name` (created if needed) holding the run's logged model, tagged with
    the run's SPEC, data and verdict (the override too, when one let the run through)."""
    if not run.model_id:
        raise MoaiMlError(
            f"register a run from ml_train or the TDD tools: run {run.run_id!r} logged no model "
            "(it is not a training run)"
        )
    name = name or default_name(run)
    if not MODEL_NAME.match(name):
        raise MoaiMlError(
            f"model name {name!r} is not valid; pass name= with letters, digits, '-', '_', '.' and "
            "spaces"
        )
    _ensure_model(store, name, run.spec_id or "")
    tags = {key: run.tags[key] for key in COPIED if run.tags.get(key)}
    tags.update({**verdict.tags(), T.GATES_PASSED: verdict.tags().get(T.GATES_PASSED, "none")})
    if verdict.overridden:
        tags.update(verdict.override_tags())
    client = store.client
    # The logged model's own artifact location: a `models:/<id>` source would be resolved against
    # the process-wide tracking URI, not this store's.
    source = client.get_logged_model(run.model_id).artifact_location
    created = client.create_model_version(
        name,
        source=source,
        run_id=run.run_id,
        tags=tags,
        description=description,
        model_id=run.model_id,
    )
    return version_info(client.get_model_version(name, created.version))


def _ensure_model(store: Tracker, name: str, spec_id: str) -> None:
    from mlflow.exceptions import MlflowException

    try:
        store.client.get_registered_model(name)
    except MlflowException:
        try:
            store.client.create_registered_model(name, tags={T.SPEC_ID: spec_id})
        except MlflowException:  # created meanwhile by another call
            store.client.get_registered_model(name)


def alias_holder(store: Tracker, name: str, alias: str) -> VersionInfo | None:
    """The version an alias points at, if any."""
    from mlflow.exceptions import MlflowException

    try:
        return version_info(store.client.get_model_version_by_alias(name, alias))
    except MlflowException:
        return None


def set_alias(
    store: Tracker, info: VersionInfo, alias: str, tags: dict[str, str], note: str | None
) -> None:
    """Point `alias` at the version, with tags on the version and, if given, its description."""
    client, version = store.client, str(info.version)
    client.set_registered_model_alias(info.name, alias, version)
    for key, value in tags.items():
        client.set_model_version_tag(info.name, version, key, value)
    if note:
        client.update_model_version(info.name, version, description=note[:4000])


def versions_of_run(store: Tracker, run_id: str) -> list[VersionInfo]:
    """Every registered version made from the run (none where the store has no registry)."""
    try:
        found = store.client.search_model_versions(f"run_id = '{_quote(run_id)}'")
    except Exception:  # a store without a registry: nothing registered
        return []
    return [version_info(v) for v in found]


def list_models(
    store: Tracker, name: str | None, limit: int
) -> list[tuple[Any, list[VersionInfo]]]:
    """(registered model, its versions newest first) for one model or every model."""
    if name is not None:
        return [(get_model(store, name), versions(store, name)[:limit])]
    out = []
    for model in store.client.search_registered_models(max_results=200):
        found = store.client.search_model_versions(
            f"name = '{_quote(model.name)}'", max_results=10000
        )
        out.append(
            (model, sorted((version_info(v) for v in found), key=lambda v: -v.version)[:limit])
        )
    return out


__all__ = [
    "VersionInfo",
    "alias_holder",
    "default_name",
    "list_models",
    "parse_uri",
    "register",
    "resolve_run_id",
    "resolve_version",
    "set_alias",
    "version_info",
    "versions",
    "versions_of_run",
]
