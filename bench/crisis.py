"""Crisis kinds and the safety follow-through, scored through the whole app (NLU, engine, storage)
on blind lines (tests/dialogues/data/blind/, written by someone who never saw the code):

- crisis_more.yaml: {text, locale, label: medical_emergency | carer_violence | child_danger | none}.
  Per label: how many raised an urgent handoff (recall), and how many got the right numbers (a
  medical emergency names 120 before any other number; violence against the carer names 12338 and
  110; danger to a child names 110). For `none`: the false alarms.
- crisis_followup_answers.yaml: {text, locale, safe: yes | no | unknown, place, with_whom}: the
  answer to "孩子现在安全吗？你们在哪？" after a crisis message. What the ticket is told (the
  effect that carries `safety`) is compared: the safety answer, the place (resolved through the
  lexicon at its most specific level; null: none), whether a with-whom was heard.

`python -m bench.crisis [--misses N]`; `make bench` prints it too."""

from __future__ import annotations

import argparse
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot import database
from bot.app import App, build_app
from core.database import make_engine
from core.message import Inbound
from core.settings import Settings
from dialogues.slot import find_places

BLIND_DIR = Path(__file__).resolve().parents[1] / "tests" / "dialogues" / "data" / "blind"
CRISIS_LINES = BLIND_DIR / "crisis_more.yaml"
FOLLOWUP_LINES = BLIND_DIR / "crisis_followup_answers.yaml"
# the crisis message each follow-up answer comes after, in the answer's language
OPENERS = {
    "zh_Hans": "孩子他爸又在打孩子了",
    "zh_Hant": "孩子他爸又在打孩子了",
    "en": "my husband is beating my son again",
}
_NUMBER = re.compile(r"(?<!\d)(110|120|12338|12355|119)(?!\d)")
SAFETY = {"yes": "safe", "no": "unsafe", "unknown": "unknown"}


def read_lines(path: Path) -> list[dict[str, Any]]:
    items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [item for item in items if isinstance(item, dict) and isinstance(item.get("text"), str)]


def make_app(workdir: Path, settings: Settings | None = None) -> App:
    """The whole application on a fresh SQLite database; the NLU model from the settings' data dir."""
    settings = settings or Settings()
    database_file = workdir / "crisis.db"
    engine = make_engine(f"sqlite:///{database_file}")
    database.upgrade(engine)
    engine.dispose()
    return build_app(Settings(data_dir=settings.data_dir, database_url=f"sqlite:///{database_file}"))


def numbers_right(label: str, text: str) -> bool:
    numbers = _NUMBER.findall(text)
    if label == "medical_emergency":
        return bool(numbers) and numbers[0] == "120"
    if label == "carer_violence":
        return "12338" in numbers and "110" in numbers
    return "110" in numbers


@dataclass
class CrisisScore:
    lines: Counter[str] = field(default_factory=Counter)
    raised: Counter[str] = field(default_factory=Counter)
    right: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)


def score_crisis(app: App, lines: list[dict[str, Any]]) -> CrisisScore:
    score = CrisisScore()
    for number, line in enumerate(lines):
        label = str(line["label"])
        inbound = Inbound(user_id=f"c{number}", channel="bench", text=line["text"], locale=line.get("locale"))
        outcome = app.conversations.handle_outcome(inbound)
        urgent = any(getattr(effect, "urgency", None) == "urgent" for effect in outcome.effects)
        text = "\n".join(reply.text for reply in outcome.replies)
        score.lines[label] += 1
        score.raised[label] += urgent
        right = urgent and numbers_right(label, text)
        score.right[label] += right
        if (label == "none") == urgent or (label != "none" and not right):
            score.misses.append(f"{label}: {line['text']}")
    return score


@dataclass
class FollowupScore:
    lines: int = 0
    safe: int = 0
    place: int = 0
    with_whom: int = 0
    by_answer: Counter[str] = field(default_factory=Counter)  # expected safety -> right
    of_answer: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)


def _expected_place(app: App, name: str | None) -> tuple[str | None, str | None, str | None]:
    if not name:
        return (None, None, None)
    data = app.data
    places = find_places(data.lexicon, data.tokenizer.normalize(name))
    if not places:
        return ("?", "?", "?")  # a place the lexicon does not know: counted wrong whatever is found
    best = places[0]
    return (best.province, best.city, best.id if best.kind == "district" else None)


def score_followup(app: App, lines: list[dict[str, Any]]) -> FollowupScore:
    score = FollowupScore()
    for number, line in enumerate(lines):
        locale = str(line.get("locale") or "zh_Hans")
        user = f"f{number}"
        app.conversations.handle_outcome(
            Inbound(
                user_id=user, channel="bench", text=OPENERS.get(locale, OPENERS["zh_Hans"]), locale=locale
            )
        )
        outcome = app.conversations.handle_outcome(
            Inbound(user_id=user, channel="bench", text=line["text"], locale=locale)
        )
        told = next((effect for effect in outcome.effects if hasattr(effect, "safety")), None)
        safety = str(getattr(told, "safety", "unknown") or "unknown")
        place = tuple(getattr(told, key, None) for key in ("province", "city", "district"))
        expected_safety = SAFETY[str(line.get("safe", "unknown"))]
        expected_place = _expected_place(app, line.get("place"))
        heard_whom = bool(getattr(told, "with_whom", None))
        score.lines += 1
        score.of_answer[expected_safety] += 1
        safe_ok = safety == expected_safety
        place_ok = place == expected_place
        whom_ok = heard_whom == bool(line.get("with_whom"))
        score.safe += safe_ok
        score.by_answer[expected_safety] += safe_ok
        score.place += place_ok
        score.with_whom += whom_ok
        if not (safe_ok and place_ok):
            score.misses.append(
                f"{line['text']} -> {safety}, {place} (expected {expected_safety}, {expected_place})"
            )
    return score


def report(crisis: CrisisScore, followup: FollowupScore, misses: int = 0) -> str:
    lines = ["Crisis kinds on blind lines (an urgent handoff raised / the right numbers named):"]
    for label in sorted(crisis.lines):
        total = crisis.lines[label]
        if label == "none":
            lines.append(f"  none: false alarms {crisis.raised[label]} of {total}")
        else:
            lines.append(
                f"  {label}: recall {crisis.raised[label]}/{total} ({crisis.raised[label] / total:.1%}), "
                f"right numbers {crisis.right[label]}/{total} ({crisis.right[label] / total:.1%})"
            )
    n = max(1, followup.lines)
    lines.append(
        f"Safety follow-up answers ({followup.lines}): safe/unsafe/unknown right {followup.safe} "
        f"({followup.safe / n:.1%}), place right {followup.place} ({followup.place / n:.1%}), "
        f"with-whom heard or not right {followup.with_whom} ({followup.with_whom / n:.1%})"
    )
    lines.append(
        "  by expected answer: "
        + ", ".join(
            f"{key} {followup.by_answer[key]}/{followup.of_answer[key]}" for key in sorted(followup.of_answer)
        )
    )
    for miss in (crisis.misses + followup.misses)[:misses]:
        lines.append(f"  miss: {miss}")
    return "\n".join(lines)


def evaluate(
    crisis_file: Path = CRISIS_LINES, followup_file: Path = FOLLOWUP_LINES
) -> tuple[CrisisScore, FollowupScore]:
    with tempfile.TemporaryDirectory() as workdir:
        app = make_app(Path(workdir))
        return score_crisis(app, read_lines(crisis_file)), score_followup(app, read_lines(followup_file))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.crisis")
    parser.add_argument("--crisis", type=Path, default=CRISIS_LINES)
    parser.add_argument("--followup", type=Path, default=FOLLOWUP_LINES)
    parser.add_argument("--misses", type=int, default=0, help="how many missed lines to show")
    arguments = parser.parse_args()
    print(report(*evaluate(arguments.crisis, arguments.followup), misses=arguments.misses))


if __name__ == "__main__":
    main()
