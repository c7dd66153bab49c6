"""Chinese text to terms: normalisation (width, case, Traditional -> Simplified),
jieba segmentation with the domain lexicon, and synonyms mapped onto canonical terms.

Shared by nlu/ (features) and knowledge/ (retrieval) so that both read a
parent's words the same way.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path

import jieba
from opencc import OpenCC

from core.lexicon import Lexicon

jieba.setLogLevel(logging.WARNING)

_KEEP = re.compile(r"[\u3400-\u9fff\uf900-\ufaffa-z0-9]")
_ASCII_WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    (
        "的 了 吗 呢 啊 呀 吧 嘛 哦 哈 么 着 过 和 跟 与 及 或 是 在 有 也 都 就 还 又 很 太 这 那 "
        "个 些 我 你 他 她 它 我们 你们 他们 咱 咱们 俺 您 自己 一个 一下 什么 怎么 怎样 如何 哪里 哪儿 "
        "那个 这个 请问 问下 问一下 想问 想知道 知道 可以 能 能不能 可不可以 会 要 想 需要 应该 请 谢谢 麻烦 "
        "the a an of to is are do does can i my we our for in on how "
        "what "
    ).split()
)
# Words about the *aspect* of a question (how long, how much, what to bring, where) rather than the
# service asked about: they appear in every kind of question, so retrieval ignores them.
ASPECT_WORDS = frozenset(
    (
        "多久 多长时间 几天 多少钱 多少 一个月 每个月 一年 每年 几年 材料 条件 要求 申请 办理 手续 流程 哪里 "
        "在哪 去哪 去哪里 能不能 有没有 有没 怎么办 咋办 咋弄 咋整 啥 什么样 要不要 是不是 审核 apply how "
        "long much where when who what which need get "
    ).split()
)


def _traditional_characters() -> frozenset[str] | None:
    """Every character that an OpenCC t2s entry changes (TSCharacters, TSPhrases; the whole entry when
    its length changes): a text with none of them converts to itself, so the (pure-Python, slow)
    conversion is skipped.
    None, and every text is converted, if the dictionaries are not where this version keeps them."""
    import opencc

    folder = Path(opencc.__file__).resolve().parent / "dictionary"
    characters: set[str] = set()
    try:
        for name in ("TSCharacters.txt", "TSPhrases.txt"):
            for line in (folder / name).read_text(encoding="utf-8").splitlines():
                source, _, targets = line.partition("\t")
                target = targets.split(" ")[0]
                if not source or target == source:
                    continue
                if len(target) == len(source):  # only a character that changes must be in the text
                    characters.update(a for a, b in zip(source, target, strict=True) if a != b)
                else:
                    characters.update(source)
    except OSError:
        return None
    return frozenset(characters) or None


class Tokenizer:
    """A jieba tokenizer that knows the domain words; one per process, passed where needed."""

    def __init__(self, lexicon: Lexicon, cache_dir: Path | None = None) -> None:
        self.lexicon = lexicon
        self._jieba = jieba.Tokenizer()
        if cache_dir is not None:
            cache_dir.mkdir(parents=True, exist_ok=True)
            self._jieba.tmp_dir = str(cache_dir)
        for word in lexicon.dictionary_words():
            self._jieba.add_word(word, freq=20000)
        self._t2s = OpenCC("t2s")
        self._traditional = _traditional_characters()
        # Variants found as substrings, longest first, so "异地就医备案" wins over "备案".
        self._variants = sorted(lexicon.canonical, key=len, reverse=True)

    def normalize(self, text: str) -> str:
        """Full-width to half-width, lower case, Traditional to Simplified, spaces folded."""
        folded = unicodedata.normalize("NFKC", text).lower()
        if self._traditional is None or not self._traditional.isdisjoint(folded):
            folded = self._t2s.convert(folded)
        return " ".join(folded.split())

    def words(self, text: str, *, normalized: bool = False) -> list[str]:
        """Segmented words without punctuation, spaces and stopwords."""
        clean = text if normalized else self.normalize(text)
        known = self.lexicon.canonical
        return [
            word
            for word in self._jieba.lcut(clean, HMM=True)
            if _KEEP.search(word)
            and word not in STOPWORDS
            and (len(word) > 1 or word.isascii() or word in known)  # lone characters are mostly noise
        ]

    def query(self, text: str) -> tuple[list[str], list[str]]:
        """For retrieval, in one pass: the canonical terms and the content words (no stopwords, no
        aspect words, lone characters kept for the bigram channel)."""
        clean = self.normalize(text)
        content = [
            piece
            for piece in self._jieba.lcut(clean, HMM=True)
            if _KEEP.search(piece) and piece not in STOPWORDS and piece not in ASPECT_WORDS
        ]
        return self._canonical(clean, content), content

    def canonical_terms(self, text: str, *, normalized: bool = False) -> list[str]:
        """Canonical terms of every lexicon variant that occurs in the text."""
        clean = text if normalized else self.normalize(text)
        found: list[str] = []
        taken = clean
        for variant in self._variants:
            if variant in taken:
                found.append(self.lexicon.canonical[variant])
                taken = taken.replace(variant, " ")
        return found

    def terms(self, text: str) -> list[str]:
        """Words with synonyms replaced by their canonical term, plus lexicon terms found inside words."""
        clean = self.normalize(text)
        return self._canonical(clean, self._jieba.lcut(clean, HMM=True))

    def _canonical(self, clean: str, words: list[str]) -> list[str]:
        """Canonical terms of `words` (minus stopwords and lone characters the lexicon does not know),
        then those of lexicon variants found anywhere in the normalised text."""
        mapping = self.lexicon.canonical
        terms = [
            mapping.get(word, word)
            for word in words
            if _KEEP.search(word)
            and word not in STOPWORDS
            and (len(word) > 1 or word.isascii() or word in mapping)  # lone characters are mostly noise
        ]
        for canonical in self.canonical_terms(clean, normalized=True):
            if canonical not in terms:
                terms.append(canonical)
        return terms

    @staticmethod
    def bigrams(text: str) -> list[str]:
        """Character bigrams of the Chinese runs, and ASCII words: robust to typos and unknown words."""
        grams: list[str] = []
        for run in re.findall(r"[\u3400-\u9fff]+", text):
            if len(run) == 1:
                grams.append(run)
            grams += [run[i : i + 2] for i in range(len(run) - 1)]
        grams += _ASCII_WORD.findall(text)
        return grams
