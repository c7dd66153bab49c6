"""The hotline API (/v1) in process: answers with sources, the crisis flag as the chat decides it,
keys, rate limits, and a JSON error with a clear message for every refusal."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app import App
from bot.server.api_keys import KeyStore, RateLimiter, hash_key
from bot.server.app import create_server
from bot.server.channel import RoutesOnly
from bot.server.hotline_api import HotlineApi
from bot.storage.api_key import ApiKey
from bot.storage.models import UnansweredQuestion
from core.message import Inbound

CRISIS_QUESTION = "孩子被他爸打得浑身是伤，现在不敢回家"


@pytest.fixture
def app(make_app: Callable[..., App]) -> App:
    return make_app()


def serve(app: App, limiter: RateLimiter | None = None) -> TestClient:
    api = HotlineApi(app, limiter=limiter)
    return TestClient(create_server(app, [RoutesOnly("api", api.router())]))


@pytest.fixture
def key(app: App) -> str:
    return KeyStore(app.storage.sessions, app.clock).create("hotline-test")


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    with serve(app) as client:
        yield client


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_ask_gives_ranked_answers_with_topic_service_source_and_confidence(
    client: TestClient, key: str
) -> None:
    response = client.post(
        "/v1/ask", json={"question": "孩子5岁，外地户口能上公办幼儿园吗", "city": "厦门"}, headers=auth(key)
    )
    assert response.status_code == 200
    body = response.json()
    assert body["crisis"] is False and body["emergency"] is None
    first = body["answers"][0]
    assert first["rank"] == 1 and first["topic"] == "preschool"
    assert first["service_id"] and first["how"] and first["where"] and first["summary"]
    assert first["source"].startswith("《")
    assert 0.0 <= first["confidence"] <= 1.0
    assert body["understood"]["city"] == "xiamen" and body["understood"]["province"] == "fujian"
    scores = [answer["rank_score"] for answer in body["answers"]]
    assert scores == sorted(scores, reverse=True)


def test_ask_answers_as_the_chat_understands(app: App, client: TestClient, key: str) -> None:
    question = "暂住证怎么办 要带什么"
    expected = app.hotline.answer(question, translator=app.translator("zh_Hans"))
    body = client.post("/v1/ask", json={"question": question}, headers=auth(key)).json()
    assert [a["service_id"] for a in body["answers"]] == [a.service_id for a in expected.answers]


def test_a_crisis_question_sets_the_flag_and_the_chats_emergency_numbers(
    app: App, client: TestClient, key: str
) -> None:
    body = client.post("/v1/ask", json={"question": CRISIS_QUESTION}, headers=auth(key)).json()
    assert body["crisis"] is True
    numbers = [entry["number"] for entry in body["emergency"]["numbers"]]
    assert numbers == ["110", "120", "12355"]
    chat = app.conversations.handle(Inbound(user_id="p1", channel="test", text=CRISIS_QUESTION))
    assert chat[0].text == body["emergency"]["message"]  # the same words as the chat, first


def test_a_crisis_question_is_not_recorded_as_a_knowledge_gap(app: App, client: TestClient, key: str) -> None:
    client.post("/v1/ask", json={"question": CRISIS_QUESTION}, headers=auth(key))
    with app.storage.sessions() as session:
        assert session.scalars(select(UnansweredQuestion)).all() == []


def test_emergency_labels_follow_the_locale(client: TestClient, key: str) -> None:
    body = client.post(
        "/v1/ask", json={"question": CRISIS_QUESTION, "locale": "en"}, headers=auth(key)
    ).json()
    assert body["crisis"] is True
    assert all(entry["label"].isascii() for entry in body["emergency"]["numbers"])


def test_no_key_a_wrong_key_and_a_revoked_key_are_401(app: App, client: TestClient, key: str) -> None:
    question = {"question": "低保怎么申请"}
    missing = client.post("/v1/ask", json=question)
    wrong = client.post("/v1/ask", json=question, headers=auth("tx_not-a-key"))
    assert (missing.status_code, missing.json()["error"]) == (401, "unauthorized")
    assert "Bearer" in missing.json()["message"]
    assert (wrong.status_code, wrong.json()["error"]) == (401, "unauthorized")
    KeyStore(app.storage.sessions, app.clock, cache_seconds=0).revoke("hotline-test")
    with serve(app) as fresh:  # a new process: no cached answer for the key
        assert fresh.post("/v1/ask", json=question, headers=auth(key)).status_code == 401


def test_keys_are_stored_hashed_only(app: App, key: str) -> None:
    with app.storage.sessions() as session:
        row = session.scalars(select(ApiKey)).one()
    assert row.key_hash == hash_key(key) and key not in (row.key_hash, row.prefix)


def test_unknown_service_is_404_with_its_id(client: TestClient, key: str) -> None:
    response = client.get("/v1/services/no_such_service", headers=auth(key))
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "no service with the id 'no_such_service'"}


def test_a_service_names_how_where_and_its_source(client: TestClient, key: str) -> None:
    listed = client.get("/v1/services", params={"city": "厦门"}, headers=auth(key)).json()
    assert listed and all(item["layer"] in {"national", "city", "province"} for item in listed)
    detail = client.get(f"/v1/services/{listed[0]['id']}", headers=auth(key))
    assert detail.status_code == 200
    assert detail.json()["how"] and detail.json()["source"].startswith("《")


def test_services_of_a_province_leave_out_other_provinces(client: TestClient, key: str) -> None:
    listed = client.get("/v1/services", params={"province": "hainan"}, headers=auth(key)).json()
    assert {item["province"] for item in listed} <= {None, "hainan"}


def test_topics_list_ids_and_titles(client: TestClient, key: str) -> None:
    topics = client.get("/v1/topics", headers=auth(key)).json()
    assert "preschool" in {topic["id"] for topic in topics}
    assert all(topic["title"] for topic in topics)


def test_a_body_too_large_is_413(client: TestClient, key: str) -> None:
    response = client.post("/v1/ask", content=b'{"question": "' + b"a" * 20_000 + b'"}', headers=auth(key))
    assert response.status_code == 413 and response.json()["error"] == "too_large"


def test_a_chunked_body_too_large_is_413(client: TestClient, key: str) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b"a" * 1024

    response = client.post("/v1/ask", content=chunks(), headers=auth(key))
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"question": ""}, "question"),
        ({"question": "   "}, "question"),
        ({"question": "x" * 2001}, "question"),
        ({"question": "低保", "child_age": 40}, "child_age"),
        ({"question": "低保", "locale": "fr"}, "locale"),
        ({"question": "低保", "city": "火星"}, "city"),
        ({"question": "低保", "province": "hainan", "city": "厦门"}, "city"),
        ({"question": "低保", "extra": 1}, "extra"),
        ({}, "question"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    client: TestClient, key: str, body: dict[str, object], field: str
) -> None:
    response = client.post("/v1/ask", json=body, headers=auth(key))
    assert response.status_code == 422
    assert response.json()["field"] == field and field in response.json()["message"]


def test_a_body_that_is_not_json_is_422(client: TestClient, key: str) -> None:
    response = client.post(
        "/v1/ask", content=b"{nope", headers={**auth(key), "Content-Type": "application/json"}
    )
    assert response.status_code == 422 and response.json()["error"] == "invalid_json"


def test_over_the_rate_limit_is_429_with_retry_after(app: App) -> None:
    key = KeyStore(app.storage.sessions, app.clock).create("slow", per_minute=60)
    with serve(app, RateLimiter(monotonic=lambda: 1000.0)) as client:  # time stands still: no refill
        statuses = [client.get("/v1/topics", headers=auth(key)).status_code for _ in range(11)]
        refused = client.get("/v1/topics", headers=auth(key))
    assert statuses[:10] == [200] * 10 and statuses[10] == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["error"] == "too_many_requests"


def test_an_internal_error_is_a_json_500_without_a_stack_trace(app: App, key: str) -> None:
    class Broken:
        def answer(self, *args: object, **kwargs: object) -> None:
            raise RuntimeError("secret detail that must not leak")

    api = HotlineApi(app)
    original = app.hotline
    object.__setattr__(app, "hotline", Broken())  # a fault injected: no real part fails on demand
    try:
        with TestClient(
            create_server(app, [RoutesOnly("api", api.router())]), raise_server_exceptions=False
        ) as c:
            response = c.post("/v1/ask", json={"question": "低保"}, headers=auth(key))
    finally:
        object.__setattr__(app, "hotline", original)
    assert response.status_code == 500
    assert response.json()["error"] == "internal_error"
    assert "secret" not in response.text and "Traceback" not in response.text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=st.text(min_size=1, max_size=300))
def test_any_question_gets_an_answer_or_a_clear_refusal(client: TestClient, key: str, question: str) -> None:
    response = client.post("/v1/ask", json={"question": question}, headers=auth(key))
    assert response.status_code in {200, 422}
    assert "error" in response.json() if response.status_code == 422 else "answers" in response.json()


def test_a_medical_emergency_names_120_first(app: App, client: TestClient, key: str) -> None:
    body = client.post("/v1/ask", json={"question": "孩子发高烧40度抽筋了"}, headers=auth(key)).json()
    assert body["crisis"] is True
    assert body["crisis_kind"] == "medical"
    assert body["emergency"]["numbers"][0]["number"] == "120"


def test_violence_against_the_mother_names_110_and_12338(app: App, client: TestClient, key: str) -> None:
    body = client.post(
        "/v1/ask", json={"question": "老公又动手打我了，孩子吓得一直哭"}, headers=auth(key)
    ).json()
    assert body["crisis_kind"] == "carer_violence"
    numbers = [entry["number"] for entry in body["emergency"]["numbers"]]
    assert numbers[0] == "110"
    assert "12338" in numbers


def test_a_key_checked_lately_is_known_from_memory_until_the_cache_time_passes(app: App, key: str) -> None:
    now = [100.0]
    keys = KeyStore(app.storage.sessions, app.clock, cache_seconds=10.0, monotonic=lambda: now[0])
    assert keys.remembered(key) == (False, None)  # never looked up: only the database can tell
    caller = keys.check(key)
    assert caller is not None and caller.name == "hotline-test"
    assert keys.remembered(key) == (True, caller)
    assert keys.remembered("tx_unknown")[0] is False
    now[0] += 11.0
    assert keys.remembered(key) == (False, None)
