"""The HTTP side of the Rasa backend: POST {TONGXING_RASA_URL}/model/parse with the standard
library. It lives in bot/ because nlu/ does no I/O; nlu/rasa_backend.py gets it as a RasaTransport."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

TIMEOUT_SECONDS = 5.0


class RasaHttp:
    """A RasaTransport over HTTP. URLError and timeouts are OSErrors; a non-object answer a ValueError."""

    def __init__(self, url: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self.url = url.rstrip("/") + "/model/parse"
        self.timeout = timeout

    def parse(self, text: str) -> dict[str, Any]:
        body = json.dumps({"text": text}).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            answer = json.loads(response.read().decode("utf-8"))
        if not isinstance(answer, dict):
            raise ValueError("Rasa answered something that is not a JSON object")
        return answer
