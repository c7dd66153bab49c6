from datetime import date
from pathlib import Path

import pytest

from core.i18n import Translator, normalize_locale
from core.settings import Settings


def test_settings_default_to_sqlite_file_in_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TONGXING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TONGXING_DATABASE_URL", raising=False)
    settings = Settings()
    assert settings.resolved_database_url() == f"sqlite:///{tmp_path.resolve() / 'tongxing.db'}"


def test_settings_take_database_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TONGXING_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/x")
    assert Settings().resolved_database_url() == "postgresql+psycopg://postgres@127.0.0.1/x"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("zh_Hans", "2025年3月5日"), ("zh_Hant", "2025年3月5日"), ("en", "Mar 5, 2025")],
)
def test_dates_are_formatted_for_the_locale(locale: str, expected: str) -> None:
    assert Translator(locale).format_date(date(2025, 3, 5)) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("zh-CN", "zh_Hans"),
        ("zh_TW", "zh_Hant"),
        ("zh-HK", "zh_Hant"),
        ("en-GB", "en"),
        ("繁體", "zh_Hant"),
        ("English", "en"),
        (None, "zh_Hans"),
        ("fr", "zh_Hans"),
    ],
)
def test_platform_locales_map_onto_supported_ones(raw: str | None, expected: str) -> None:
    assert normalize_locale(raw) == expected


def test_traditional_translator_converts_knowledge_text_script() -> None:
    assert Translator("zh_Hant").content("孩子上学要带户口簿") == "孩子上學要帶戶口簿"
    assert Translator("zh_Hans").content("孩子上学") == "孩子上学"


def test_source_language_is_returned_untranslated_for_zh_hans() -> None:
    assert Translator("zh_Hans").gettext("谁可以：{who}", who="所有孩子") == "谁可以：所有孩子"


def test_english_catalog_translates_answer_labels() -> None:
    assert Translator("en").gettext("谁可以：{who}", who="x") == "Who can get it: x"
    assert Translator("zh_Hant").gettext("谁可以：{who}", who="x") == "誰可以：x"
