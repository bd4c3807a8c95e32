"""Drift of images and free text, watched without labels.

Each image-path column (its values name image files) and each free-text column of the compared
rows is replaced, on both sides, by numeric properties, which `drift.detect` then tests with the
table's tests and thresholds (`stattests`):

- an image column: `width` and `height` (pixels), `brightness` (mean grey level in [0, 1]) and
  `contrast` (the grey levels' standard deviation), and `embedding`;
- a text column: `length` (words), `oov_rate` (the share of a text's words outside the
  reference's vocabulary) and `embedding`.

The embedding is a fixed, cheap one, not the model's own features, so every family (and a check
with no model) gets the same: an image's 8x8 greyscale thumbnail, a text's hashed word and
word-pair counts (scikit-learn's `HashingVectorizer`). It is projected onto the reference's
first principal components, whitened, and each row's value is its distance from the reference's
centre: a shifted set lies further out. The vocabulary and the projection are cross-fitted: the
reference is split in two seeded halves, each half's rows are measured against the other half's
vocabulary and projection, and each current row against one of the two, drawn at random. So
reference and current rows are measured alike and an unshifted sample reads unshifted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from mcp_server.ml.monitoring.drift import DriftReport
    from mcp_server.ml.monitoring.impact import Impact

IMAGE = "image"
TEXT = "text"
PROPERTIES = {
    IMAGE: ("width", "height", "brightness", "contrast", "embedding"),
    TEXT: ("length", "oov_rate", "embedding"),
}
THUMBNAIL = 8  # the image embedding: an 8x8 greyscale thumbnail
HASHED = 2**12  # the text embedding's hashed features
COMPONENTS = 8  # principal components kept for the embedding distance
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class Expanded:
    """Both sides with every image or text column replaced by its properties."""

    reference: pd.DataFrame
    current: pd.DataFrame
    columns: list[str]  # the columns to test, in order
    sources: dict[str, list[str]] = field(default_factory=dict)  # content column -> properties


def content_kind(series: pd.Series) -> str | None:
    """'image' for a column of image file paths, 'text' for free text, else None."""
    import pandas as pd

    from mcp_server.ml.data.columns import Kind, infer_kind
    from mcp_server.ml.data.image_paths import is_image_column

    if is_image_column(series):
        return IMAGE
    if not pd.api.types.is_string_dtype(series.dtype):
        return None
    return TEXT if infer_kind(series, len(series)) == Kind.TEXT else None


def expand(
    reference: pd.DataFrame, current: pd.DataFrame, columns: list[str], seed: int = 0
) -> Expanded:
    """`columns` of both sides, with each image or text column replaced by its properties."""
    import pandas as pd

    ref_parts: list[pd.DataFrame] = []
    cur_parts: list[pd.DataFrame] = []
    names: list[str] = []
    sources: dict[str, list[str]] = {}
    for column in columns:
        kind = content_kind(reference[column])
        if kind is None:
            ref_parts.append(reference[[column]].reset_index(drop=True))
            cur_parts.append(current[[column]].reset_index(drop=True))
            names.append(column)
            continue
        measure = image_properties if kind == IMAGE else text_properties
        ref, cur = measure(reference[column].tolist(), current[column].tolist(), seed)
        derived = [f"{column} {p}" for p in PROPERTIES[kind]]
        ref_parts.append(pd.DataFrame(ref, columns=derived))
        cur_parts.append(pd.DataFrame(cur, columns=derived))
        names += derived
        sources[column] = derived
    return Expanded(
        pd.concat(ref_parts, axis=1) if ref_parts else reference.iloc[:, :0],
        pd.concat(cur_parts, axis=1) if cur_parts else current.iloc[:, :0],
        names,
        sources,
    )


def halves(n_reference: int, n_current: int, seed: int) -> tuple[Any, Any]:
    """Seeded half (0 or 1) of each reference row, and the half each current row is measured
    against (the other half's fit measures a reference row)."""
    rng = np.random.default_rng(seed)
    ref = rng.permutation(np.arange(n_reference) % 2)
    return ref, rng.integers(0, 2, n_current)


def embedding_distance(reference: Any, current: Any, seed: int) -> tuple[Any, Any]:
    """Cross-fitted distance from the reference's centre in whitened principal components."""
    n_ref, n_cur = reference.shape[0], current.shape[0]
    ref_half, cur_half = halves(n_ref, n_cur, seed)
    ref_out, cur_out = np.zeros(n_ref), np.zeros(n_cur)
    for half in (0, 1):
        fit_rows = reference[ref_half == half]
        if fit_rows.shape[0] < 2:  # too few rows to fit: every row measured on the whole reference
            fit_rows = reference
        project = _projection(fit_rows, seed)
        other, mine = ref_half != half, cur_half == half
        ref_out[other] = project(reference[other])
        cur_out[mine] = project(current[mine])
    return ref_out, cur_out


def _projection(rows: Any, seed: int) -> Any:
    from sklearn.decomposition import PCA, TruncatedSVD

    dense = isinstance(rows, np.ndarray)
    k = max(1, min(COMPONENTS, rows.shape[0] - 1, rows.shape[1] - 1))
    model = PCA(k, random_state=seed) if dense else TruncatedSVD(k, random_state=seed)
    fitted = model.fit_transform(rows)
    centre, scale = fitted.mean(axis=0), fitted.std(axis=0) + 1e-9

    def distance(new: Any) -> Any:
        if new.shape[0] == 0:
            return np.zeros(0)
        return np.sqrt((((model.transform(new) - centre) / scale) ** 2).mean(axis=1))

    return distance


def image_properties(reference: list[Any], current: list[Any], seed: int) -> tuple[Any, Any]:
    """Rows of (width, height, brightness, contrast, embedding) for each side's images."""
    ref_stats, ref_thumbs = _images(reference)
    cur_stats, cur_thumbs = _images(current)
    ref_dist, cur_dist = embedding_distance(ref_thumbs, cur_thumbs, seed)
    return np.column_stack([ref_stats, ref_dist]), np.column_stack([cur_stats, cur_dist])


def _images(items: list[Any]) -> tuple[Any, Any]:
    """Each image's size, brightness and contrast, and its thumbnail; unreadable ones are NaN
    (dropped by the tests, as missing values are)."""
    from PIL import Image

    from mcp_server.ml.modeling.image_io import open_image

    stats = np.full((len(items), 4), np.nan)
    thumbs = np.zeros((len(items), THUMBNAIL * THUMBNAIL))
    for i, item in enumerate(items):
        try:
            image = open_image(item)
        except ValueError:
            continue
        grey = np.asarray(image.convert("L"), dtype=np.float64) / 255.0
        stats[i] = (image.size[0], image.size[1], grey.mean(), grey.std())
        small = image.convert("L").resize((THUMBNAIL, THUMBNAIL), Image.Resampling.BILINEAR)
        thumbs[i] = np.asarray(small, dtype=np.float64).ravel() / 255.0
    return stats, thumbs


def text_properties(reference: list[Any], current: list[Any], seed: int) -> tuple[Any, Any]:
    """Rows of (length, oov_rate, embedding) for each side's texts."""
    from sklearn.feature_extraction.text import HashingVectorizer

    ref_words = [_words(t) for t in reference]
    cur_words = [_words(t) for t in current]
    ref_half, cur_half = halves(len(reference), len(current), seed)
    vocab = [
        {w for words, h in zip(ref_words, ref_half, strict=True) if h == half for w in words}
        for half in (0, 1)
    ]
    ref_oov = [_oov(words, vocab[1 - h]) for words, h in zip(ref_words, ref_half, strict=True)]
    cur_oov = [_oov(words, vocab[h]) for words, h in zip(cur_words, cur_half, strict=True)]
    hashing = HashingVectorizer(
        n_features=HASHED, ngram_range=(1, 2), alternate_sign=False, norm="l2"
    )
    ref_dist, cur_dist = embedding_distance(
        hashing.transform([" ".join(w) for w in ref_words]),
        hashing.transform([" ".join(w) for w in cur_words]),
        seed,
    )
    ref_len = [len(words) for words in ref_words]
    cur_len = [len(words) for words in cur_words]
    return (
        np.column_stack([ref_len, ref_oov, ref_dist]),
        np.column_stack([cur_len, cur_oov, cur_dist]),
    )


def _words(text: Any) -> list[str]:
    return _WORD.findall(text.lower()) if isinstance(text, str) else []


def _oov(words: list[str], vocabulary: set[str]) -> float:
    if not words:
        return float("nan")
    return sum(w not in vocabulary for w in words) / len(words)


def described(expanded: Expanded) -> list[str]:
    """A note per image or text column: what stands for it in the tests."""
    return [
        f"{column!r} tested by its properties "
        f"{', '.join(d.removeprefix(column + ' ') for d in derived)} (embedding: a fixed "
        "thumbnail or hashed-words projection, not the model's features)"
        for column, derived in expanded.sources.items()
    ]


def spread(weights: dict[str, float] | None, expanded: Expanded) -> dict[str, float] | None:
    """The model's weight of an image or text column shared evenly by its properties."""
    if weights is None:
        return None
    out = {k: v for k, v in weights.items() if k not in expanded.sources}
    for column, derived in expanded.sources.items():
        out.update(dict.fromkeys(derived, round(weights.get(column, 0.0) / len(derived), 4)))
    return out


def content_verdict(impact: Impact, report: DriftReport, expanded: Expanded) -> Impact:
    """Drift when any watched property of an image or text column drifted (its properties are
    facets of one input, as a series' level and season are), besides the table's reasons."""
    drifted = {c.column for c in report.columns if c.drifted}
    reasons = []
    for column, derived in expanded.sources.items():
        moved = [d.removeprefix(column + " ") for d in derived if d in drifted]
        if moved:
            reasons.append(f"{column}: {', '.join(moved)} drifted")
    if not reasons:
        return impact
    headline = impact.headline.removeprefix("no drift")
    if not headline.startswith("drift"):
        headline = "drift" + headline
    impact.drift, impact.headline, impact.reasons = True, headline, impact.reasons + reasons
    return impact
