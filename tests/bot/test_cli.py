"""The `tongxing` command line, run as a parent or civil-affairs staff would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import migrate

ROOT = Path(__file__).resolve().parents[2]
TONGXING = str(Path(sys.executable).parent / "tongxing")


def run(
    *args: str, data_dir: Path, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "TONGXING_DATA_DIR": str(data_dir), **(env or {})}
    environment.pop("TONGXING_DATABASE_URL", None)
    return subprocess.run(
        [TONGXING, *args], capture_output=True, text=True, input=stdin, env=environment, cwd=ROOT, timeout=120
    )


@pytest.fixture
def installed(tmp_path: Path, install_model: Callable[[Path], Path]) -> Path:
    """A data directory as `make run` leaves it: the model installed, the database migrated."""
    install_model(tmp_path)
    migrate(f"sqlite:///{tmp_path / 'tongxing.db'}")
    return tmp_path


@pytest.fixture
def migrated(tmp_path: Path) -> Path:
    """A data directory with a migrated database and no model (what the `kb` commands need)."""
    migrate(f"sqlite:///{tmp_path / 'tongxing.db'}")
    return tmp_path


def test_kb_check_passes_on_shipped_data(tmp_path: Path) -> None:
    result = run("kb", "check", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "every topic answerable in: fujian, hainan" in result.stdout


def test_kb_check_fails_with_file_and_line_on_a_broken_copy(kb_copy: Path, tmp_path: Path) -> None:
    path = kb_copy / "national.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n  bad: [\n", encoding="utf-8")
    result = run("kb", "check", "--dir", str(kb_copy), data_dir=tmp_path)
    assert result.returncode == 1
    assert "national.yaml:" in result.stderr and "broken YAML" in result.stderr
    assert "Traceback" not in result.stderr


def test_ask_prints_answer_with_source(installed: Path) -> None:
    result = run("ask", "孩子在厦门上小学要准备什么", "--city", "厦门", "--age", "6", data_dir=installed)
    assert result.returncode == 0, result.stderr
    assert "来源：《福建省加强流动儿童关爱保护行动实施方案》" in result.stdout
    assert "怎么办：" in result.stdout and "去哪里：" in result.stdout


def test_ask_json_follows_the_documented_schema(installed: Path) -> None:
    result = run("ask", "暂住证怎么办", "--province", "hainan", "--json", data_dir=installed)
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout)["answers"]
    assert answers and answers[0]["topic"] == "residence_permit"
    for answer in answers:
        assert {"service_id", "topic", "score", "title", "summary", "how", "where", "source"} <= set(answer)
    ranks = [answer["rank_score"] for answer in answers]
    assert ranks == sorted(ranks, reverse=True)  # ranked best first by the fused score


def test_ask_reads_place_and_age_from_the_question_when_not_given(installed: Path) -> None:
    result = run("ask", "我们在厦门 孩子5岁 能上公办幼儿园吗", "--json", data_dir=installed)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["understood"]["city"] == "xiamen" and data["understood"]["age"] == 5
    assert data["answers"][0]["topic"] == "preschool"


def test_ask_without_answer_says_so_offers_a_person_and_records_the_gap(installed: Path) -> None:
    result = run("ask", "明天厦门天气怎么样", "--province", "fujian", data_dir=installed)
    assert result.returncode == 0
    assert "还没有答案" in result.stdout and "/human" in result.stdout
    gaps = run("kb", "gaps", data_dir=installed)
    assert "明天[地点]天气怎么样" in gaps.stdout  # scrubbed, as in the gap report


def test_ask_in_traditional_and_english(installed: Path) -> None:
    hant = run("ask", "居住證怎麼辦", "--province", "fujian", "--locale", "zh_Hant", data_dir=installed)
    assert "來源：" in hant.stdout
    english = run("ask", "居住证怎么办", "--province", "fujian", "--locale", "en", data_dir=installed)
    assert "Source:" in english.stdout and "How to get it:" in english.stdout


def test_unknown_place_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    result = run("ask", "低保", "--city", "Atlantis", data_dir=tmp_path)
    assert result.returncode != 0
    assert "unknown city" in result.stderr and "Traceback" not in result.stderr


def test_db_upgrade_creates_the_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    result = run("db", "upgrade", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "tongxing.db").exists()


@pytest.mark.parametrize("command", [("ask", "低保"), ("kb", "gaps"), ("handoff", "list"), ("db", "purge")])
def test_a_database_not_migrated_is_a_clear_error_naming_the_command(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    result = run(*command, data_dir=tmp_path)
    assert result.returncode == 1
    assert "run `tongxing db upgrade`" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "tongxing.db").exists()  # nothing was migrated or created


def test_chat_without_a_trained_model_says_what_to_run(migrated: Path) -> None:
    result = run("chat", data_dir=migrated, stdin="你好\n")
    assert result.returncode == 1
    assert "run `tongxing nlu train` (or `make install`)" in result.stderr
    assert "Traceback" not in result.stderr and not (migrated / "nlu").exists()


def test_nlu_train_if_stale_keeps_a_current_model(installed: Path) -> None:
    result = run("nlu", "train", "--if-stale", data_dir=installed)
    assert result.returncode == 0, result.stderr
    assert "the NLU model is up to date" in result.stdout


def test_a_bad_time_zone_is_a_clear_error(tmp_path: Path) -> None:
    result = run("kb", "check", data_dir=tmp_path, env={"TONGXING_TIMEZONE": "Asia/Xiamen"})
    assert result.returncode == 1
    assert "TONGXING_TIMEZONE" in result.stderr and "Traceback" not in result.stderr


def test_kb_export_then_import_a_city_list(kb_copy: Path, migrated: Path) -> None:
    sheet = migrated / "xiamen.xlsx"
    env = {"TONGXING_KNOWLEDGE_DIR": str(kb_copy)}
    exported = run(
        "kb",
        "export",
        "--province",
        "fujian",
        "--template-for-city",
        "xiamen",
        "--out",
        str(sheet),
        data_dir=migrated,
        env=env,
    )
    assert exported.returncode == 0, exported.stderr
    imported = run(
        "kb", "import", str(sheet), "--province", "福建", "--city", "厦门", data_dir=migrated, env=env
    )
    assert imported.returncode == 0, imported.stderr
    assert (kb_copy / "cities" / "fujian" / "xiamen.yaml").exists()
    assert run("kb", "check", "--dir", str(kb_copy), data_dir=migrated).returncode == 0


@pytest.mark.parametrize(
    "lines", ["孩子打疫苗在哪里\n\n暂住证怎么办\n", "\x00\x01\n" + "长" * 6000 + "\n😀😀\n"]
)
def test_chat_reads_one_message_per_line_without_crashing(installed: Path, lines: str) -> None:
    result = run("chat", data_dir=installed, stdin=lines)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and result.stdout.strip()


def test_handoff_list_shows_tickets_urgent_first_and_records_who_looked(installed: Path) -> None:
    chat = run("chat", data_dir=installed, stdin="/human\n可以\n孩子被他爸打得浑身是伤\n")
    assert chat.returncode == 0, chat.stderr
    listed = run("handoff", "list", "--worker", "社工小王", data_dir=installed)
    assert listed.returncode == 0, listed.stderr
    rows = listed.stdout.strip().splitlines()
    assert len(rows) == 2 and rows[0].split("\t")[1] == "urgent" and rows[1].split("\t")[1] == "normal"
    import sqlite3

    with sqlite3.connect(installed / "tongxing.db") as connection:
        seen = connection.execute("SELECT worker, action, ticket_id FROM worker_access").fetchall()
    assert sorted(seen) == sorted([("社工小王", "list_tickets", 1), ("社工小王", "list_tickets", 2)])


def test_a_failing_turn_is_reported_kindly_and_the_chat_goes_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The engine raising on one message (simulated) must not end the chat or print a traceback."""
    from typer.testing import CliRunner

    from bot import cli
    from core.message import Reply

    class Flaky:
        def handle(self, inbound):  # type: ignore[no-untyped-def]
            if inbound.text == "boom":
                raise RuntimeError("simulated failure")
            return [Reply(f"echo {inbound.text}")]

    class Context:
        conversations = Flaky()
        settings = cli.Settings(data_dir=tmp_path)

        def translator(self, locale=None):  # type: ignore[no-untyped-def]
            return cli.Translator(locale or "zh_Hans")

    monkeypatch.setattr(cli, "_app", lambda: Context())

    class NoJobs:
        def shutdown(self) -> None:
            pass

    monkeypatch.setattr(cli, "start_daily_jobs", lambda context: NoJobs())
    result = CliRunner().invoke(cli.app, ["chat"], input="hello\nboom\nagain\n")
    assert result.exit_code == 0
    assert "echo hello" in result.output and "echo again" in result.output
    assert "出了点问题" in result.output and "Traceback" not in result.output


def test_db_quarantine_lists_a_state_that_another_key_could_not_read(installed: Path) -> None:
    tmp_path = installed
    assert run("chat", data_dir=tmp_path, stdin="你好\n").returncode == 0
    empty = run("db", "quarantine", data_dir=tmp_path)
    assert empty.stdout.strip() == "no conversation state is in quarantine"
    other_key = {"TONGXING_SECRET_KEY": "q5lWWtq1L1f8GqJ7Jb7J3bHj4l0m4Q2bV6wq7u2s5xY="}
    chat = run("chat", data_dir=tmp_path, stdin="你好\n", env=other_key)
    assert chat.returncode == 0, chat.stderr
    assert "没能读出我们之前的对话进度" in chat.stdout
    listed = run("db", "quarantine", data_dir=tmp_path)
    assert listed.returncode == 0, listed.stderr
    (row,) = listed.stdout.strip().splitlines()
    assert row.startswith("#1\t") and "\tcli:terminal\t" in row and "cannot decrypt" in row
    log = (tmp_path / "tongxing.log").read_text(encoding="utf-8")
    assert "WARNING" in log and "quarantine #1" in log and "terminal" not in log


def test_serve_refuses_telegram_long_polling_in_several_processes(tmp_path: Path) -> None:
    result = run("serve", "--workers", "2", data_dir=tmp_path, env={"TONGXING_TELEGRAM_TOKEN": "1:T"})
    assert result.returncode == 2
    assert "long polling is for one process" in result.stderr and "TELEGRAM_WEBHOOK_URL" in result.stderr


def test_kb_gaps_prints_each_question_scrubbed_by_the_gap_reports_scrubber(migrated: Path) -> None:
    from bot.reports.scrub import scrub
    from bot.storage.models import UnansweredQuestion
    from core.database import make_engine, make_sessions, transaction

    asked = "我叫王小明，电话13812345678，住在厦门思明区，王明丽能上学吗"
    engine = make_engine(f"sqlite:///{migrated / 'tongxing.db'}")
    with transaction(make_sessions(engine)) as session:
        session.add(UnansweredQuestion(text=asked, province="fujian", city="xiamen", channel="cli"))
    engine.dispose()
    result = run("kb", "gaps", data_dir=migrated)
    assert result.returncode == 0, result.stderr
    for secret in ("王小明", "13812345678", "思明", "王明丽"):
        assert secret not in result.stdout
    assert "能上学吗" in result.stdout
    from core.lexicon import load_lexicon

    assert scrub(asked, list(load_lexicon().every_place_name)) in result.stdout


def test_report_lists_says_no_city_list_is_recorded_and_names_topics_in_the_chosen_language(
    migrated: Path,
) -> None:
    result = run("report", "lists", "--province", "福建", "--format", "json", data_dir=migrated)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["notes"][0].startswith("还没有记录任何城市的服务清单")
    assert "tongxing kb import" in data["notes"][1] and "tongxing check" in data["notes"][1]
    assert {row["published"] for row in data["tables"][0]["rows"]} == {"not_recorded"}
    csv_out = run("report", "demand", "--province", "福建", "--locale", "en", data_dir=migrated)
    assert csv_out.returncode == 0, csv_out.stderr
    assert "topic,topic_name,questions,families" in csv_out.stdout
