"""The web chat's page and JSON API over a real App (SQLite): the session cookie, duplicate message
ids, and every kind of bad input answered with a clear JSON error, never a 500."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import App
from bot.server import webchat
from bot.server.app import create_server
from bot.server.channel import RoutesOnly
from bot.server.session import COOKIE_NAME, SessionSigner

URL = "/chat/api/message"


@pytest.fixture
def client(make_app: Callable[..., App]) -> Iterator[TestClient]:
    application = make_app()
    with TestClient(create_server(application, channels=[webchat.channel(application)])) as client:
        yield client


def message_id() -> str:
    return uuid.uuid4().hex


def send(client: TestClient, **body: object) -> dict[str, object]:
    response = client.post(URL, json={"message_id": message_id(), **body})
    assert response.status_code == 200, response.text
    return dict(response.json())


def texts(answer: dict[str, object]) -> str:
    return "\n".join(reply["text"] for reply in answer["replies"])  # type: ignore[attr-defined]


def test_the_page_is_served_with_its_own_script_and_a_strict_csp(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    page = response.text
    assert '<script src="/chat/static/webchat.js"' in page
    assert "<script>" not in page and "http://" not in page and "https://" not in page  # no CDN
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "连不上服务器" in page  # the page's words, from the catalogs, are in the page
    assert client.get("/chat/static/webchat.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/chat/static/webchat.css").status_code == 200
    assert client.get("/chat/static/../app.py").status_code == 404


@pytest.mark.parametrize(("query", "words"), [("?lang=en", "Send"), ("?lang=zh_Hant", "發送"), ("", "发送")])
def test_the_page_speaks_the_chosen_language(client: TestClient, query: str, words: str) -> None:
    assert f">{words}</button>" in client.get("/" + query).text


def test_the_page_follows_the_browser_language_when_none_is_chosen(client: TestClient) -> None:
    page = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert '<html lang="en">' in page


def test_the_strings_endpoint_serves_the_catalogs(client: TestClient) -> None:
    body = client.get("/chat/api/strings", params={"locale": "en"}).json()
    assert body["locale"] == "en"
    assert body["strings"]["offline"].startswith("Cannot reach the server.")
    assert [language["locale"] for language in body["languages"]] == ["zh_Hans", "zh_Hant", "en"]


def test_a_session_cookie_is_issued_http_only_and_lax(client: TestClient) -> None:
    response = client.post(URL, json={"text": "你好", "message_id": message_id()})
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    again = client.post(URL, json={"text": "谢谢", "message_id": message_id()})
    assert "set-cookie" not in again.headers  # the same session goes on


def test_the_cookie_is_secure_over_https(make_app: Callable[..., App]) -> None:
    application = make_app()
    server = create_server(application, channels=[webchat.channel(application)])
    with TestClient(server, base_url="https://chat.example") as client:
        assert "Secure" in client.get("/").headers["set-cookie"]


def test_a_forged_cookie_gets_a_new_session_not_the_conversation(client: TestClient) -> None:
    send(client, text="/checkup")
    real = client.cookies[COOKIE_NAME]
    session_id = real.split(".")[0]
    client.cookies.set(COOKIE_NAME, f"{session_id}.forgedsignature")
    response = client.post(URL, json={"payload": "consent:yes", "message_id": message_id()})
    assert response.headers["set-cookie"].split(";")[0] != f"{COOKIE_NAME}={real}"
    assert "过期" in texts(response.json())  # no consent question in the new session: a stale button


def test_the_user_id_is_derived_and_never_the_cookie() -> None:
    signer = SessionSigner(b"k" * 32)
    session = signer.issue()
    assert session.user_id not in session.cookie and session.session_id not in session.user_id
    assert signer.verify(session.cookie) == type(session)(
        session.session_id, session.user_id, session.cookie, new=False
    )
    assert SessionSigner(b"x" * 32).verify(session.cookie) is None


def test_buttons_send_payloads_and_replies_carry_buttons(client: TestClient) -> None:
    answer = send(client, text="/checkup")
    payloads = [button["payload"] for reply in answer["replies"] for button in reply["buttons"]]
    assert "consent:yes" in payloads
    after = send(client, payload="consent:yes")
    assert "第1步" in texts(after)


def test_a_retried_message_id_takes_the_turn_once_and_gets_the_same_answer(client: TestClient) -> None:
    body = {"text": "/checkup", "message_id": message_id()}
    first = client.post(URL, json=body).json()
    again = client.post(URL, json=body).json()
    assert again == first
    answer = send(client, payload="consent:yes")
    assert "第1步" in texts(answer)  # consent asked once: the retry did not ask again or answer twice


def test_a_redelivered_id_another_process_answered_is_answered_with_nothing(
    make_app: Callable[..., App],
) -> None:
    application = make_app()
    chat = webchat.WebChat(application)
    server = create_server(application, channels=[RoutesOnly("webchat", chat.router())])
    body = {"text": "你好", "message_id": message_id()}
    with TestClient(server) as client:
        assert send(client, **body)["replies"]
        chat.answers.clear()  # as if the retry reached another server process
        assert send(client, **body)["replies"] == []


def test_the_locale_of_the_page_is_the_conversation_language(client: TestClient) -> None:
    answer = send(client, text="/help", locale="en")
    assert answer["locale"] == "en"
    assert "Tongxing" in texts(answer)
    switched = send(client, payload="language:zh_Hant", locale="zh_Hant")
    assert switched["locale"] == "zh_Hant"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"text": "", "message_id": "abcdefgh12"}, 400, "empty"),
        ({"text": "   \n ", "message_id": "abcdefgh12"}, 400, "empty"),
        ({"text": "字" * 4001, "message_id": "abcdefgh12"}, 413, "too_long"),
        ({"text": "你好"}, 422, "malformed"),
        ({"text": "你好", "message_id": "short"}, 422, "malformed"),
        ({"text": 5, "message_id": "abcdefgh12"}, 422, "malformed"),
        ({"payload": "x" * 100, "message_id": "abcdefgh12"}, 422, "malformed"),
        ([1, 2], 422, "malformed"),
    ],
)
def test_bad_input_gets_a_clear_json_error(client: TestClient, body: object, status: int, code: str) -> None:
    response = client.post(URL, json=body)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code and error["message"]


def test_malformed_json_and_huge_bodies_get_a_json_error(client: TestClient) -> None:
    response = client.post(URL, content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["error"]["code"] == "malformed"
    response = client.post(URL, content=b"\xff\xfe", headers={"content-type": "application/json"})
    assert response.status_code == 422
    huge = json.dumps({"text": "a" * 200_000, "message_id": "abcdefgh12"})
    response = client.post(URL, content=huge, headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_long"


def test_errors_speak_the_page_language(client: TestClient) -> None:
    response = client.post(URL, json={"text": "", "message_id": "abcdefgh12", "locale": "en"})
    assert "empty" in response.json()["error"]["message"].lower()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=50),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.sampled_from(["text", "payload", "message_id", "locale", "x"]), children)
        ),
        max_leaves=8,
    )
)
def test_no_body_makes_a_server_error(client: TestClient, body: object) -> None:
    response = client.post(URL, content=json.dumps(body), headers={"content-type": "application/json"})
    assert response.status_code < 500
    assert ("error" in response.json()) == (response.status_code >= 400)
