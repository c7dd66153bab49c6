"""The crisis detector's pattern language (terms, combinations, framing with exceptions) on small
pattern files, and the shipped patterns on situations rather than keywords."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.tokenizer import Tokenizer
from nlu.crisis import CRISIS_FILE, CrisisDetector

SMALL = """
terms:
  S: '[^ ,。]'
  CHILD: 孩子|娃
  KID_OR_BABY: '{CHILD}|宝宝'
negatives:
  - 打疫苗
strong:
  danger:
    - (?:{KID_OR_BABY})(?:{S}{0,4})掉进(?:{S}{0,4})河
    - all:
        - 楼顶|天台
        - 不肯下来
      none:
        - 晒被子
  violence:
    - 打(?:{CHILD})
weak:
  - 打
framing:
  past:
    patterns:
      - 去年
    unless:
      - 又|今天
  fiction:
    patterns:
      - 电视剧
dampers:
  danger: [fiction]
  default: [fiction, past]
"""


@pytest.fixture()
def small(tmp_path: Path) -> CrisisDetector:
    path = tmp_path / "crisis.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return CrisisDetector(path)


def test_terms_expand_inside_patterns_and_inside_other_terms(small: CrisisDetector) -> None:
    assert small.match("宝宝刚才掉进河里了").strong == ("danger",)
    assert small.match("娃掉进河里了").strong == ("danger",)
    assert small.match("孩子 掉进河里了").level == "none"  # a space ends the clause {S} may span


def test_a_combination_needs_every_part_and_no_excluded_part(small: CrisisDetector) -> None:
    assert small.match("孩子不肯下来 人在天台").strong == ("danger",)
    assert small.match("孩子在天台").level == "none"
    assert small.match("孩子在天台晒被子 不肯下来").level == "none"


def test_framing_damps_unless_the_text_says_it_is_happening_now(small: CrisisDetector) -> None:
    assert small.match("去年他打孩子").damped == ("violence",)
    assert small.match("去年他打孩子 今天又打了").strong == ("violence",)
    # each category has its own dampers: past framing does not apply to danger
    assert small.match("去年孩子掉进河里").strong == ("danger",)
    assert small.match("电视剧里孩子掉进河里").damped == ("danger",)


def test_negatives_are_blanked_before_matching(small: CrisisDetector) -> None:
    found = small.match("带孩子去打疫苗")
    assert found.level == "masked"  # nothing strong, damped or weak: only harmless uses


def test_unknown_terms_and_framing_names_are_errors(tmp_path: Path) -> None:
    path = tmp_path / "crisis.yaml"
    path.write_text("strong:\n  danger:\n    - '{NOBODY}'\n", encoding="utf-8")
    with pytest.raises(ValueError, match="NOBODY"):
        CrisisDetector(path)
    path.write_text("strong: {}\ndampers:\n  default: [nothing]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="nothing"):
        CrisisDetector(path)


@pytest.fixture(scope="module")
def shipped() -> CrisisDetector:
    return CrisisDetector(CRISIS_FILE)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("孩子爬到阳台栏杆外面了", "danger"),
        ("娃掉进鱼塘里了 还没捞上来", "danger"),
        ("宝宝嘴唇发紫 不喘气了", "danger"),
        ("孩子把爷爷的降压药吃了好几片", "danger"),
        ("楼上把两个孩子锁在家里三天了", "violence"),
        ("孩子说表叔摸她下面 不让她告诉妈妈", "sexual_harm"),
        ("孩子把心爱的玩具都分给了同学 还说了再见", "self_harm"),
        ("我撑不下去了 想带着孩子一起走", "self_harm"),
        ("有个男的拿着刀在校门口追小孩", "violence"),
        ("孩子跑出去四个钟头了 天都黑了", "missing_or_abandoned"),
        ("邻居家小孩好几天没吃饭了", "neglect"),
    ],
)
def test_situations_are_strong_matches(
    shipped: CrisisDetector, tokenizer: Tokenizer, text: str, category: str
) -> None:
    assert category in shipped.match(tokenizer.normalize(text)).strong


@pytest.mark.parametrize(
    "text",
    [
        "孩子在窗台上养了几盆多肉",
        "去年孩子走丢过 后来找到了 现在想办居住证",
        "孩子被车门夹到手了 肿了 要不要拍片",
        "我都快被这些材料搞死了",
        "孩子看柯南 里面天天死人 适合几岁看",
        "幼儿园老师发现孩子身上有伤 按规定要报给谁",
        "孩子卡介苗的疤没出来 要补种吗",
        "喝了杯拿铁",
    ],
)
def test_harmless_uses_of_alarming_words_are_no_strong_match(
    shipped: CrisisDetector, tokenizer: Tokenizer, text: str
) -> None:
    assert shipped.match(tokenizer.normalize(text)).level != "strong"
