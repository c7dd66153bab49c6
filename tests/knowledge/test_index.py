"""Retrieval: parents' words find the right service, for the right place and age."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.index import Index


def _top_topic(index: Index, text: str, **place: object) -> str | None:
    hits = index.search(text, **place)  # type: ignore[arg-type]
    return hits[0].item.topic if hits else None


def test_colloquial_names_find_the_residence_permit(index: Index) -> None:
    assert _top_topic(index, "暂住证咋办 要带啥", province="fujian") == "residence_permit"
    assert _top_topic(index, "居住證怎麼辦理", province="hainan") == "residence_permit"


def test_kindergarten_question_finds_preschool(index: Index) -> None:
    assert (
        _top_topic(index, "孩子三岁了想上幼儿园 外地的能上公办的不", province="fujian", age=3) == "preschool"
    )


def test_vaccination_question_finds_child_health(index: Index) -> None:
    assert _top_topic(index, "娃刚满月 在哪打预防针", province="hainan", age=0) == "child_health_0_6"


def test_low_income_question_finds_minimum_living(index: Index) -> None:
    assert _top_topic(index, "吃低保要啥条件 我们户口在老家", province="fujian") == "minimum_living"


def test_results_are_limited_to_the_familys_province(index: Index) -> None:
    for province in ("fujian", "hainan"):
        for hit in index.search("孩子上学 医保 低保 公租房", province=province, limit=10):
            assert hit.item.layer == "national" or hit.item.province == province


def test_age_outside_an_items_range_lowers_its_score(index: Index) -> None:
    young = index.search("幼儿园 入园", province="fujian", age=4, one_per_topic=False, limit=20)
    old = index.search("幼儿园 入园", province="fujian", age=14, one_per_topic=False, limit=20)
    score = {hit.item.id: hit.score for hit in young}
    later = {hit.item.id: hit.score for hit in old}
    preschool = next(hit.item.id for hit in young if hit.item.topic == "preschool")
    assert later.get(preschool, 0) < score[preschool]


def test_unrelated_question_finds_nothing(index: Index) -> None:
    assert index.search("明天天气怎么样 会不会下雨", province="fujian") == []
    assert index.search("", province="fujian") == []


def test_one_item_per_topic_by_default(index: Index) -> None:
    topics = [hit.item.topic for hit in index.search("孩子上学报名要什么材料", province="fujian", limit=10)]
    assert len(topics) == len(set(topics))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=500), age=st.one_of(st.none(), st.floats(0, 17)))
def test_search_never_raises_and_scores_are_ranked(index: Index, text: str, age: float | None) -> None:
    hits = index.search(text, province="fujian", age=age)
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)
