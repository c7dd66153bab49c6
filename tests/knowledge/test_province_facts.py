"""Facts as the sources state them, for the province they belong to: documents carry their province,
a province's list cites no other province's document, the migrant-child definition, caveats shown,
the vaccine fee question, and where Hainan's 低保/特困 are applied for (its plan does not say)."""

from __future__ import annotations

from pathlib import Path

from core.i18n import Translator
from core.lexicon import Lexicon
from core.taxonomy import Taxonomy
from knowledge.answer import make_answer, render_answer
from knowledge.catalog import KnowledgeBase
from knowledge.index import Index
from knowledge.schema import HandledAt
from knowledge.validator import check_knowledge


def _problems(directory: Path, taxonomy: Taxonomy, lexicon: Lexicon) -> list[str]:
    return [str(problem) for problem in check_knowledge(directory, taxonomy, lexicon)[1]]


def _replace_once(path: Path, old: str, new: str) -> int:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def test_each_provincial_document_names_its_province(kb: KnowledgeBase) -> None:
    provinces = kb.document_provinces
    assert provinces["fujian_plan_2025"] == provinces["fujian_medical_insurance_2025"] == "fujian"
    assert provinces["hainan_plan_2024"] == "hainan"
    assert provinces["national_plan_2024"] is None and provinces["residence_permit_regulation"] is None


def test_a_hainan_item_citing_the_fujian_plan_is_reported_at_its_line(
    kb_copy: Path, taxonomy: Taxonomy, lexicon: Lexicon
) -> None:
    path = kb_copy / "provinces" / "hainan.yaml"
    line = _replace_once(
        path,
        "      document: hainan_plan_2024\n      item: 三、（三）10",
        "      document: fujian_plan_2025\n      item: 三、（三）10",
    )
    problems = _problems(kb_copy, taxonomy, lexicon)
    assert any(
        p.startswith(f"knowledge/data/provinces/hainan.yaml:{line}:")
        and "'fujian_plan_2025' is a fujian document; the hainan list cannot cite it" in p
        for p in problems
    ), problems


def test_a_document_of_an_unknown_province_is_reported(
    kb_copy: Path, taxonomy: Taxonomy, lexicon: Lexicon
) -> None:
    line = _replace_once(kb_copy / "documents.yaml", "    province: hainan\n", "    province: hainam\n")
    assert (
        f"knowledge/data/documents.yaml:{line}: document 'hainan_plan_2024': unknown province 'hainam'"
        in _problems(kb_copy, taxonomy, lexicon)
    )


def test_the_migrant_child_definition_is_each_provinces_own(kb: KnowledgeBase) -> None:
    fujian, hainan, elsewhere = (
        kb.migrant_child("fujian"),
        kb.migrant_child("hainan"),
        kb.migrant_child("guangdong"),
    )
    assert fujian and hainan and elsewhere
    for definition in (fujian, hainan, elsewhere):
        assert (definition.age_under, definition.months_min, definition.crosses) == (16, 6, "county")
        assert definition.covers_age(15.9) and not definition.covers_age(16)
    assert fujian.excludes == ("central_city_districts",) and fujian.source.document == "fujian_plan_2025"
    assert hainan.excludes == () and hainan.source.document == "hainan_plan_2024"  # Hainan's plan omits it
    assert elsewhere.source.document == "national_plan_2024"


def test_a_city_file_may_not_define_a_migrant_child(
    kb_copy: Path, taxonomy: Taxonomy, lexicon: Lexicon
) -> None:
    (kb_copy / "cities" / "fujian").mkdir(parents=True)
    text = (kb_copy / "provinces" / "fujian.yaml").read_text(encoding="utf-8")
    city = text.replace(
        "layer: province\nprovince: fujian\n", "layer: city\nprovince: fujian\ncity: xiamen\n"
    )
    (kb_copy / "cities" / "fujian" / "xiamen.yaml").write_text(city, encoding="utf-8")
    assert any(
        "a city file does not define who is a migrant child" in p
        for p in _problems(kb_copy, taxonomy, lexicon)
    )


def test_every_materials_list_is_qualified_unless_its_source_gives_it(kb: KnowledgeBase) -> None:
    """A list of papers that no source gives must say it is the usual one, to be confirmed locally."""
    for item in kb.items:
        service = item.service
        cited = {source.document for source in (service.source, *service.also_sources)}
        if service.how.materials and "residence_permit_regulation" not in cited:  # Art. 9 lists them
            assert any("常见" in line and "为准" in line for line in service.unknowns), item.id


def test_every_caveat_is_shown_including_the_one_on_materials(kb: KnowledgeBase, index: Index) -> None:
    t = Translator("zh_Hans")
    hit = next(
        hit
        for hit in index.search("打疫苗要带什么", province="fujian", age=1)
        if hit.item.id == "fj_01_child_health"
    )
    text = render_answer(make_answer(kb, hit, t), t)
    for caveat in kb.by_id["fj_01_child_health"].service.unknowns:
        assert caveat in text
    assert "上面是常见的几样，以接种门诊要求为准" in text


def test_vaccine_fees_are_answered_from_the_law(kb: KnowledgeBase, index: Index) -> None:
    t = Translator("zh_Hans")
    for province in ("fujian", "hainan"):
        hit = index.search("打预防针要钱吗", province=province, age=2)[0]
        assert hit.item.topic == "child_health_0_6"
        text = render_answer(make_answer(kb, hit, t), t)
        assert "国家免疫规划的疫苗由政府免费提供" in text and "规划以外的疫苗自愿接种、自己付费" in text
        assert "清单没写" not in text.split("还要问清楚")[0]


def test_hainan_minimum_living_and_extreme_poverty_say_where_is_not_stated(
    kb: KnowledgeBase, index: Index
) -> None:
    t = Translator("zh_Hans")
    for service_id in ("hn_minimum_living", "hn_extreme_poverty"):
        assert kb.by_id[service_id].service.handled_at == HandledAt.unstated
    hit = next(hit for hit in index.search("吃低保", province="hainan") if hit.item.id == "hn_minimum_living")
    text = render_answer(make_answer(kb, hit, t), t)
    assert "在哪办：依据的文件没写明，先问现在住的地方的民政部门。" in text
    assert "部分手续由老家" not in text


def test_no_hainan_item_borrows_fujian_ages(kb: KnowledgeBase) -> None:
    """Hainan's plan gives no ages for its services; only the definition (under 16) has one."""
    for item in kb.layer("province", "hainan"):
        audience = item.service.audience
        assert audience.age_min is None and audience.age_max is None, item.id
        assert "0-6岁" not in audience.description and "3-6岁" not in audience.description, item.id


def test_obligations_are_stated_as_the_seeds_state_them(kb: KnowledgeBase) -> None:
    texts = {
        item.id: " ".join((item.service.summary, *item.service.provides))
        for item in kb.items
        if item.id in {"fj_mandatory_reporting", "hn_mandatory_reporting", "hn_guardianship_care"}
    }
    assert len(texts) == 3
    for service_id, text in texts.items():
        assert "可训诫" not in text and "可以训诫" not in text, service_id
        assert "应当" in text and "训诫" in text, service_id
