"""Cosine similarity of a message to every training example, through an inverted index over the
same tf-idf vectors the classifier uses. Gives the domain-relevance signal for out-of-scope
detection: how close the message is to anything in-domain, and to anything out-of-scope."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nlu.featurizer import FloatArray, IntArray


@dataclass(frozen=True)
class NeighbourIndex:
    indptr: npt.NDArray[np.int64]  # (features + 1,) postings of feature f: [indptr[f], indptr[f + 1])
    rows: IntArray  # example ids
    values: FloatArray  # tf-idf weights
    in_domain: npt.NDArray[np.bool_]  # (examples,) True unless the example is out_of_scope

    @classmethod
    def build(
        cls, vectors: list[tuple[IntArray, FloatArray]], features: int, in_domain: list[bool]
    ) -> NeighbourIndex:
        columns = np.concatenate([cols for cols, _ in vectors]) if vectors else np.zeros(0, np.int32)
        weights = np.concatenate([vals for _, vals in vectors]) if vectors else np.zeros(0, np.float32)
        rows = np.concatenate([np.full(len(cols), row, np.int32) for row, (cols, _) in enumerate(vectors)])
        order = np.argsort(columns, kind="stable")
        counts = np.bincount(columns, minlength=features)
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return cls(
            indptr,
            rows[order].astype(np.int32),
            weights[order].astype(np.float32),
            np.array(in_domain, dtype=np.bool_),
        )

    def similarities(self, columns: IntArray, values: FloatArray) -> FloatArray:
        size = len(self.in_domain)
        if columns.size == 0 or size == 0:
            return np.zeros(size, dtype=np.float32)
        starts = self.indptr[columns]
        ends = self.indptr[columns + 1]
        lengths = ends - starts
        if int(lengths.sum()) == 0:
            return np.zeros(size, dtype=np.float32)
        # Positions of every posting of every query feature, without a Python loop.
        offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
        positions = np.arange(int(lengths.sum())) + offsets
        weights = self.values[positions] * np.repeat(values, lengths)
        result: FloatArray = np.bincount(self.rows[positions], weights=weights, minlength=size).astype(
            np.float32
        )
        return result

    def nearest(
        self, columns: IntArray, values: FloatArray, exclude: int | None = None
    ) -> tuple[float, float]:
        """(best similarity to an in-domain example, best similarity to an out-of-scope example)."""
        scores = self.similarities(columns, values)
        if exclude is not None:
            scores[exclude] = 0.0
        inside = scores[self.in_domain]
        outside = scores[~self.in_domain]
        return (float(inside.max()) if inside.size else 0.0, float(outside.max()) if outside.size else 0.0)
