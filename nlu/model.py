"""The trained model as plain arrays (.npz) and JSON (vocabulary, labels, thresholds): no pickle,
loaded with numpy alone in well under a second."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nlu.crisis_scorer import CrisisScorer
from nlu.featurizer import FloatArray, Vocabulary
from nlu.linear import LinearClassifier
from nlu.neighbours import NeighbourIndex

MODEL_FILE = "model.npz"
META_FILE = "meta.json"
GATE_FEATURES = (
    "p_oos",
    "p_best_in_domain",
    "nearest_in_domain",
    "nearest_out_of_scope",
    "coverage",
    "lexicon_terms",
    "child",
)


@dataclass(frozen=True)
class Gate:
    """Logistic regression over GATE_FEATURES -> probability that a message is out of scope."""

    coefficients: FloatArray
    intercept: float

    def probability(self, signals: FloatArray) -> float:
        value = float(np.dot(self.coefficients, signals) + self.intercept)
        return float(1.0 / (1.0 + np.exp(-np.clip(value, -30, 30))))


@dataclass(frozen=True)
class Calibrator:
    """Platt scaling of the raw confidence: sigmoid(a * logit(p) + b), fitted out of fold."""

    slope: float = 1.0
    intercept: float = 0.0

    def apply(self, raw: float) -> float:
        clipped = min(max(raw, 1e-6), 1 - 1e-6)
        logit = np.log(clipped / (1 - clipped))
        return float(1.0 / (1.0 + np.exp(-(self.slope * logit + self.intercept))))


@dataclass(frozen=True)
class Model:
    vocabulary: Vocabulary
    classifier: LinearClassifier  # flat labels: intents, and ask_entitlement/<topic>
    neighbours: NeighbourIndex
    gate: Gate
    calibrator: Calibrator
    crisis_scorer: CrisisScorer
    crisis_thresholds: dict[str, float]
    recommended_threshold: float
    digest: str
    code_version: str
    info: dict[str, Any] = field(default_factory=dict)  # training figures, for reports
    # what each crisis pattern needs in a text (nlu/crisis.py, LiteralTable), so loading skips the analysis
    crisis_literals: dict[str, frozenset[str] | None] = field(default_factory=dict)

    def save(self, directory: Path) -> None:
        """Write atomically: a half-written model is never loaded."""
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=directory.parent))
        np.savez(
            staging / MODEL_FILE,
            idf=self.vocabulary.idf,
            weights=self.classifier.weights,
            bias=self.classifier.bias,
            indptr=self.neighbours.indptr,
            rows=self.neighbours.rows,
            values=self.neighbours.values,
            in_domain=self.neighbours.in_domain,
            gate=self.gate.coefficients,
            crisis_idf=self.crisis_scorer.vocabulary.idf,
            crisis_weights=self.crisis_scorer.weights,
        )
        meta = {
            "code_version": self.code_version,
            "digest": self.digest,
            "labels": list(self.classifier.labels),
            "temperature": self.classifier.temperature,
            "gate_intercept": self.gate.intercept,
            "gate_features": list(GATE_FEATURES),
            "calibrator": [self.calibrator.slope, self.calibrator.intercept],
            "crisis_bias": self.crisis_scorer.bias,
            "crisis_thresholds": self.crisis_thresholds,
            "recommended_threshold": self.recommended_threshold,
            "info": self.info,
            "vocabulary": _names(self.vocabulary),
            "crisis_vocabulary": _names(self.crisis_scorer.vocabulary),
            "crisis_literals": {
                pattern: None if literals is None else sorted(literals)
                for pattern, literals in self.crisis_literals.items()
            },
        }
        (staging / META_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        if directory.exists():
            shutil.rmtree(directory, ignore_errors=True)
        try:
            os.replace(staging, directory)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)  # another process won the race: theirs is as good


def _names(vocabulary: Vocabulary) -> list[str]:
    return sorted(vocabulary.index, key=vocabulary.index.__getitem__)


def _vocabulary(names: list[str], idf: FloatArray) -> Vocabulary:
    return Vocabulary({name: column for column, name in enumerate(names)}, idf)


def load_model(directory: Path) -> Model:
    meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
    with np.load(directory / MODEL_FILE, allow_pickle=False) as arrays:
        idf = arrays["idf"]
        weights = arrays["weights"]
        bias = arrays["bias"]
        neighbours = NeighbourIndex(arrays["indptr"], arrays["rows"], arrays["values"], arrays["in_domain"])
        gate = Gate(arrays["gate"], float(meta["gate_intercept"]))
        crisis_scorer = CrisisScorer(
            _vocabulary(meta["crisis_vocabulary"], arrays["crisis_idf"]),
            arrays["crisis_weights"],
            float(meta["crisis_bias"]),
        )
    vocabulary = _vocabulary(meta["vocabulary"], idf)
    slope, intercept = meta["calibrator"]
    return Model(
        vocabulary=vocabulary,
        classifier=LinearClassifier(tuple(meta["labels"]), weights, bias, float(meta["temperature"])),
        neighbours=neighbours,
        gate=gate,
        calibrator=Calibrator(float(slope), float(intercept)),
        crisis_scorer=crisis_scorer,
        crisis_thresholds={str(key): float(value) for key, value in meta["crisis_thresholds"].items()},
        recommended_threshold=float(meta["recommended_threshold"]),
        digest=str(meta["digest"]),
        code_version=str(meta["code_version"]),
        info=dict(meta.get("info") or {}),
        crisis_literals={
            str(pattern): None if literals is None else frozenset(map(str, literals))
            for pattern, literals in (meta.get("crisis_literals") or {}).items()
        },
    )
