"""The transcript format has a schema: a mistyped key, an unknown effect or event, and a step that
expects nothing without saying why are refused with the file and line; every shipped transcript
passes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dialogues.test_transcripts import TRANSCRIPTS
from tests.dialogues.transcript_schema import load_transcript

GOOD_STEP = "  - say: 你好\n    expect:\n      contains: [同行]\n"


def _problems(tmp_path: Path, steps: str) -> list[str]:
    path = tmp_path / "t.yaml"
    path.write_text("title: a transcript under test\nsteps:\n" + GOOD_STEP + steps, encoding="utf-8")
    transcript, problems = load_transcript(path)
    assert transcript is None
    return [f"{problem.line}: {problem.message}" for problem in problems]


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[path.stem for path in TRANSCRIPTS])
def test_every_shipped_transcript_fits_the_schema(path: Path) -> None:
    transcript, problems = load_transcript(path)
    assert problems == [] and transcript is not None


def test_a_mistyped_expectation_is_refused_at_its_line(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "  - say: 办居住证\n    expect:\n      contain: [同意]\n")
    assert problems == ["8: 'steps.1.expect.contain' is not a known field"]


def test_a_step_that_expects_nothing_must_say_why(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "  - press: 同意\n")
    assert len(problems) == 1 and problems[0].startswith("6: ") and "add `expect`, or `why`" in problems[0]
    path = tmp_path / "ok.yaml"
    path.write_text(
        "title: a transcript under test\nsteps:\n"
        + GOOD_STEP
        + "  - press: 同意\n    why: the next step checks it\n"
        + GOOD_STEP,
        encoding="utf-8",
    )
    assert load_transcript(path)[1] == []


def test_an_unknown_effect_or_event_is_refused(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "  - say: 你好\n    expect:\n      effects: [OpenHandof]\n")
    assert len(problems) == 1 and "unknown effects ['OpenHandof']" in problems[0]
    problems = _problems(tmp_path, "  - event: {type: WorkerTakesOver}\n    why: a typo in the event type\n")
    assert len(problems) == 1 and "unknown event 'WorkerTakesOver'" in problems[0]


def test_a_step_does_one_thing(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "  - say: 你好\n    press: 同意\n    expect:\n      contains: [x]\n")
    assert len(problems) == 1 and "a step does exactly one thing" in problems[0]
