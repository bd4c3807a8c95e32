"""Converter fixes and registrations skl2onnx needs for the registry's estimators.

1. HistGradientBoosting with scikit-learn 1.9 + skl2onnx 1.20 fails with "Expected an int,
   got a boolean": skl2onnx's tree walker gives leaves `missing = False` (a Python bool) for
   the `nodes_missing_value_tracks_true` attribute, which newer protobuf refuses in an ints
   field. The replacement below is the same walk with that flag as an int; it also refuses
   native categorical splits (bitsets), which the ONNX TreeEnsemble operator cannot express.
2. XGBoost and LightGBM inside a pipeline: onnxmltools' converters registered with skl2onnx,
   so the whole pipeline converts in one call.
3. HistGradientBoostingRegressor with the Poisson loss: skl2onnx writes the trees' sum, which
   is the log of the prediction; an `Exp` node after it gives what `predict` gives.
"""

from __future__ import annotations

import importlib.util
import threading
from typing import Any

from mcp_server.core.errors import MoaiMlError

_LOCK = threading.Lock()
_INSTALLED: list[bool] = []


def install_patches() -> None:
    """Idempotent: patch the HistGradientBoosting walker, register the boosting converters."""
    with _LOCK:
        if _INSTALLED:
            return
        from skl2onnx.operator_converters import random_forest

        random_forest.add_tree_to_attribute_pairs_hist_gradient_boosting = hist_tree_attribute_pairs  # type: ignore[attr-defined]
        _register_boosters()
        _register_poisson_link()
        _INSTALLED.append(True)


def hist_tree_attribute_pairs(
    attr_pairs: dict[str, Any],
    is_classifier: bool,
    tree: Any,
    tree_id: int,
    tree_weight: float,
    weight_id_bias: int,
    leaf_weights_are_counts: bool,
    adjust_threshold_for_sklearn: bool = False,
    dtype: Any = None,
) -> None:
    """skl2onnx's `add_tree_to_attribute_pairs_hist_gradient_boosting`, with int missing flags and
    thresholds adjusted so that float32 inputs split as scikit-learn splits them."""
    del adjust_threshold_for_sklearn
    from skl2onnx.common.tree_ensemble import add_node

    for node_id, node in enumerate(tree.nodes):
        leaf = bool(node["is_leaf"])
        if not leaf and bool(node["is_categorical"]):
            raise MoaiMlError(
                "HistGradientBoosting with native categorical splits cannot be expressed in ONNX; "
                "pass format='joblib' (or 'pickle', 'skops') instead"
            )
        add_node(
            attr_pairs,
            is_classifier,
            tree_id,
            tree_weight,
            node_id,
            0 if leaf else int(node["feature_idx"]),
            "LEAF" if leaf else "BRANCH_LEQ",
            0.0
            if leaf
            else node["num_threshold"],  # np.float64: a Python float compares as float32 (NEP 50)
            0 if leaf else int(node["left"]),
            0 if leaf else int(node["right"]),
            node["value"],
            weight_id_bias,
            leaf_weights_are_counts,
            # scikit-learn compares float32 inputs to float64 thresholds
            adjust_threshold_for_sklearn=True,
            dtype=dtype,
            nodes_missing_value_tracks_true=0 if leaf else int(node["missing_go_to_left"]),
        )


def _register_pair(classifier: type, regressor: type, alias: str, convert: Any) -> None:
    """Register an onnxmltools converter for a booster's classifier and regressor with skl2onnx."""
    from skl2onnx import update_registered_converter
    from skl2onnx.common.shape_calculator import (
        calculate_linear_classifier_output_shapes,
        calculate_linear_regressor_output_shapes,
    )

    clf_options = {"nocl": [True, False], "zipmap": [True, False, "columns"]}
    update_registered_converter(
        classifier,
        f"{alias}{classifier.__name__}",
        calculate_linear_classifier_output_shapes,
        convert,
        options=clf_options,
    )
    update_registered_converter(
        regressor, f"{alias}{regressor.__name__}", calculate_linear_regressor_output_shapes, convert
    )


def _register_boosters() -> None:
    if importlib.util.find_spec("xgboost") and importlib.util.find_spec("onnxmltools"):
        from onnxmltools.convert.xgboost.operator_converters.XGBoost import convert_xgboost
        from xgboost import XGBClassifier, XGBRegressor

        _register_pair(XGBClassifier, XGBRegressor, "XGBoost", convert_xgboost)
    if importlib.util.find_spec("lightgbm") and importlib.util.find_spec("onnxmltools"):
        from lightgbm import LGBMClassifier, LGBMRegressor
        from onnxmltools.convert.lightgbm.operator_converters import LightGbm
        from onnxmltools.convert.lightgbm.operator_converters.LightGbm import convert_lightgbm

        original = LightGbm.modify_tree_for_rule_in_set

        def modify_and_adjust(gbm: Any, *args: Any, **kwargs: Any) -> Any:
            result = original(gbm, *args, **kwargs)
            for tree in gbm.get("tree_info", []):
                _adjust_lightgbm_thresholds(tree.get("tree_structure", {}))
            return result

        LightGbm.modify_tree_for_rule_in_set = modify_and_adjust
        _register_pair(LGBMClassifier, LGBMRegressor, "LightGbm", convert_lightgbm)


_HGB_REGRESSOR = "SklearnHistGradientBoostingRegressor"


def _register_poisson_link() -> None:
    """skl2onnx's HistGradientBoostingRegressor converter, then `Exp` when the loss is Poisson."""
    from skl2onnx import update_registered_converter
    from skl2onnx.common._registration import get_converter, get_shape_calculator
    from sklearn.ensemble import HistGradientBoostingRegressor

    trees = get_converter(_HGB_REGRESSOR)

    def convert(scope: Any, operator: Any, container: Any) -> None:
        if getattr(operator.raw_operator, "loss", None) != "poisson":
            trees(scope, operator, container)
            return
        output = operator.outputs[0]
        final, log_prediction = output.onnx_name, scope.get_unique_variable_name("log_prediction")
        output.set_onnx_name(log_prediction)  # the trees write the log of the prediction
        try:
            trees(scope, operator, container)
        finally:
            output.set_onnx_name(final)
        container.add_node(
            "Exp", log_prediction, final, name=scope.get_unique_operator_name("PoissonLink")
        )

    update_registered_converter(
        HistGradientBoostingRegressor,
        _HGB_REGRESSOR,
        get_shape_calculator(_HGB_REGRESSOR),
        convert,
        options={"decision_path": [True, False], "decision_leaf": [True, False]},
    )


def _adjust_lightgbm_thresholds(node: dict[str, Any]) -> None:
    """LightGBM compares double inputs to double thresholds; ONNX compares float32 to float32.
    Move each `<=` threshold to the float32 that splits float32 inputs the way LightGBM does."""
    import numpy as np
    from skl2onnx.common.tree_ensemble import sklearn_threshold

    stack = [node]
    while stack:
        current = stack.pop()
        if "split_feature" not in current:
            continue
        if current.get("decision_type") == "<=" and isinstance(
            current.get("threshold"), (int, float, str)
        ):
            value = np.float64(float(current["threshold"]))
            current["threshold"] = float(sklearn_threshold(value, np.float32, "BRANCH_LEQ"))
        stack.extend(
            c
            for c in (current.get("left_child"), current.get("right_child"))
            if isinstance(c, dict)
        )
