"""The guided flows as data: shipped flows are valid; broken ones are reported as file:line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.taxonomy import Taxonomy
from dialogues.flow import FLOWS_DIR
from dialogues.flow_validator import check_flows
from knowledge.catalog import KnowledgeBase


def _check(directory: Path, taxonomy: Taxonomy, kb: KnowledgeBase) -> list[str]:
    _, problems = check_flows(directory, set(taxonomy.intents), set(taxonomy.topics), kb.document_provinces)
    return [str(problem) for problem in problems]


@pytest.fixture
def flows_copy(tmp_path: Path) -> Path:
    target = tmp_path / "flows"
    shutil.copytree(FLOWS_DIR, target)
    return target


def test_shipped_flows_are_valid_and_cover_the_three_applications_and_the_checkup(
    taxonomy: Taxonomy, kb: KnowledgeBase
) -> None:
    flows, problems = check_flows(
        FLOWS_DIR, set(taxonomy.intents), set(taxonomy.topics), kb.document_provinces
    )
    assert [str(problem) for problem in problems] == []
    assert {"residence_permit", "medical_insurance", "school_admission", "entitlement_checkup"} <= set(
        flows.flows
    )
    assert flows.for_intent("start_residence_permit") is not None
    for flow in flows.flows.values():
        assert any(entry.source for entry in flow.checklist), flow.id


def _edit(path: Path, old: str, new: str) -> int:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


def test_unknown_intent_is_reported_at_its_line(
    flows_copy: Path, taxonomy: Taxonomy, kb: KnowledgeBase
) -> None:
    line = _edit(flows_copy / "residence_permit.yaml", "intent: start_residence_permit", "intent: start_visa")
    assert any(
        f"residence_permit.yaml:{line}:" in p and "unknown intent 'start_visa'" in p
        for p in _check(flows_copy, taxonomy, kb)
    )


def test_condition_on_a_later_or_unknown_step_is_reported(
    flows_copy: Path, taxonomy: Taxonomy, kb: KnowledgeBase
) -> None:
    path = flows_copy / "school_admission.yaml"
    text = path.read_text(encoding="utf-8")
    marker = "step: stage" if "step: stage" in text else "step: "
    _edit(path, marker, "step: no_such_step")
    assert any("no_such_step" in p for p in _check(flows_copy, taxonomy, kb))


def test_broken_yaml_and_bad_step_type_are_reported(
    flows_copy: Path, taxonomy: Taxonomy, kb: KnowledgeBase
) -> None:
    _edit(flows_copy / "medical_insurance.yaml", "type: yes_no", "type: maybe")
    (flows_copy / "broken.yaml").write_text("id: broken\nsteps: [\n", encoding="utf-8")
    problems = _check(flows_copy, taxonomy, kb)
    assert any("medical_insurance.yaml:" in p and "type" in p for p in problems)
    assert any("broken.yaml:" in p and "broken YAML" in p for p in problems)


def test_unknown_source_document_in_a_checklist_is_reported(
    flows_copy: Path, taxonomy: Taxonomy, kb: KnowledgeBase
) -> None:
    path = flows_copy / "residence_permit.yaml"
    text = path.read_text(encoding="utf-8")
    document = "residence_permit_regulation" if "residence_permit_regulation" in text else "fujian_plan_2025"
    _edit(path, f"document: {document}", "document: invented_rule")
    assert any("invented_rule" in p and "documents.yaml" in p for p in _check(flows_copy, taxonomy, kb))
