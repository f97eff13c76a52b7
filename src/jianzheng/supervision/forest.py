"""A random forest stored as JSON trees, and its vectorised prediction (no pickle, no sklearn).

The screen classifier is trained with scikit-learn by ``benchmarks/train_screen_model.py``
and exported tree by tree (feature, threshold, children, leaf probability of collusion) to
``models/screen_forest.json``; this module loads and evaluates it with numpy, so running
the indicator needs neither scikit-learn nor unpickling code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

import numpy as np
import numpy.typing as npt

FORMAT = "jianzheng-forest-v1"
MODEL_RESOURCE = "models/screen_forest.json"


class ModelFileError(ValueError):
    """The model file is missing, of another format, or inconsistent."""


@dataclass(frozen=True)
class Tree:
    feature: npt.NDArray[np.int64]  # -1 at leaves
    threshold: npt.NDArray[np.float64]
    left: npt.NDArray[np.int64]
    right: npt.NDArray[np.int64]
    probability: npt.NDArray[np.float64]  # P(collusive) at each node (used at leaves)


@dataclass(frozen=True)
class Forest:
    features: tuple[str, ...]
    medians: npt.NDArray[np.float64]
    trees: tuple[Tree, ...]
    metadata: dict[str, Any]

    def predict_proba(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """P(collusive) per row of ``x`` (columns in `features` order; NaN is imputed)."""
        x = np.array(x, dtype=np.float64, copy=True)
        if x.ndim != 2 or x.shape[1] != len(self.features):
            raise ModelFileError(
                f"特征矩阵应有 {len(self.features)} 列。 / The feature matrix must have {len(self.features)} columns."
            )
        missing = ~np.isfinite(x)
        if missing.any():
            x[missing] = np.broadcast_to(self.medians, x.shape)[missing]
        total = np.zeros(x.shape[0], dtype=np.float64)
        rows = np.arange(x.shape[0])
        for tree in self.trees:
            node = np.zeros(x.shape[0], dtype=np.int64)
            while True:
                feature = tree.feature[node]
                inner = feature >= 0
                if not inner.any():
                    break
                go_left = x[rows, np.where(inner, feature, 0)] <= tree.threshold[node]
                node = np.where(inner, np.where(go_left, tree.left[node], tree.right[node]), node)
            total += tree.probability[node]
        result: npt.NDArray[np.float64] = total / len(self.trees)
        return result


def forest_from_json(data: dict[str, Any]) -> Forest:
    if data.get("format") != FORMAT:
        raise ModelFileError(f"模型文件格式应为 {FORMAT}。 / The model file format must be {FORMAT}.")
    features = tuple(str(f) for f in data["features"])
    trees = []
    for raw in data["trees"]:
        tree = Tree(
            feature=np.asarray(raw["feature"], dtype=np.int64),
            threshold=np.asarray(raw["threshold"], dtype=np.float64),
            left=np.asarray(raw["left"], dtype=np.int64),
            right=np.asarray(raw["right"], dtype=np.int64),
            probability=np.asarray(raw["probability"], dtype=np.float64),
        )
        sizes = {a.size for a in (tree.feature, tree.threshold, tree.left, tree.right, tree.probability)}
        if len(sizes) != 1 or int(tree.feature.max(initial=-1)) >= len(features):
            raise ModelFileError("模型树结构不一致。 / A tree in the model file is inconsistent.")
        trees.append(tree)
    if not trees:
        raise ModelFileError("模型文件中没有树。 / The model file holds no trees.")
    return Forest(
        features=features,
        medians=np.asarray(data["medians"], dtype=np.float64),
        trees=tuple(trees),
        metadata=dict(data.get("metadata", {})),
    )


@lru_cache(maxsize=1)
def shipped_forest() -> Forest:
    """The screen classifier shipped with the package."""
    resource = files("jianzheng.supervision").joinpath(MODEL_RESOURCE)
    try:
        data = json.loads(resource.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ModelFileError(f"找不到模型文件 {MODEL_RESOURCE}。 / Model file {MODEL_RESOURCE} not found.") from error
    return forest_from_json(data)
