"""The learned crisis scorer, how its thresholds are fitted per pattern level, how the detector
combines it with the patterns, and how the dev sets are found (one author per file)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nlu.crisis import CrisisDetector, CrisisMatch, crisis_dev_files, load_crisis_dev
from nlu.crisis_scorer import CrisisScorer
from nlu.engine import EmbeddedParser
from nlu.featurizer import Vocabulary
from nlu.trainer import FALSE_ALARM_BUDGET, VETO_BELOW, crisis_thresholds, fit_crisis_scorer


def test_dev_files_are_found_in_number_order_and_lines_keep_their_author(tmp_path: Path) -> None:
    for name, positive in (
        ("crisis_dev10.yaml", "十"),
        ("crisis_dev.yaml", "一"),
        ("crisis_dev2.yaml", "二"),
    ):
        (tmp_path / name).write_text(f'positives: ["{positive}"]\nnegatives: ["不是{positive}"]\n', "utf-8")
    files = crisis_dev_files(tmp_path)
    assert [path.name for path in files] == ["crisis_dev.yaml", "crisis_dev2.yaml", "crisis_dev10.yaml"]
    dev = load_crisis_dev(files)
    assert dev.positives == ("一", "二", "十")
    assert dev.groups == (0, 1, 2, 0, 1, 2)
    assert dev.gold == (True, True, True, False, False, False)


def test_scorer_probability_is_a_sigmoid_of_the_tfidf_margin() -> None:
    vocabulary = Vocabulary({"w:打": 0, "w:疫苗": 1}, np.ones(2, dtype=np.float32))
    scorer = CrisisScorer(vocabulary, np.array([4.0, -6.0], dtype=np.float32), -1.0)
    assert scorer.probability(["w:打"]) == pytest.approx(1 / (1 + np.exp(-3.0)), rel=1e-5)
    assert scorer.probability(["w:打", "w:疫苗"]) < 0.5 < scorer.probability(["w:打"])
    assert scorer.probability([]) == pytest.approx(1 / (1 + np.exp(1.0)), rel=1e-5)  # the bias alone
    assert scorer.probability(["w:没见过"]) == scorer.probability([])


def test_out_of_fold_probabilities_come_from_scorers_that_did_not_see_the_line() -> None:
    # Two authors who use disjoint words: a scorer that never saw author B's words cannot be sure
    # about them, while the final scorer, trained on everything, is.
    documents = [["w:危险", "w:孩子"]] * 6 + [["w:安全", "w:孩子"]] * 6
    documents += [["w:不见了"]] * 6 + [["w:回来了"]] * 6
    gold = [True] * 6 + [False] * 6 + [True] * 6 + [False] * 6
    groups = [0] * 12 + [1] * 12
    scorer, out_of_fold = fit_crisis_scorer(documents, gold, groups, folds=2)
    assert scorer.probability(["w:不见了"]) > 0.8
    assert out_of_fold[12] < scorer.probability(["w:不见了"])
    assert abs(out_of_fold[12] - 0.5) < 0.2  # unseen words: the scorer knows nothing


def test_the_threshold_keeps_false_alarms_on_harmless_dev_lines_within_the_budget() -> None:
    harmless = [("weak", p / 100, False) for p in range(100)]  # 0.00 .. 0.99
    crises = [("none", 0.3, True)] * 40  # crisis lines do not pull the threshold down
    strong = [("strong", 0.99, False)] * 50  # settled by the patterns: not the scorer's false alarms
    examples = [("none", 0.98, False)] * 30  # intent examples: not dev lines
    levels = harmless + crises + strong + examples
    dev = [True] * (len(harmless) + len(crises) + len(strong)) + [False] * len(examples)
    thresholds = crisis_thresholds(levels, dev)
    assert thresholds["veto"] == VETO_BELOW
    threshold = thresholds["scorer"]
    flagged = sum(p >= threshold for _, p, _ in harmless)
    assert flagged <= FALSE_ALARM_BUDGET * len(harmless) + 1
    assert 0.9 <= threshold < 0.99


def test_decide_combines_pattern_level_and_scorer_probability() -> None:
    detector = CrisisDetector(thresholds={"scorer": 0.8})
    strong = CrisisMatch(strong=("violence",))
    assert detector.decide(strong, 0.01).reasons == ("pattern:violence",)  # a strong match decides
    assert detector.decide(CrisisMatch(weak=True), 0.85).reasons == ("weak-cue", "scorer:0.85")
    assert not detector.decide(CrisisMatch(weak=True), 0.75).crisis
    assert detector.decide(CrisisMatch(damped=("danger",)), 0.81).reasons[0] == "damped:danger"
    assert detector.decide(CrisisMatch(), 0.9).reasons == ("scorer:0.90",)
    assert not detector.decide(CrisisMatch(), 0.79).crisis
    vetoing = CrisisDetector(thresholds={"scorer": 0.8, "veto": 0.05})
    assert not vetoing.decide(strong, 0.04).crisis  # the scorer read it all and is nearly certain
    assert vetoing.decide(strong, 0.04, whole=False).crisis  # it read only the start of a long text
    assert vetoing.decide(strong, 0.06).crisis
    # with no cue at all, a few characters are too little for the scorer to decide alone
    assert not detector.decide(CrisisMatch(), 0.95, length=4).crisis
    assert detector.decide(CrisisMatch(weak=True), 0.95, length=3).crisis  # a cue: "他打我"
    masked = CrisisMatch(masked=True)  # only harmless uses of alarming words ("累死了")
    assert not detector.decide(masked, 0.5).crisis and detector.decide(masked, 0.95).crisis


def test_the_trained_parser_uses_its_scorer_and_fitted_thresholds(parser: EmbeddedParser) -> None:
    assert set(parser.crisis.thresholds) == {"scorer", "veto"}
    assert 0.5 <= parser.crisis.thresholds["scorer"] < 1.0
    assert parser.crisis.thresholds["veto"] == VETO_BELOW
    assert len(parser.model.info["dev_crisis_by_author"]) == len(crisis_dev_files())


def test_the_scorer_alone_catches_a_crisis_in_words_no_pattern_knows(
    parser: EmbeddedParser, tmp_path: Path
) -> None:
    # The same trained model with a pattern file that has no strong patterns at all.
    empty = tmp_path / "crisis.yaml"
    empty.write_text("terms: {}\nstrong: {}\nweak: []\n", encoding="utf-8")
    scorer_only = EmbeddedParser(
        parser.model, parser.tokenizer, crisis=CrisisDetector(empty, thresholds=parser.crisis.thresholds)
    )
    found = scorer_only.parse("孩子把自己反锁在房间 说再也不出来了 桌上留了封信")
    assert found.crisis and found.intent == "crisis"
    assert found.crisis_reasons[-1].startswith("scorer:")
    assert not scorer_only.parse("明天带孩子去社区打疫苗 要带什么").crisis


@pytest.mark.parametrize(
    "reply",
    [
        "我不知道",
        "不知道",
        "不知道啊",
        "不清楚",
        "他不在",
        "没有",
        "好的",
        "不是",
        "嗯嗯",
        "孩子睡了",
        "I don't know",
    ],
)
def test_common_short_replies_are_not_a_crisis(parser: EmbeddedParser, reply: str) -> None:
    assert not parser.parse(reply).crisis
