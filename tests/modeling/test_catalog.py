"""What other modules ask of the registry is derived from its one table: the default search, the
portfolio, the first choice, the runtimes and the tool descriptions."""

from __future__ import annotations

from mcp_server.ml.modeling import catalog
from mcp_server.ml.modeling.registry import REGISTRY
from mcp_server.ml.tuning.portfolio import default_families, portfolio


def test_a_search_without_models_covers_the_auto_families_cheapest_first():
    for task in ("binary", "regression"):
        families = default_families(task)
        assert families == sorted(families, key=lambda name: REGISTRY[name].cost)
        assert set(families) == {
            s.name for s in REGISTRY.values() if s.auto_search and task in s.tasks and s.available()
        }


def test_the_portfolio_tries_each_familys_registry_configurations_round_by_round():
    families = default_families("binary")
    spaces = {f: REGISTRY[f].search_space for f in families}
    tried = portfolio(families, spaces)
    first_round = [family for family, _ in tried[: len(families)]]
    assert first_round == families
    assert len(tried) == sum(len(REGISTRY[f].portfolio) for f in families)


def test_the_first_choice_is_a_fast_linear_model_for_small_tables_and_one_family_for_large():
    small = {catalog.default_model(t, 100) for t in ("binary", "multiclass", "regression")}
    large = {catalog.default_model(t, 100_000) for t in ("binary", "multiclass", "regression")}
    assert all(REGISTRY[m].needs_scaling and REGISTRY[m].cost <= 2 for m in small)
    assert len(large) == 1 and REGISTRY[large.pop()].first_choice == "large"


def test_each_dedicated_serving_runtime_serves_the_named_families_of_one_library():
    for runtime in ("torchserve", "tfserving"):
        specs = catalog.served_by(runtime)
        assert specs and all(s.name in REGISTRY for s in specs)
        assert len({s.label for s in specs}) == 1 and specs[0].label
    torch_families = catalog.served_by("torchserve")
    assert {s.data_kinds for s in torch_families} == {("table",), ("images",)}
    assert any(s.takes_text for s in torch_families)


def test_tool_descriptions_name_the_registry_families():
    import anyio

    from mcp_server.entry.server import build_server

    tools = {t.name: t.input_schema for t in anyio.run(build_server().list_tools)}
    model = tools["ml_train"]["properties"]["model"]["description"]
    assert all(name in model for name in REGISTRY)
    runtime = tools["ml_generate_serving"]["properties"]["runtime"]["description"]
    assert all(s.name in runtime for s in catalog.served_by("torchserve"))
    space = str(tools["ml_tune"]["properties"]["search_space"])
    assert catalog.space_example() in space.replace("\\", "")
