"""`tongxing nlu ...`: parse (text, --json, --jsonl), evaluate, train, export-rasa."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bot.cli import app
from core.taxonomy import Taxonomy
from nlu.engine import EmbeddedParser


@pytest.fixture
def runner(parser: EmbeddedParser, nlu_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The session's trained model is already in nlu_data_dir, so no command retrains."""
    monkeypatch.setenv("TONGXING_DATA_DIR", str(nlu_data_dir))
    monkeypatch.setenv("TONGXING_NLU_BACKEND", "embedded")
    return CliRunner()


def test_jsonl_answers_every_line_in_order_and_malformed_lines_get_an_error(runner: CliRunner) -> None:
    lines = [
        json.dumps({"text": "你好"}, ensure_ascii=False),
        "this is not json",
        json.dumps({"text": "孩子说不想活了"}, ensure_ascii=False),
        json.dumps({"no_text": 1}),
        json.dumps(["a", "list"]),
        json.dumps({"text": 42}),
        json.dumps({"text": "居住证怎么办理"}, ensure_ascii=False),
    ]
    result = runner.invoke(app, ["nlu", "parse", "--jsonl"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == 7
    assert answers[0]["intent"] == "greet"
    assert set(answers[0]) == {"intent", "topic", "confidence", "entities", "crisis"}
    assert "error" in answers[1] and "error" in answers[3] and "error" in answers[4] and "error" in answers[5]
    assert answers[2]["crisis"] is True
    assert answers[6]["intent"] == "start_residence_permit"


def test_parse_prints_a_line_or_the_whole_parse_as_json(runner: CliRunner) -> None:
    plain = runner.invoke(app, ["nlu", "parse", "老家四川南充的 现在在厦门湖里"])
    assert plain.exit_code == 0, plain.output
    assert "city: xiamen [residence]" in plain.stdout
    as_json = runner.invoke(
        app, ["nlu", "parse", "23年5月6号生的 该打什么疫苗", "--json", "--today", "2026-11-22"]
    )
    data = json.loads(as_json.stdout)
    assert data["intent"] == "vaccination_schedule"
    assert {"name": "birth_date", "value": "2023-05-06"}.items() <= data["entities"][0].items()


def test_evaluate_prints_per_intent_figures_and_writes_a_report(runner: CliRunner, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    result = runner.invoke(app, ["nlu", "evaluate", "--report", str(report), "--misses", "3"])
    assert result.exit_code == 0, result.output
    assert (
        "per intent" in result.stdout and "per topic" in result.stdout and "worst confusions" in result.stdout
    )
    figures = json.loads(report.read_text(encoding="utf-8"))
    assert {
        "intent_top1",
        "topic_top1",
        "out_of_scope",
        "crisis_recall",
        "crisis_false_alarms",
        "misclassified",
        "worst_confusions",
    } <= set(figures)


def test_export_rasa_writes_yaml_with_every_intent_and_topic(
    runner: CliRunner, tmp_path: Path, taxonomy: Taxonomy
) -> None:
    target = tmp_path / "rasa"
    result = runner.invoke(app, ["nlu", "export-rasa", str(target)])
    assert result.exit_code == 0, result.output
    config = yaml.safe_load((target / "config.yml").read_text(encoding="utf-8"))
    domain = yaml.safe_load((target / "domain.yml").read_text(encoding="utf-8"))
    data = yaml.safe_load((target / "data" / "nlu.yml").read_text(encoding="utf-8"))
    assert config["language"] == "zh"
    names = [step["name"] for step in config["pipeline"]]
    assert names[0] == "JiebaTokenizer" and "DIETClassifier" in names and "FallbackClassifier" in names
    assert (target / config["pipeline"][0]["dictionary_path"]).is_dir()
    diet = next(step for step in config["pipeline"] if step["name"] == "DIETClassifier")
    assert diet["epochs"] == 100 and isinstance(diet["random_seed"], int)
    assert set(domain["intents"]) == set(taxonomy.intents)
    labels = {block["intent"] for block in data["nlu"] if "intent" in block}
    assert {f"ask_entitlement/{topic}" for topic in taxonomy.topics} <= labels
    assert {block.get("lookup") for block in data["nlu"]} >= {"province", "city", "vaccine"}
    assert any("synonym" in block for block in data["nlu"])
    assert set(domain["responses"]) == {f"utter_ask_entitlement/{topic}" for topic in taxonomy.topics}
