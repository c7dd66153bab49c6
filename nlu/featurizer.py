"""Text -> sparse feature vector: words and canonical terms from the shared Tokenizer, plus
character n-grams (1-3) over the normalised text. Pure Python + numpy at parse time."""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
import numpy.typing as npt

from core.tokenizer import Tokenizer

MAX_FEATURE_CHARS = 2000  # longer texts are cut for features (the crisis scan reads everything)
NGRAM_RANGE = (1, 3)
_DIGITS = re.compile(r"\d+")
_DROP = re.compile(r"[^\u3400-\u9fffa-z0-9 ?]+")
_LATIN_WORD = re.compile(r"[a-z]+")

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]


def _english_stem(word: str) -> str:
    """A light English stemmer (plural and -ing/-ed) so that 'vaccines' meets 'vaccine'."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


class Featurizer:
    """Feature names of a text; `vectorize` maps them onto a fixed vocabulary with tf-idf weights."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self.tokenizer = tokenizer

    def clean(self, text: str) -> str:
        """The normalised text features are computed from (cut to MAX_FEATURE_CHARS)."""
        return self.tokenizer.normalize(text[: MAX_FEATURE_CHARS * 2])[:MAX_FEATURE_CHARS]

    def words(self, clean: str) -> list[str]:
        return self.tokenizer.words(clean, normalized=True)

    def features(self, clean: str) -> list[str]:
        words = self.words(clean)
        canonical = self.tokenizer.lexicon.canonical
        names = [f"w:{_DIGITS.sub('0', word)}" for word in words]
        names += [f"t:{canonical[word]}" for word in words if word in canonical]
        names += [f"t:{term}" for term in self.tokenizer.canonical_terms(clean, normalized=True)]
        names += [f"e:{_english_stem(word)}" for word in _LATIN_WORD.findall(clean) if len(word) > 2]
        chars = " ".join(_DROP.sub(" ", _DIGITS.sub("0", clean)).split())
        padded = f"<{chars}>"
        low, high = NGRAM_RANGE
        for size in range(low, high + 1):
            for start in range(len(padded) - size + 1):
                gram = padded[start : start + size]
                if gram.strip() and gram not in ("<", ">"):
                    names.append(f"c:{gram}")
        return names


class Vocabulary:
    """Feature name -> column, with inverse document frequencies; tf-idf vectors are L2-normalised."""

    def __init__(self, index: dict[str, int], idf: FloatArray) -> None:
        self.index = index
        self.idf = idf

    @classmethod
    def fit(cls, documents: list[list[str]], min_df: int = 1) -> Vocabulary:
        frequency: Counter[str] = Counter()
        for names in documents:
            frequency.update(set(names))
        kept = sorted(name for name, count in frequency.items() if count >= min_df)
        index = {name: column for column, name in enumerate(kept)}
        total = len(documents)
        idf = np.array(
            [math.log((1 + total) / (1 + frequency[name])) + 1.0 for name in kept], dtype=np.float32
        )
        return cls(index, idf)

    def __len__(self) -> int:
        return len(self.index)

    def vectorize(self, names: list[str]) -> tuple[IntArray, FloatArray]:
        """(columns, weights) of one document: sublinear tf times idf, L2-normalised."""
        counts: Counter[int | None] = Counter(map(self.index.get, names))  # counted in C
        counts.pop(None, None)  # names the vocabulary does not know
        if not counts:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        columns = np.fromiter(counts.keys(), dtype=np.int32, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        weights = (1.0 + np.log(tf)) * self.idf[columns]
        norm = float(np.sqrt(np.dot(weights, weights)))
        return columns, (weights / norm if norm > 0 else weights).astype(np.float32)

    def coverage(self, names: list[str]) -> float:
        """Share of feature names known to the vocabulary (0 for an empty list)."""
        if not names:
            return 0.0
        return sum(1 for name in names if name in self.index) / len(names)
