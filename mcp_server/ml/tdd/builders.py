"""The render-context builders of each TDD template set, chosen by the set's name (the data
kind's `routes.tdd_templates`): `tdd` (a table: `tdd.context`), `tdd_series` (a time series:
`tdd.series_context`) and `tdd_images` (an image folder or a table of image paths:
`tdd.image_context`). Each gives `test_context`, `pipeline_context` and `selection_context`."""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

from mcp_server.core.errors import SpecError
from mcp_server.ml.tdd import context, image_context, series_context

if TYPE_CHECKING:
    from mcp_server.ml.tdd.spec_data import SpecData

BUILDERS: dict[str, ModuleType] = {
    "tdd": context,
    "tdd_series": series_context,
    "tdd_images": image_context,
}


def builders(prep: SpecData) -> ModuleType:
    """The context builders of the SPEC's template set."""
    found = BUILDERS.get(prep.templates)
    if found is None:
        raise SpecError(
            f"the TDD cycle has no context builders for template set {prep.templates!r}; use "
            f"ml_compare_models and ml_train with spec_id={prep.spec.spec_id!r}"
        )
    return found
