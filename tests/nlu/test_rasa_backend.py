"""The Rasa backend maps /model/parse answers onto our labels.

The server here is a stand-in: a tiny http.server in a thread that answers like Rasa 3.6's
POST /model/parse, because Rasa itself (Python 3.10, 2.7 GB) cannot run in `make test`.
`make rasa-compare` runs the real one."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bot.rasa_http import RasaHttp
from nlu.engine import EmbeddedParser
from nlu.rasa_backend import MAX_CHARS, RasaParser, map_rasa_answer

ANSWERS: dict[str, dict[str, Any]] = {
    "你好": {
        "intent": {"name": "greet", "confidence": 0.97},
        "intent_ranking": [{"name": "greet", "confidence": 0.97}, {"name": "thanks", "confidence": 0.03}],
    },
    "低保怎么申请": {
        "intent": {"name": "ask_entitlement", "confidence": 0.9},
        "intent_ranking": [{"name": "ask_entitlement", "confidence": 0.9}],
        "response_selector": {
            "ask_entitlement": {
                "response": {"intent_response_key": "ask_entitlement/minimum_living", "confidence": 0.8},
                "ranking": [
                    {"intent_response_key": "ask_entitlement/minimum_living", "confidence": 0.8},
                    {"intent_response_key": "ask_entitlement/extreme_poverty", "confidence": 0.2},
                ],
            }
        },
    },
    "幼儿园": {"intent": {"name": "ask_entitlement/preschool", "confidence": 0.7}, "intent_ranking": []},
    "天气": {
        "intent": {"name": "nlu_fallback", "confidence": 0.3},
        "intent_ranking": [
            {"name": "nlu_fallback", "confidence": 0.3},
            {"name": "greet", "confidence": 0.25},
        ],
    },
    "奇怪": {"intent": {"name": "some_retired_intent", "confidence": 0.8}, "intent_ranking": []},
    "孩子说不想活了": {"intent": {"name": "greet", "confidence": 0.6}, "intent_ranking": []},
}


class _StandIn(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        assert self.path == "/model/parse"
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        answer = {"text": body["text"], "entities": [], **ANSWERS.get(body["text"], ANSWERS["奇怪"])}
        payload = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture(scope="module")
def rasa_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def rasa(parser: EmbeddedParser, rasa_url: str) -> RasaParser:
    return RasaParser(RasaHttp(rasa_url), parser)


def test_plain_intents_pass_through(rasa: RasaParser) -> None:
    result = rasa.parse("你好")
    assert (result.intent, result.topic, result.backend) == ("greet", None, "rasa")
    assert result.confidence == pytest.approx(0.97)
    assert result.intent_ranking[0] == ("greet", pytest.approx(0.97))


def test_the_response_selector_key_becomes_the_topic(rasa: RasaParser) -> None:
    result = rasa.parse("低保怎么申请")
    assert (result.intent, result.topic) == ("ask_entitlement", "minimum_living")
    assert result.topic_ranking[0][0] == "minimum_living"


def test_a_retrieval_intent_name_is_split_into_intent_and_topic(rasa: RasaParser) -> None:
    assert (rasa.parse("幼儿园").intent, rasa.parse("幼儿园").topic) == ("ask_entitlement", "preschool")


def test_fallback_and_unknown_names_are_out_of_scope(rasa: RasaParser) -> None:
    assert rasa.parse("天气").intent == "out_of_scope"
    assert rasa.parse("奇怪").intent == "out_of_scope"


def test_crisis_detection_and_entities_stay_ours(rasa: RasaParser) -> None:
    result = rasa.parse("孩子说不想活了")
    assert result.crisis and result.intent == "crisis"


def test_an_unreachable_server_falls_back_to_the_embedded_parse(parser: EmbeddedParser) -> None:
    offline = RasaParser(RasaHttp("http://127.0.0.1:9", timeout=0.5), parser)
    result = offline.parse("你好")
    assert result.intent == "greet" and result.backend == "embedded"


def test_the_mapping_alone() -> None:
    intents = ("ask_entitlement", "greet", "out_of_scope")
    intent, topic, confidence, ranking, _ = map_rasa_answer(
        {
            "intent": {"name": "ask_entitlement/preschool", "confidence": 0.5},
            "intent_ranking": [
                {"name": "ask_entitlement/preschool", "confidence": 0.5},
                {"name": "ask_entitlement/housing_support", "confidence": 0.3},
                {"name": "greet", "confidence": 0.2},
            ],
        },
        intents,
        ("preschool", "housing_support"),
    )
    assert (intent, topic, confidence) == ("ask_entitlement", "preschool", 0.5)
    assert dict(ranking)["ask_entitlement"] == pytest.approx(0.8)


def test_the_transport_is_injected_and_reads_at_most_max_chars(parser: EmbeddedParser) -> None:
    """nlu/ does no I/O: any RasaTransport will do; a failing one means the embedded parse."""
    sent: list[str] = []

    class Recording:
        def parse(self, text: str) -> dict[str, Any]:
            sent.append(text)
            return {"intent": {"name": "greet", "confidence": 0.9}}

    class Broken:
        def parse(self, text: str) -> dict[str, Any]:
            raise ValueError("not a JSON object")

    assert RasaParser(Recording(), parser).parse("你" * (MAX_CHARS + 50)).backend == "rasa"
    assert sent == ["你" * MAX_CHARS]
    assert RasaParser(Broken(), parser).parse("你好").backend == "embedded"
