"""The reply language a first message asks for, from its script.

The rule (the platform's locale, when it sends one, wins; the engine applies this only then not):
- Traditional Chinese: at least two Chinese characters, at least one of them a Traditional character
  that OpenCC's t2s changes (說, 廈, 們...), and clearly more of those than characters only Simplified
  writes (说, 门...): a mix of both scripts is no sign;
- English: at least two common English words ("I", "need", "school"; one word only for a greeting
  such as "hello"), and Chinese at most a name inside the sentence ("I live in 厦门"): pinyin
  ("ni hao", "xiamen") is not English;
- otherwise None: the default (Simplified) stays. "ok", "1", "好", an emoji, a slash command or a
  mixed message switch nothing.

Only the first message decides (or /lang, later): a later message in another script (a pasted
English title, a Traditional place name) never switches the language silently, because a parent
who mixes scripts once would otherwise get every following reply in a language they did not choose.
"""

from __future__ import annotations

import re
from functools import lru_cache

from opencc import OpenCC

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_LATIN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
# Common English words a parent writes; a pinyin syllable is none of them ("an" and "he" excepted:
# they alone never make two words).
ENGLISH = frozenset(
    (
        "i i'm im me my mine we we're our us you your he he's him his she she's her they their it it's "
        "a the this that these those is am are was were be been do does did don't doesn't can can't "
        "could would will want need needs have has had get got go going to for of in on at with from "
        "about and or but not no yes please thanks thank hello hi hey dear what where when why who "
        "which how much many there here some any child children kid kids son daughter baby boy girl "
        "family parent parents mother father mom dad school kindergarten permit residence insurance "
        "medical hospital doctor vaccine vaccines help work job live living moved city apply money "
        "free old years year months know tell ask just also now today new"
    ).split()
)
GREETINGS = frozenset(("hello", "hi", "hey", "help", "thanks"))
_AMBIGUOUS = frozenset(("an", "he", "a"))  # also pinyin syllables


@lru_cache(maxsize=1)
def _to_simplified() -> OpenCC:
    return OpenCC("t2s")


@lru_cache(maxsize=1)
def _to_traditional() -> OpenCC:
    return OpenCC("s2t")


def _changed(converter: OpenCC, characters: str) -> int:
    """How many of the characters the converter changes (one by one: a phrase never lengthens)."""
    converted = str(converter.convert(characters))
    if len(converted) == len(characters):
        return sum(1 for old, new in zip(characters, converted, strict=True) if old != new)
    return sum(1 for old in characters if str(converter.convert(old)) != old)


def _english(clean: str) -> bool:
    words = _LATIN_WORD.findall(clean)
    known = [word for word in words if word in ENGLISH]
    han_runs = len(_HAN_RUN.findall(clean))
    if 3 * han_runs > len(words):
        return False  # Chinese with an English word or two: mixed, no sign
    if len(words) == 1:
        return known == words and words[0] in GREETINGS
    return len([word for word in known if word not in _AMBIGUOUS]) >= 1 and len(known) >= 2


def _traditional(clean: str) -> bool:
    han = "".join(_HAN.findall(clean))
    if len(han) < 2:
        return False
    traditional = _changed(_to_simplified(), han)
    simplified_only = _changed(_to_traditional(), han)
    return traditional >= 1 and (simplified_only == 0 or traditional >= 2 * simplified_only)


def locale_of_first_message(text: str) -> str | None:
    """zh_Hant, en, or None (no clear sign: the default stays)."""
    clean = text.strip().lower()
    if not clean or clean.startswith("/"):
        return None
    if _english(clean):
        return "en"
    if _traditional(clean):
        return "zh_Hant"
    return None
