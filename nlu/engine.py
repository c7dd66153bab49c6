"""The embedded parser: features -> linear classifier -> out-of-scope gate -> crisis detector ->
entities; `train_and_save`, which trains the model and caches it under TONGXING_DATA_DIR/nlu/<key>
(`tongxing nlu train`, `make install`); and `load_embedded`, which loads it and never trains."""

from __future__ import annotations

import logging
import time
from datetime import date
from pathlib import Path

import numpy as np

from core.settings import Settings
from core.tokenizer import Tokenizer
from nlu.crisis import CrisisDetector, CrisisMatch, content_length, crisis_dev_files, load_crisis_dev
from nlu.dataset import DATA_DIR, data_digest
from nlu.extractor import EntityExtractor
from nlu.featurizer import MAX_FEATURE_CHARS, Featurizer, FloatArray, IntArray
from nlu.model import Model, load_model
from nlu.result import CRISIS, OUT_OF_SCOPE, Entity, Parse
from nlu.scoring import DECISION, Decision, LabelSpace, decide, domain_signals, signals_for

# Bump when features, training or the model format change: the cache key includes it.
CODE_VERSION = "5"
# Below this calibrated confidence the dialogue engine should not act on the intent alone but offer
# the closest topics and a person. On 5-fold cross-validation of the training data, answers at or
# above 0.8 were right 95% of the time (each trained model also carries its own fitted value,
# `EmbeddedParser.recommended_threshold`).
RECOMMENDED_THRESHOLD = 0.8
MAX_TEXT_CHARS = 200_000  # beyond this nothing is read at all (the crisis scan reads up to here)

log = logging.getLogger(__name__)


class EmbeddedParser:
    """Parses one message in about a millisecond; never raises on any text."""

    def __init__(
        self,
        model: Model,
        tokenizer: Tokenizer,
        crisis: CrisisDetector | None = None,
        extractor: EntityExtractor | None = None,
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.featurizer = Featurizer(tokenizer)
        self.space = LabelSpace.of(model.classifier.labels)
        self.crisis = crisis or CrisisDetector(
            thresholds=model.crisis_thresholds, literals=model.crisis_literals
        )
        self.extractor = extractor or EntityExtractor(tokenizer.lexicon)
        neighbours = model.neighbours
        starts = neighbours.indptr[:-1]
        has_postings = neighbours.indptr[1:] > starts
        flags = neighbours.in_domain[neighbours.rows].astype(np.int8)
        domain = np.zeros(len(starts), dtype=bool)
        if flags.size:
            reduced = np.maximum.reduceat(flags, np.minimum(starts, flags.size - 1))
            domain = (reduced > 0) & has_postings
        self.domain_columns = domain

    @property
    def recommended_threshold(self) -> float:
        return self.model.recommended_threshold

    def vector(self, names: list[str]) -> tuple[IntArray, FloatArray]:
        return self.model.vocabulary.vectorize(names)

    def coverage(self, names: list[str]) -> float:
        words = [name for name in names if name.startswith(("w:", "e:"))]
        if not words:
            return 0.0
        index = self.model.vocabulary.index
        known = 0
        for name in words:
            column = index.get(name)
            if column is not None and self.domain_columns[column]:
                known += 1
        return known / len(words)

    def decision(self, clean: str, names: list[str], without_crisis: bool = False) -> Decision:
        """The classifier side: flat label probabilities, the out-of-scope gate, intent and topic.
        `without_crisis` removes the crisis labels (the crisis detector said no)."""
        columns, values = self.vector(names)
        flat = self.model.classifier.probabilities(columns, values)
        if without_crisis:
            flat = self.space.suppress(flat, CRISIS)
        nearest_in, nearest_out = self.model.neighbours.nearest(columns, values)
        domain = domain_signals(names, clean, nearest_in, nearest_out, self.coverage(names))
        signals = signals_for(self.space, flat, domain, DECISION)
        p_out = 1.0 if columns.size == 0 else self.model.gate.probability(signals)
        return decide(self.space, flat, p_out, DECISION)

    def parse(self, text: str, today: date | None = None) -> Parse:
        try:
            return self._parse(text, today)
        except Exception:  # a message must always get an answer; log and fall back
            log.exception("parse failed; answering out_of_scope")
            return self._fallback(text)

    def _fallback(self, text: object) -> Parse:
        safe = text if isinstance(text, str) else ""
        crisis = False
        try:
            crisis = bool(self.crisis.match(self.tokenizer.normalize(safe[:MAX_TEXT_CHARS])).strong)
        except Exception:
            log.exception("crisis scan failed")
        return Parse(safe, CRISIS if crisis else OUT_OF_SCOPE, None, 0.0, (), crisis)

    def _parse(self, text: str, today: date | None) -> Parse:
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        raw = text[:MAX_TEXT_CHARS]
        clean = self.featurizer.clean(raw)
        names = self.featurizer.features(clean)
        found: CrisisMatch = self.crisis.match(
            clean if len(raw) <= len(clean) else self.tokenizer.normalize(raw)
        )
        # The patterns read everything; the scorer only `clean`, which may have been cut.
        whole = len(raw) <= MAX_FEATURE_CHARS and len(clean) < MAX_FEATURE_CHARS
        p_crisis = self.model.crisis_scorer.probability(names)
        length = content_length(clean)
        decision = self.crisis.decide(found, p_crisis, whole, length)
        crisis = decision.crisis
        # "累死了": only harmless uses of alarming words, so the classifier may not say crisis either.
        result = self.decision(clean, names, without_crisis=found.level == "masked")
        if not crisis and result.intent == CRISIS:  # the detector decides crisis, not the argmax
            result = self.decision(clean, names, without_crisis=True)
        intents = self.space.intents
        ranking = sorted(
            zip(intents, map(float, result.intent_probs), strict=True), key=lambda pair: -pair[1]
        )
        topic_ranking = sorted(
            zip(self.space.topics, map(float, result.topic_probs), strict=True), key=lambda pair: -pair[1]
        )
        intent, topic = result.intent, result.topic
        confidence = self.model.calibrator.apply(result.raw_confidence)
        reasons = decision.reasons
        if crisis and intent != CRISIS:
            intent, topic = CRISIS, None
            confidence = max(p_crisis, 0.9) if found.strong else p_crisis
        if not length:  # empty, only emoji, punctuation or control characters
            intent, topic, confidence = (CRISIS, None, confidence) if crisis else (OUT_OF_SCOPE, None, 0.05)
        entities: tuple[Entity, ...] = self.extractor.extract(raw[:2000], today)
        return Parse(
            text=text,
            intent=intent,
            topic=topic,
            confidence=float(confidence),
            entities=entities,
            crisis=crisis,
            intent_ranking=tuple(ranking),
            topic_ranking=tuple(topic_ranking),
            crisis_reasons=reasons,
        )


def model_key(data_dir: Path = DATA_DIR) -> str:
    """The cache key: the training data, the crisis patterns, the lexicon and the code version."""
    from core.lexicon import LEXICON_FILE

    extra = (data_dir / "crisis.yaml", *crisis_dev_files(data_dir), LEXICON_FILE)
    digest = data_digest(data_dir, extra=extra)
    return f"{CODE_VERSION}-{digest[:16]}"


def model_dir(settings: Settings, data_dir: Path = DATA_DIR) -> Path:
    return settings.data_dir / "nlu" / model_key(data_dir)


def train_and_save(
    settings: Settings, tokenizer: Tokenizer, data_dir: Path = DATA_DIR
) -> tuple[Model, Path, float]:
    """Train from the YAML (imports scikit-learn) and write the model; returns it, where, seconds."""
    from nlu.dataset import load_training_data
    from nlu.trainer import train

    started = time.perf_counter()
    data = load_training_data(data_dir)
    dev = load_crisis_dev(crisis_dev_files(data_dir))
    model = train(data, tokenizer, digest=model_key(data_dir), code_version=CODE_VERSION, crisis_dev=dev)
    target = model_dir(settings, data_dir)
    model.save(target)
    return model, target, time.perf_counter() - started


class ModelMissingError(Exception):
    """No trained model for the current training data and code: a start-up error with what to run."""

    def __init__(self, target: Path) -> None:
        super().__init__(
            f"no NLU model for the current training data (expected in {target}): "
            "run `tongxing nlu train` (or `make install`)"
        )
        self.target = target


def load_embedded(settings: Settings, tokenizer: Tokenizer, data_dir: Path = DATA_DIR) -> EmbeddedParser:
    """The cached model for the current data and code. Never trains: a missing or stale model
    (its key hashes the data and CODE_VERSION, so stale means missing) raises ModelMissingError."""
    target = model_dir(settings, data_dir)
    try:
        model = load_model(target)
    except (OSError, ValueError, KeyError) as error:
        raise ModelMissingError(target) from error
    return EmbeddedParser(model, tokenizer)


def model_is_current(settings: Settings, data_dir: Path = DATA_DIR) -> bool:
    """Whether a model for the current data and code is cached and loads."""
    try:
        load_model(model_dir(settings, data_dir))
    except (OSError, ValueError, KeyError):
        return False
    return True
