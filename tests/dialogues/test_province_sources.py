"""Every checklist line cites a source that fits the family's province.

The validator's rule, on a fixture flow (tests/dialogues/fixtures/province_sources/), and the shipped
check-up and flows played as a Hainan family and as a Fujian family, over every combination of
answers: no line shown to one province cites the other province's document."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from core.i18n import Translator
from core.lexicon import load_lexicon
from core.taxonomy import Taxonomy, load_taxonomy
from dialogues.flow import FLOWS_DIR, Flow, StepType
from dialogues.flow_validator import check_flows, load_flows
from dialogues.rules import load_rules
from dialogues.runner import build_checklist, next_step
from dialogues.state import ActiveFlow, State
from knowledge.catalog import KnowledgeBase

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "province_sources"
TODAY = date(2026, 11, 22)
FAMILIES = {"fujian": "fuzhou", "hainan": "haikou"}
AGES = (0, 4, 7, 13, 16)

RULES = load_rules(load_lexicon(), load_taxonomy())  # the shipped conversation rules


@pytest.fixture
def fixture_copy(tmp_path: Path) -> Path:
    target = tmp_path / "flows"
    shutil.copytree(FIXTURE, target)
    return target


def _problems(directory: Path, taxonomy: Taxonomy, kb: KnowledgeBase) -> list[str]:
    _, problems = check_flows(directory, set(taxonomy.intents), set(taxonomy.topics), kb.document_provinces)
    return [str(problem) for problem in problems]


def _edit(path: Path, old: str, new: str) -> int:
    """Replace `old` once; the line where it starts."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def test_the_fixture_flow_is_valid(fixture_copy: Path, taxonomy: Taxonomy, kb: KnowledgeBase) -> None:
    assert _problems(fixture_copy, taxonomy, kb) == []


def test_a_fujian_source_shown_to_every_province_is_reported_at_its_line(
    fixture_copy: Path, taxonomy: Taxonomy, kb: KnowledgeBase
) -> None:
    path = fixture_copy / "province_check.yaml"
    _edit(
        path,
        "    provinces: [fujian]\n    source: {document: fujian_plan_2025",
        "    source: {document: fujian_plan_2025",
    )
    line = (
        path.read_text(encoding="utf-8")
        .split("\n")
        .index("    source: {document: fujian_plan_2025, item: 附件清单第3项}")
        + 1
    )
    assert _problems(fixture_copy, taxonomy, kb) == [
        f"{fixture_copy / 'province_check.yaml'}:{line}: this line would show a fujian source "
        "('fujian_plan_2025') to families in hainan: "
        "add provinces: [fujian], or a hainan source under province_sources"
    ]


def test_a_line_limited_to_hainan_citing_the_fujian_plan_is_reported(
    fixture_copy: Path, taxonomy: Taxonomy, kb: KnowledgeBase
) -> None:
    _edit(
        fixture_copy / "province_check.yaml",
        "provinces: [fujian]\n    source: {document: fujian_plan",
        "provinces: [hainan]\n    source: {document: fujian_plan",
    )
    problems = _problems(fixture_copy, taxonomy, kb)
    assert len(problems) == 1 and "fujian source ('fujian_plan_2025') to families in hainan" in problems[0]


def test_a_province_source_from_the_other_province_is_reported(
    fixture_copy: Path, taxonomy: Taxonomy, kb: KnowledgeBase
) -> None:
    line = _edit(
        fixture_copy / "province_check.yaml",
        "      hainan: {document: hainan_plan_2024, item: 三、（三）10}",
        "      hainan: {document: fujian_plan_2025, item: 三、（三）10}",
    )
    assert _problems(fixture_copy, taxonomy, kb) == [
        f"{fixture_copy / 'province_check.yaml'}:{line}: "
        "the hainan source 'fujian_plan_2025' is a fujian document"
    ]


def test_an_unknown_province_and_a_source_for_a_province_never_shown_are_reported(
    fixture_copy: Path, taxonomy: Taxonomy, kb: KnowledgeBase
) -> None:
    path = fixture_copy / "province_check.yaml"
    line = _edit(
        path,
        "    provinces: [fujian]\n    source: {document: fujian_plan",
        "    provinces: [fujain]\n    source: {document: fujian_plan",
    )
    problems = _problems(fixture_copy, taxonomy, kb)
    assert (
        f"{fixture_copy / 'province_check.yaml'}:{line}: "
        "unknown province 'fujain' (no document of the register belongs to it)" in problems
    )
    shutil.rmtree(fixture_copy)
    shutil.copytree(FIXTURE, fixture_copy)
    _edit(
        path, "    text: 两省各有来源的一条。\n", "    text: 两省各有来源的一条。\n    provinces: [fujian]\n"
    )
    assert any(
        "a source for hainan, where the line is never shown" in p
        for p in _problems(fixture_copy, taxonomy, kb)
    )


def test_a_date_citing_a_province_document_must_be_limited_to_it(
    fixture_copy: Path, taxonomy: Taxonomy, kb: KnowledgeBase
) -> None:
    _edit(
        fixture_copy / "province_check.yaml",
        "    label: 福建的一个日期\n    provinces: [fujian]\n",
        "    label: 福建的一个日期\n",
    )
    problems = _problems(fixture_copy, taxonomy, kb)
    assert len(problems) == 1
    assert "fujian source ('fujian_medical_insurance_2025') to families in hainan" in problems[0]


def test_the_runner_cites_each_province_its_own_source_and_other_provinces_the_national_one(
    taxonomy: Taxonomy, kb: KnowledgeBase
) -> None:
    flow = load_flows(FIXTURE, set(taxonomy.intents), set(taxonomy.topics), kb.document_provinces).flows[
        "province_check"
    ]
    t = Translator("zh_Hans")
    cited: dict[str | None, list[str | None]] = {}
    for province in ("fujian", "hainan", "guangdong", None):
        active = ActiveFlow(flow_id=flow.id, answers={"residence": {"province": province}})
        checklist = build_checklist(flow, active, kb, t, TODAY, province, None, None, RULES)
        cited[province] = [line.source for line in checklist.lines]
    fujian, hainan = (kb.documents[d].title for d in ("fujian_plan_2025", "hainan_plan_2024"))
    regulation = kb.documents["residence_permit_regulation"].title
    assert cited["fujian"] == [regulation, fujian, fujian, fujian]
    assert cited["hainan"] == [regulation, hainan, hainan]
    assert cited["guangdong"] == cited[None] == [regulation, regulation]  # no line of only provinces' plans


# ---------------------------------------------------------------- the shipped flows, played by province
def _answers_for(step_type: StepType, flow: Flow, step_id: str, province: str) -> list[Any]:
    step = next(step for step in flow.steps if step.id == step_id)
    if step_type == StepType.place:
        return [{"province": province, "city": FAMILIES[province], "district": None}]
    if step_type == StepType.choice:
        return [choice.value for choice in step.choices]
    if step_type == StepType.yes_no:
        return ["yes", "no"]
    if step_type in (StepType.age, StepType.number):
        return [float(age) for age in AGES]
    if step_type == StepType.date:
        return ["2026-03-08"]
    return ["文字"]


def _plays(flow: Flow, province: str) -> Iterator[dict[str, Any]]:
    """Every way through the flow (steps skipped as the engine skips them), as the final answers."""
    pending = [ActiveFlow(flow_id=flow.id)]
    while pending:
        active = pending.pop()
        step = next_step(flow, active, State(), TODAY)
        if step is None:
            yield dict(active.answers)
            continue
        for value in _answers_for(step.type, flow, step.id, province):
            pending.append(ActiveFlow(flow_id=flow.id, answers={**active.answers, step.id: value}))


@pytest.mark.parametrize(("province", "other"), [("hainan", "fujian"), ("fujian", "hainan")])
def test_no_line_of_any_flow_or_the_checkup_is_sourced_to_the_other_province(
    province: str, other: str, taxonomy: Taxonomy, kb: KnowledgeBase
) -> None:
    flows = load_flows(FLOWS_DIR, set(taxonomy.intents), set(taxonomy.topics), kb.document_provinces)
    t = Translator("zh_Hans")
    province_of_title = {document.title: document.province for document in kb.documents.values()}
    own_titles: set[str] = set()
    played = 0
    for flow in flows.flows.values():
        for answers in _plays(flow, province):
            age = answers.get("child_age")
            active = ActiveFlow(flow_id=flow.id, answers=answers)
            checklist = build_checklist(
                flow,
                active,
                kb,
                t,
                TODAY,
                province,
                FAMILIES[province],
                float(age) if age is not None else None,
                RULES,
            )
            played += 1
            for line in checklist.lines:
                assert line.source is None or province_of_title[line.source] != other, (
                    flow.id,
                    answers,
                    line,
                )
                assert f"在{ {'fujian': '福建', 'hainan': '海南'}[other] }：" not in line.text, (
                    flow.id,
                    line.text,
                )
                if line.source and province_of_title[line.source] == province:
                    own_titles.add(line.source)
    assert played > 500  # every combination of the answers of four flows
    assert own_titles  # the family's own plan is cited, so the check above is not vacuous


def test_the_checkup_says_who_counts_as_a_migrant_child_and_what_still_applies_at_16(
    taxonomy: Taxonomy, kb: KnowledgeBase
) -> None:
    flows = load_flows(FLOWS_DIR, set(taxonomy.intents), set(taxonomy.topics), kb.document_provinces)
    flow = flows.flows["entitlement_checkup"]
    t = Translator("zh_Hans")
    texts: dict[tuple[str, float], list[str]] = {}
    for province, age in itertools.product(FAMILIES, (9.0, 16.0)):
        answers = {"residence": {"province": province}, "child_age": age}
        checklist = build_checklist(
            flow, ActiveFlow(flow_id=flow.id, answers=answers), kb, t, TODAY, province, None, age, RULES
        )
        texts[(province, age)] = [line.text for line in checklist.lines]
    for key, lines in texts.items():
        assert "不满16周岁" in lines[0] and "6个月以上" in lines[0], key
    assert "中心城区" in texts[("fujian", 9.0)][0]  # Fujian excludes moves between central-city districts
    assert "中心城区" not in texts[("hainan", 9.0)][0]  # Hainan's plan does not
    for province in FAMILIES:
        assert not any("不在“流动儿童”的范围里" in text for text in texts[(province, 9.0)])
        assert any("不在“流动儿童”的范围里" in text and "居住证" in text for text in texts[(province, 16.0)])
