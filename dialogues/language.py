"""The parent's language: asked with /lang or in words, then used for every reply."""

from __future__ import annotations

from core.message import Button
from dialogues.payload import PendingReply, render
from dialogues.state import Pending
from dialogues.steps import reprompt
from dialogues.text import LANGUAGES
from dialogues.turn import Turn


def language_from(text: str) -> str | None:
    clean = text.strip().lower()
    for locale, label in LANGUAGES:
        if clean in {locale.lower(), label.lower()}:
            return locale
    if any(word in clean for word in ("繁", "traditional", "正體", "正体")):
        return "zh_Hant"
    if any(word in clean for word in ("english", "英文", "英语", "英語")):
        return "en"
    if any(word in clean for word in ("简体", "簡體", "普通话", "中文", "chinese")):
        return "zh_Hans"
    return None


def ask_language(turn: Turn) -> None:
    turn.state.pending = Pending(kind="language")
    turn.say(
        turn.t.gettext("请选择语言："),
        tuple(Button(label, render(PendingReply("language", locale))) for locale, label in LANGUAGES),
    )


def set_language(turn: Turn, locale: str) -> None:
    turn.state.locale = locale
    turn.t = turn.services.translator(locale)
    turn.say(turn.t.gettext("好的，以后用{language}和你说话。", language=dict(LANGUAGES)[locale]))
    if turn.state.flow is not None:
        reprompt(turn)
