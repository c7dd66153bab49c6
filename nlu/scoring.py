"""From flat label probabilities to intent and topic distributions, and the out-of-scope gate.

The classifier's labels are the intents plus `ask_entitlement/<topic>`; the intent distribution
sums the topic labels into ask_entitlement, the topic distribution renormalises them. The gate's
out-of-scope probability replaces the classifier's, and the other intents share the rest."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from nlu.featurizer import FloatArray
from nlu.result import ASK_ENTITLEMENT, OUT_OF_SCOPE


@dataclass(frozen=True)
class LabelSpace:
    """Where each flat label goes: its intent, and (for ask_entitlement) its topic."""

    labels: tuple[str, ...]
    intents: tuple[str, ...]
    topics: tuple[str, ...]
    intent_of_label: np.ndarray  # (labels,) index into intents
    topic_columns: np.ndarray  # label positions of ask_entitlement/<topic>, in the order of `topics`

    @classmethod
    def of(cls, labels: tuple[str, ...]) -> LabelSpace:
        intents = tuple(sorted({label.split("/", 1)[0] for label in labels}))
        topic_labels = [label for label in labels if label.startswith(f"{ASK_ENTITLEMENT}/")]
        topics = tuple(label.split("/", 1)[1] for label in topic_labels)
        return cls(
            labels=labels,
            intents=intents,
            topics=topics,
            intent_of_label=np.array(
                [intents.index(label.split("/", 1)[0]) for label in labels], dtype=np.int64
            ),
            topic_columns=np.array([labels.index(label) for label in topic_labels], dtype=np.int64),
        )

    def intent_probabilities(self, flat: FloatArray) -> FloatArray:
        result: FloatArray = np.bincount(
            self.intent_of_label, weights=flat, minlength=len(self.intents)
        ).astype(np.float32)
        return result

    def suppress(self, flat: FloatArray, intent: str) -> FloatArray:
        """The distribution with every label of `intent` removed and the rest renormalised."""
        keep = np.array([self.intents[index] != intent for index in self.intent_of_label])
        result = np.where(keep, flat, 0.0).astype(np.float32)
        total = float(result.sum())
        return result / total if total > 0 else flat

    def topic_probabilities(self, flat: FloatArray) -> FloatArray:
        if self.topic_columns.size == 0:
            return np.zeros(0, dtype=np.float32)
        part = flat[self.topic_columns]
        total = float(part.sum())
        if total <= 0:
            return np.full(len(part), 1.0 / len(part), dtype=np.float32)
        result: FloatArray = (part / total).astype(np.float32)
        return result


# How the intent is chosen (see `decide`): "aggregate" won on 5-fold cross-validation of the
# training data (intent 89.1% vs 88.9%, fewer crisis false alarms), "flat" is kept for comparison.
DECISION = "aggregate"
_CHILD = re.compile(
    r"孩子|小孩|娃|宝宝|宝贝|儿子|女儿|闺女|崽|学生|小朋友|婴儿|新生儿|child|kid|son|daughter|baby"
)


def domain_signals(
    names: list[str], clean: str, nearest_in: float, nearest_out: float, coverage: float
) -> FloatArray:
    """How much a message looks like the domain, whatever the classifier thinks: similarity to the
    nearest in-domain and out-of-scope examples, the share of known in-domain words, lexicon terms
    (services, documents), and whether a child is mentioned."""
    terms = len({name for name in names if name.startswith("t:")})
    child = 1.0 if _CHILD.search(clean) else 0.0
    return np.array([nearest_in, nearest_out, coverage, min(terms, 3) / 3, child], dtype=np.float32)


def gate_signals(intents: tuple[str, ...], intent_probs: FloatArray, domain: FloatArray) -> FloatArray:
    """The gate's inputs, in the order of model.GATE_FEATURES."""
    oos = intents.index(OUT_OF_SCOPE) if OUT_OF_SCOPE in intents else -1
    p_oos = float(intent_probs[oos]) if oos >= 0 else 0.0
    others = [float(value) for position, value in enumerate(intent_probs) if position != oos]
    return np.concatenate([np.array([p_oos, max(others, default=0.0)], dtype=np.float32), domain])


def apply_gate(intents: tuple[str, ...], intent_probs: FloatArray, p_out: float) -> FloatArray:
    """Replace P(out_of_scope) by the gate's probability; the in-domain intents share the rest."""
    if OUT_OF_SCOPE not in intents:
        return intent_probs
    oos = intents.index(OUT_OF_SCOPE)
    result = intent_probs.astype(np.float32).copy()
    rest = float(result.sum() - result[oos])
    if rest <= 0:
        result[:] = 0.0
        result[oos] = 1.0
        return result
    result *= (1.0 - p_out) / rest
    result[oos] = p_out
    return result


@dataclass(frozen=True)
class Decision:
    """The classifier side of a parse: intent, topic, raw (uncalibrated) confidence, distributions."""

    intent: str
    topic: str | None
    raw_confidence: float
    intent_probs: FloatArray  # over LabelSpace.intents, after the gate
    topic_probs: FloatArray  # over LabelSpace.topics


def signals_for(space: LabelSpace, flat: FloatArray, domain: FloatArray, mode: str) -> FloatArray:
    if mode == "flat":
        return gate_signals(space.labels, flat, domain)
    return gate_signals(space.intents, space.intent_probabilities(flat), domain)


def decide(space: LabelSpace, flat: FloatArray, p_out: float, mode: str) -> Decision:
    """`flat`: the best single label wins (a question spread over many topics does not add up
    against a clear other intent); `aggregate`: the intent with the largest summed probability."""
    topic_probs = space.topic_probabilities(flat)
    if mode == "flat":
        gated = apply_gate(space.labels, flat, p_out)
        best = int(np.argmax(gated))
        base, _, label_topic = space.labels[best].partition("/")
        return Decision(
            base, label_topic or None, float(gated[best]), space.intent_probabilities(gated), topic_probs
        )
    intent_probs = apply_gate(space.intents, space.intent_probabilities(flat), p_out)
    best = int(np.argmax(intent_probs))
    intent = space.intents[best]
    confidence = float(intent_probs[best])
    topic = None
    if intent == ASK_ENTITLEMENT and topic_probs.size:
        position = int(np.argmax(topic_probs))
        topic = space.topics[position]
        confidence *= float(topic_probs[position])
    return Decision(intent, topic, confidence, intent_probs, topic_probs)
