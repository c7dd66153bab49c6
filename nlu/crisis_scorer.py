"""The crisis scorer: a binary logistic model over the same features as the intent classifier
(words, lexicon terms, character n-grams), trained on every line that says whether a message is
a crisis: the crisis and non-crisis examples of nlu/data/nlu.yml and the dev sets
nlu/data/crisis_dev*.yaml. The patterns (nlu/crisis.py) describe situations and are precise but
miss new wording; the scorer weighs the message as a whole (its first 2,000 characters) and
catches much of what they miss. Its probability decides every message the patterns do not settle,
and overrules a strong match it is all but certain is harmless (see CrisisDetector.decide)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nlu.featurizer import FloatArray, Vocabulary


@dataclass(frozen=True)
class CrisisScorer:
    vocabulary: Vocabulary  # its own: the dev sets bring words the intent training data lacks
    weights: FloatArray  # (features,)
    bias: float

    def probability(self, names: list[str]) -> float:
        """P(crisis) of a message given its feature names (Featurizer.features)."""
        columns, values = self.vocabulary.vectorize(names)
        margin = float(values @ self.weights[columns]) + self.bias if columns.size else self.bias
        return float(1.0 / (1.0 + np.exp(-np.clip(margin, -30.0, 30.0))))
