"""Bad input always gets a Parse (out_of_scope, low confidence), never an exception."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlu.engine import EmbeddedParser
from nlu.result import Parse

NASTY = [
    "",
    " ",
    "?",
    "？？？",
    "😀😀😀",
    "\x00\x01\x02\x7f",
    "\u200b\u200d\ufeff",
    "a" * 100_000,
    "孩子" * 50_000,
    "مرحبا 你好 Привет 안녕하세요 🙂",
    "\ud800",  # a lone surrogate
    "\n\n\t\r",
]


def check(result: Parse) -> None:
    assert isinstance(result, Parse)
    assert 0.0 <= result.confidence <= 1.0
    assert isinstance(result.crisis, bool)
    assert result.to_dict()["intent"] == result.intent


def test_empty_emoji_control_characters_and_a_lone_question_mark_are_out_of_scope(
    parser: EmbeddedParser,
) -> None:
    for text in ["", "?", "😀😀😀", "\x00\x01\x02", "\u200b"]:
        result = parser.parse(text)
        check(result)
        assert result.intent == "out_of_scope" and result.confidence <= 0.1 and not result.crisis


def test_huge_and_mixed_script_texts_return_a_parse(parser: EmbeddedParser) -> None:
    for text in NASTY:
        check(parser.parse(text))


def test_a_crisis_at_the_end_of_100_kb_is_still_found(parser: EmbeddedParser) -> None:
    result = parser.parse("今天天气不错 " * 15_000 + "孩子说不想活了")
    assert result.crisis


def test_non_string_input_returns_a_parse(parser: EmbeddedParser) -> None:
    check(parser.parse(None))  # type: ignore[arg-type]
    check(parser.parse(12345))  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=400))
def test_parse_never_raises_on_any_text(parser: EmbeddedParser, text: str) -> None:
    check(parser.parse(text))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.sampled_from(
            [
                "孩子",
                "打",
                "死",
                "😀",
                "\x00",
                "岁",
                "老家",
                "厦门",
                "?",
                "a",
                "١",
                "\u0301",
                " ",
                "二十",
                "年",
                "月",
                "号",
                "2023.5.6",
                "个月",
                "半",
            ]
        ),
        max_size=200,
    ).map("".join)
)
def test_parse_never_raises_on_domain_flavoured_noise(parser: EmbeddedParser, text: str) -> None:
    result = parser.parse(text)
    check(result)
    for entity in result.entities:
        assert 0 <= entity.start <= entity.end <= len(text)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.tuples(st.text(min_size=1, max_size=50), st.integers(min_value=400, max_value=2_000)))
def test_parse_never_raises_on_long_random_text(parser: EmbeddedParser, piece: tuple[str, int]) -> None:
    text, times = piece
    check(parser.parse(text * times))  # up to 100 KB
