"""A multinomial linear classifier stored as plain arrays: logits = x·W + b, softmax(logits / T)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nlu.featurizer import FloatArray, IntArray


def softmax(logits: FloatArray) -> FloatArray:
    shifted = logits - np.max(logits, axis=-1, keepdims=True)
    exp = np.exp(shifted)
    result: FloatArray = (exp / np.sum(exp, axis=-1, keepdims=True)).astype(np.float32)
    return result


@dataclass(frozen=True)
class LinearClassifier:
    labels: tuple[str, ...]
    weights: FloatArray  # (features, classes)
    bias: FloatArray  # (classes,)
    temperature: float = 1.0  # fitted on out-of-fold logits so that probabilities are calibrated

    def logits(self, columns: IntArray, values: FloatArray) -> FloatArray:
        if columns.size == 0:
            return self.bias.copy()
        result: FloatArray = values @ self.weights[columns] + self.bias
        return result

    def probabilities(self, columns: IntArray, values: FloatArray) -> FloatArray:
        return softmax(self.logits(columns, values) / self.temperature)

    def ranking(self, probabilities: FloatArray) -> tuple[tuple[str, float], ...]:
        order = np.argsort(-probabilities, kind="stable")
        return tuple((self.labels[position], float(probabilities[position])) for position in order)
