"""Translation and locale-aware formatting.

Simplified Chinese is the source language: every user-facing string is written
in zh_Hans in the code and looked up in the Babel catalogs under `locales/`.
A `Translator` is created by the caller and passed to whatever produces text.
"""

from __future__ import annotations

import io
from datetime import date, datetime, tzinfo
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from opencc import OpenCC
from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator

from core.settings import SUPPORTED_LOCALES
from core.yamlfile import DataFileError, Problem, read_schema

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"

# Babel needs a territory to pick conventional formats.
_BABEL_LOCALE = {"zh_Hans": "zh_Hans_CN", "zh_Hant": "zh_Hant_HK", "en": "en_US"}
_DATE_FORMAT = {"zh_Hans": "long", "zh_Hant": "long", "en": "medium"}


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker
    """Mark a string for extraction without translating it (translated where it is shown)."""
    return message


def normalize_locale(value: str | None, default: str = "zh_Hans") -> str:
    """Map what users and platforms send (zh-CN, zh_TW, en-GB, 繁體...) onto a supported locale."""
    if not value:
        return default
    raw = value.strip().replace("-", "_").lower()
    if raw in {"zh_hant", "zh_tw", "zh_hk", "zh_mo", "繁體", "繁体", "繁體中文", "繁体中文", "traditional"}:
        return "zh_Hant"
    if raw in {"zh_hans", "zh_cn", "zh_sg", "zh", "简体", "簡體", "简体中文", "中文", "普通话", "simplified"}:
        return "zh_Hans"
    if raw.startswith("en") or raw in {"english", "英文", "英语", "英語"}:
        return "en"
    if raw.startswith("zh_hant"):
        return "zh_Hant"
    if raw.startswith("zh"):
        return "zh_Hans"
    return default


HANT_CORRECTIONS = Path(__file__).resolve().parent / "data" / "hant_corrections.yaml"


class HantCorrection(BaseModel):
    """What OpenCC writes for a domain word (`wrong`) and what it must be (`right`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    wrong: str = Field(min_length=1)
    right: str = Field(min_length=1)

    @model_validator(mode="after")
    def _changes_something(self) -> HantCorrection:
        if self.wrong == self.right:
            raise ValueError(f"'wrong' and 'right' are the same ('{self.wrong}')")
        return self


class HantCorrectionsFile(RootModel[dict[str, HantCorrection]]):
    """The schema of hant_corrections.yaml: a name for each correction -> {wrong, right}."""

    model_config = ConfigDict(frozen=True)


def read_hant_corrections(
    path: Path = HANT_CORRECTIONS,
) -> tuple[tuple[tuple[str, str], ...], list[Problem]]:
    """(wrong, right) pairs in file order, and every problem of the file."""
    source, raw, problems = read_schema(path, HantCorrectionsFile)
    if source is None or raw is None:
        return (), problems
    fixes: dict[str, str] = {}
    for name, entry in raw.root.items():
        if entry.wrong in fixes:
            line = source.line_of((name, "wrong"))
            problems.append(Problem(source.display, line, f"'{entry.wrong}' is corrected twice"))
        fixes[entry.wrong] = entry.right
    return tuple(fixes.items()), problems


def check_hant_corrections(path: Path = HANT_CORRECTIONS) -> list[Problem]:
    return read_hant_corrections(path)[1]


def load_hant_corrections(path: Path = HANT_CORRECTIONS) -> tuple[tuple[str, str], ...]:
    """The corrections, or DataFileError listing every problem of the file."""
    fixes, problems = read_hant_corrections(path)
    if problems:
        raise DataFileError(problems)
    return fixes


class _ToTraditional:
    """OpenCC (Taiwan standard characters) plus corrections for domain words it gets wrong."""

    def __init__(self) -> None:
        self._opencc = OpenCC("s2tw")
        self._fixes = load_hant_corrections()

    def convert(self, text: str) -> str:
        converted = str(self._opencc.convert(text))
        for wrong, right in self._fixes:
            converted = converted.replace(wrong, right)
        return converted


@lru_cache(maxsize=1)
def to_traditional() -> _ToTraditional:
    return _ToTraditional()


@lru_cache(maxsize=8)
def _load(locale: str, locales_dir: Path) -> NullTranslations:
    if locale == "zh_Hans":
        return NullTranslations()  # the source language
    folder = locales_dir / locale / "LC_MESSAGES"
    mo, po = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return Translations(handle, domain=DOMAIN)
    if po.exists():  # not compiled yet: compile in memory so that a fresh checkout works
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        return Translations(buffer, domain=DOMAIN)
    return NullTranslations()


class Translator:
    """Text and dates for one locale."""

    def __init__(self, locale: str = "zh_Hans", locales_dir: Path = LOCALES_DIR) -> None:
        self.locale = normalize_locale(locale)
        self._translations = _load(self.locale, locales_dir)
        self._babel_locale = Locale.parse(_BABEL_LOCALE[self.locale])

    def gettext(self, message: str, **values: object) -> str:
        text = self._translations.gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        text = self._translations.ngettext(singular, plural, n)
        return text.format(n=n, **values)

    def content(self, text: str) -> str:
        """Knowledge-base text (written in Simplified Chinese) in this locale's script."""
        if self.locale == "zh_Hant":
            return to_traditional().convert(text)
        return text

    def format_date(self, value: date) -> str:
        """2025年3月5日 in Chinese, Mar 5, 2025 in English."""
        return format_date(value, format=_DATE_FORMAT[self.locale], locale=self._babel_locale)

    def format_moment(self, value: datetime, zone: tzinfo) -> str:
        """A day and time, short, in `zone`: 2026/12/5 14:03, 5/12/2026 下午2:03, 12/5/26, 2:03 PM."""
        return format_datetime(value, format="short", tzinfo=zone, locale=self._babel_locale)


def translators(locales_dir: Path = LOCALES_DIR) -> dict[str, Translator]:
    return {locale: Translator(locale, locales_dir) for locale in SUPPORTED_LOCALES}


class Translators:
    """The translator factory: one Translator per supported locale, built once by the composition
    root; called with a locale (anything `normalize_locale` reads) or None for the default."""

    def __init__(self, default_locale: str = "zh_Hans", locales_dir: Path = LOCALES_DIR) -> None:
        self.default_locale = normalize_locale(default_locale)
        self._by_locale = translators(locales_dir)

    def __call__(self, locale: str | None = None) -> Translator:
        return self._by_locale[normalize_locale(locale, self.default_locale)]
