"""`tongxing kb check`: the shipped data passes; each kind of defect is reported as file:line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from core.lexicon import Lexicon
from core.taxonomy import Taxonomy
from knowledge.validator import KnowledgeError, check_knowledge, load_knowledge
from tests.datafile_edit import line_of, replace_once


def _check(directory: Path, taxonomy: Taxonomy, lexicon: Lexicon) -> list[str]:
    return [str(problem) for problem in check_knowledge(directory, taxonomy, lexicon)[1]]


def test_shipped_knowledge_base_has_no_problems(taxonomy: Taxonomy, lexicon: Lexicon) -> None:
    from tests.conftest import KNOWLEDGE_DIR

    assert _check(KNOWLEDGE_DIR, taxonomy, lexicon) == []


def test_fujian_list_has_all_20_items_and_each_names_its_source(kb) -> None:  # type: ignore[no-untyped-def]
    fujian = kb.layer("province", "fujian")
    listed = [item for item in fujian if not item.service.derived]
    assert len(listed) == 20
    assert all(item.service.source.document == "fujian_plan_2025" for item in listed)
    for item in kb.items:
        assert item.service.source.item and item.service.source.document in kb.documents


def test_every_topic_is_answerable_in_both_provinces(kb, taxonomy: Taxonomy) -> None:  # type: ignore[no-untyped-def]
    for province in ("fujian", "hainan"):
        topics = {item.topic for item in kb.for_place(province)}
        assert set(taxonomy.topics) <= topics, province


def test_hainan_items_are_marked_derived(kb) -> None:  # type: ignore[no-untyped-def]
    hainan = kb.layer("province", "hainan")
    assert hainan and all(item.service.derived for item in hainan)


def test_unknown_topic_is_reported_at_its_line(kb_copy: Path, taxonomy: Taxonomy, lexicon: Lexicon) -> None:
    path = kb_copy / "provinces" / "fujian.yaml"
    replace_once(path, "topic: preschool", "topic: kindergarden")
    problems = _check(kb_copy, taxonomy, lexicon)
    line = line_of(path, "topic: kindergarden")
    assert any(
        p.startswith(f"knowledge/data/provinces/fujian.yaml:{line}:") and "unknown topic 'kindergarden'" in p
        for p in problems
    ), problems


def test_missing_source_is_reported_at_the_service(
    kb_copy: Path, taxonomy: Taxonomy, lexicon: Lexicon
) -> None:
    path = kb_copy / "provinces" / "hainan.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    victim = data["services"][2]["id"]
    text = path.read_text(encoding="utf-8")
    # drop the `source:` block of the third service (up to the next key at the same indent)
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(rf"\s*- id: {victim}\s*$", line))
    indent = len(lines[start]) - len(lines[start].lstrip()) + 2
    source_at = next(i for i in range(start, len(lines)) if lines[i].startswith(" " * indent + "source:"))
    end = source_at + 1
    while end < len(lines) and (
        not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent
    ):
        end += 1
    path.write_text("\n".join(lines[:source_at] + lines[end:]) + "\n", encoding="utf-8")
    problems = _check(kb_copy, taxonomy, lexicon)
    assert any(
        f"hainan.yaml:{start + 1}:" in p and "'services.2.source' is required" in p for p in problems
    ), problems


def test_bad_age_range_is_reported(kb_copy: Path, taxonomy: Taxonomy, lexicon: Lexicon) -> None:
    path = kb_copy / "provinces" / "fujian.yaml"
    text = path.read_text(encoding="utf-8")
    match = re.search(r"age_min: 3\n(\s+)age_max: 6", text)
    assert match, "fujian preschool item should be ages 3-6"
    path.write_text(
        text.replace(match.group(0), f"age_min: 7\n{match.group(1)}age_max: 6", 1), encoding="utf-8"
    )
    problems = _check(kb_copy, taxonomy, lexicon)
    assert any("fujian.yaml:" in p and "age_min 7 is greater than age_max 6" in p for p in problems), problems


def test_negative_age_is_reported(kb_copy: Path, taxonomy: Taxonomy, lexicon: Lexicon) -> None:
    path = kb_copy / "provinces" / "fujian.yaml"
    replace_once(path, "age_min: 3", "age_min: -3")
    line = line_of(path, "age_min: -3")
    problems = _check(kb_copy, taxonomy, lexicon)
    assert any(f"fujian.yaml:{line}:" in p and "age_min" in p for p in problems), problems


def test_duplicate_id_names_both_places(kb_copy: Path, taxonomy: Taxonomy, lexicon: Lexicon) -> None:
    fujian = yaml.safe_load((kb_copy / "provinces" / "fujian.yaml").read_text(encoding="utf-8"))
    first_id = fujian["services"][0]["id"]
    path = kb_copy / "provinces" / "hainan.yaml"
    hainan_id = yaml.safe_load(path.read_text(encoding="utf-8"))["services"][0]["id"]
    replace_once(path, f"id: {hainan_id}", f"id: {first_id}")
    problems = _check(kb_copy, taxonomy, lexicon)
    assert any(
        f"duplicate id '{first_id}'" in p
        and "fujian.yaml" in p
        and p.startswith("knowledge/data/provinces/hainan.yaml")
        for p in problems
    ), problems


def test_broken_yaml_is_reported_with_its_line(kb_copy: Path, taxonomy: Taxonomy, lexicon: Lexicon) -> None:
    path = kb_copy / "national.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(5, "  - [unclosed: {")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = _check(kb_copy, taxonomy, lexicon)
    assert any(p.startswith("knowledge/data/national.yaml:") and "broken YAML" in p for p in problems), (
        problems
    )


def test_duplicate_key_is_reported(kb_copy: Path, taxonomy: Taxonomy, lexicon: Lexicon) -> None:
    path = kb_copy / "provinces" / "fujian.yaml"
    replace_once(path, "layer: province\n", "layer: province\nlayer: province\n")
    problems = _check(kb_copy, taxonomy, lexicon)
    assert any("fujian.yaml:" in p and "duplicate key 'layer'" in p for p in problems), problems


def test_unregistered_source_document_is_reported(
    kb_copy: Path, taxonomy: Taxonomy, lexicon: Lexicon
) -> None:
    path = kb_copy / "provinces" / "fujian.yaml"
    replace_once(path, "document: fujian_plan_2025", "document: fujian_plan_2099")
    line = line_of(path, "document: fujian_plan_2099")
    problems = _check(kb_copy, taxonomy, lexicon)
    assert any(
        f"fujian.yaml:{line}:" in p and "'fujian_plan_2099' is not in documents.yaml" in p for p in problems
    ), problems


def test_english_short_titles_are_complete_known_and_short(
    kb_copy: Path, taxonomy: Taxonomy, lexicon: Lexicon
) -> None:
    path = kb_copy / "translations" / "en.yaml"
    replace_once(path, '  hotline_12345: "Opinions on government service hotlines"\n', "")
    replace_once(
        path,
        '  fujian_plan_2025: "Fujian plan for migrant children"',
        '  fujian_plan_2025: "The Fujian plan for the care and protection of migrant children"\n'
        '  fujian_plan_2099: "A plan"',
    )
    problems = _check(kb_copy, taxonomy, lexicon)
    expected = {
        line_of(path, "  hotline_12345:"): "'hotline_12345' has no short title",
        line_of(path, '  fujian_plan_2025: "The'): "the short title of 'fujian_plan_2025' is over 6 words",
        line_of(path, "  fujian_plan_2099:"): "for 'fujian_plan_2099', which has no full title",
    }
    for line, message in expected.items():
        assert any(f"en.yaml:{line}:" in p and message in p for p in problems), (message, problems)


def _write_city(kb_copy: Path, kb, drop: int = 0, narrow: bool = False) -> Path:  # type: ignore[no-untyped-def]
    services = []
    for item in kb.layer("province", "fujian")[drop:]:
        data = item.service.model_dump(mode="json", exclude_none=True)
        data["id"] = f"xiamen_{item.id}"
        data["covers"] = [item.id]
        if narrow and item.service.audience.age_min == 3:
            data["audience"]["age_min"] = 4
        services.append(data)
    path = kb_copy / "cities" / "fujian" / "xiamen.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        yaml.safe_dump(
            {"layer": "city", "province": "fujian", "city": "xiamen", "services": services},
            allow_unicode=True,
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    return path


def test_complete_city_list_passes_and_replaces_the_province_list(
    kb_copy: Path,
    kb,
    taxonomy: Taxonomy,
    lexicon: Lexicon,  # type: ignore[no-untyped-def]
) -> None:
    _write_city(kb_copy, kb)
    loaded = load_knowledge(kb_copy, taxonomy, lexicon)
    ids = {item.id for item in loaded.for_place("fujian", "xiamen")}
    assert all(item_id.startswith("xiamen_") for item_id in ids if item_id.startswith(("xiamen_", "fj_")))
    assert not any(item_id.startswith("fj_") for item_id in ids)


def test_city_list_covering_less_than_province_fails(
    kb_copy: Path,
    kb,
    taxonomy: Taxonomy,
    lexicon: Lexicon,  # type: ignore[no-untyped-def]
) -> None:
    _write_city(kb_copy, kb, drop=1)
    first = kb.layer("province", "fujian")[0].id
    with pytest.raises(KnowledgeError) as error:
        load_knowledge(kb_copy, taxonomy, lexicon)
    message = str(error.value)
    assert "knowledge/data/cities/fujian/xiamen.yaml:1:" in message
    assert "covers less than the fujian list" in message and first in message


def test_city_item_serving_fewer_ages_fails(
    kb_copy: Path,
    kb,
    taxonomy: Taxonomy,
    lexicon: Lexicon,  # type: ignore[no-untyped-def]
) -> None:
    _write_city(kb_copy, kb, narrow=True)
    problems = _check(kb_copy, taxonomy, lexicon)
    assert any("narrower than" in p and "xiamen.yaml" in p for p in problems), problems


def test_file_whose_place_does_not_match_its_path_fails(
    kb_copy: Path, taxonomy: Taxonomy, lexicon: Lexicon
) -> None:
    path = kb_copy / "provinces" / "hainan.yaml"
    replace_once(path, "province: hainan", "province: fujian")
    problems = _check(kb_copy, taxonomy, lexicon)
    assert any("hainan.yaml" in p and "does not match its path" in p for p in problems), problems
