"""Real `tongxing serve` processes for the end-to-end tests: started with the test-only probe
channel (bot/server/probe_channel.py), waited for until /readyz answers, stopped by SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
TONGXING = str(Path(sys.executable).parent / "tongxing")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    port: int
    stderr_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped: {self.stderr()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"the server did not become ready: {self.stderr()[-2000:]}")

    def stop(self, timeout: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(5)

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")


def start_server(data_dir: Path, database_url: str, log_dir: Path) -> ServerProcess:
    port = free_port()
    environment = {
        **os.environ,
        "TONGXING_DATA_DIR": str(data_dir),
        "TONGXING_DATABASE_URL": database_url,
        "TONGXING_TEST_CHANNEL": "1",
    }
    environment.pop("TONGXING_TELEGRAM_TOKEN", None)
    stderr_path = log_dir / f"server-{port}.log"
    process = subprocess.Popen(
        [TONGXING, "serve", "--port", str(port)],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=stderr_path.open("w", encoding="utf-8"),
        text=True,
    )
    return ServerProcess(process, port, stderr_path)
