"""HTTP load on loopback for the server benchmarks (bench/api.py, bench/chatload.py): N concurrent
keep-alive clients posting a fixed list of requests round-robin, either as fast as the server answers
(closed loop: the server's capacity) or paced to an offered rate (Poisson arrivals per client: the
latency at the target rate, what the issue's targets are about).

The generator must not take the server's CPU: wrk (Debian's package `wrk`, compiled) when it is
installed, else a small asyncio client of our own (raw HTTP/1.1, no httpx: a fraction of the CPU per
request). Either runs pinned to the last core (taskset / sched_setaffinity) when there are two or more,
so the server keeps at least one core to itself; the report says which generator ran and where.
A body may hold `@ID@`, replaced by a unique id per request (the web chat's message ids)."""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.timing import percentile

ID_MARK = "@ID@"
# A paced client never waits as long as the server keeps an idle connection open (uvicorn: 5 s): a
# request sent as the server closes it fails, about 1 in 200 at 50 clients and 50 requests/s.
MAX_GAP_SECONDS = 4.5


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    body: str  # JSON text; ID_MARK is replaced by a unique id of 10 characters


@dataclass(frozen=True)
class Result:
    p50_ms: float
    p99_ms: float
    requests: int
    seconds: float
    failures: int  # connection errors, timeouts and non-2xx answers

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def client_core() -> int | None:
    """The core the generator is pinned to (the last one), or None on one core."""
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    return cores[-1] if len(cores) >= 2 else None


def generator() -> str:
    core = client_core()
    where = f"pinned to core {core} (taskset)" if core is not None else "not pinned (one core)"
    if shutil.which("wrk"):
        return f"wrk (compiled), {where}"
    return (
        f"the Python asyncio client, {where}; wrk is not installed (apt-get install wrk), so the "
        "client's own CPU weighs more on the figures"
    )


def run(
    base: str, requests: list[Request], clients: int, seconds: float, rate: float | None = None
) -> Result:
    """Load `base` (http://127.0.0.1:PORT) for `seconds`; `rate` (requests/s, all clients together)
    paces the clients, None lets them go as fast as the server answers."""
    if shutil.which("wrk"):
        return _wrk(base, requests, clients, seconds, rate)
    return _python(base, requests, clients, seconds, rate)


def _pinned(command: list[str]) -> list[str]:
    core = client_core()
    if core is not None and shutil.which("taskset"):
        return ["taskset", "-c", str(core), *command]
    return command


def _lua_string(text: str) -> str:
    level = "=" * 3
    assert f"]{level}]" not in text
    return f"[{level}[{text}]{level}]"


def _wrk_script(requests: list[Request], clients: int, rate: float | None) -> str:
    def item(request: Request) -> str:
        headers = ", ".join(f"[ {_lua_string(k)} ]={_lua_string(v)}" for k, v in request.headers.items())
        path, body = _lua_string(request.path), _lua_string(request.body)
        return f"{{path={path}, body={body}, headers={{{headers}}}}}"

    items = ",\n".join(item(request) for request in requests)
    mean_gap_ms = clients * 1000.0 / rate if rate else 0.0
    run_id = f"{random.randrange(36**4):04x}"[:4]
    return f"""
local items = {{{items}}}
local counter = 0
request = function()
  counter = counter + 1
  local item = items[(counter - 1) % #items + 1]
  local body = string.gsub(item.body, "{ID_MARK}", "{run_id}" .. string.format("%06d", counter % 1000000))
  return wrk.format("POST", item.path, item.headers, body)
end
local gap = {mean_gap_ms}
if gap > 0 then
  math.randomseed(os.time())
  delay = function() return math.min(-math.log(1 - math.random()) * gap, {MAX_GAP_SECONDS * 1000:.0f}) end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %f %f %d %f %d\\n", latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.requests, summary.duration / 1e6,
    e.connect + e.read + e.write + e.timeout + e.status))
end
"""


def _wrk(base: str, requests: list[Request], clients: int, seconds: float, rate: float | None) -> Result:
    with tempfile.TemporaryDirectory() as scratch:
        script = Path(scratch) / "load.lua"
        script.write_text(_wrk_script(requests, clients, rate), encoding="utf-8")
        command = ["wrk", "-t1", f"-c{clients}", f"-d{seconds:.0f}s", "--timeout", "10s", "-s", str(script)]
        out = subprocess.run(_pinned([*command, base]), capture_output=True, text=True, check=True).stdout
    found = re.search(r"^RESULT (\S+) (\S+) (\d+) (\S+) (\d+)$", out, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"wrk printed no result:\n{out}")
    p50, p99, count, elapsed, failures = found.groups()
    return Result(float(p50), float(p99), int(count), float(elapsed), int(failures))


def _python(base: str, requests: list[Request], clients: int, seconds: float, rate: float | None) -> Result:
    """The asyncio client in its own process, pinned like wrk."""
    job = {
        "base": base,
        "requests": [[item.path, item.headers, item.body] for item in requests],
        "clients": clients,
        "seconds": seconds,
        "rate": rate,
    }
    command = _pinned([sys.executable, "-m", "bench.load"])
    out = subprocess.run(command, input=json.dumps(job), capture_output=True, text=True, check=True).stdout
    data = json.loads(out)
    return Result(data["p50"], data["p99"], data["requests"], data["seconds"], data["failures"])


async def _python_load(job: dict[str, object]) -> dict[str, float]:
    base = str(job["base"])
    host, port = base.removeprefix("http://").split(":")
    items: list[list[object]] = job["requests"]  # type: ignore[assignment]
    clients = int(job["clients"])  # type: ignore[call-overload]
    rate = job["rate"]
    gap = clients / float(rate) if rate else 0.0  # type: ignore[arg-type]
    samples: list[float] = []
    failures = 0
    counter = 0
    run_id = f"{random.randrange(36**4):04x}"[:4]
    deadline = time.perf_counter() + float(job["seconds"])  # type: ignore[arg-type]

    def encode(item: list[object]) -> bytes:
        nonlocal counter
        counter += 1
        path, headers, body = item
        text = str(body).replace(ID_MARK, f"{run_id}{counter % 1000000:06d}").encode()
        lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(text)}"]
        lines += [f"{key}: {value}" for key, value in dict(headers).items()]  # type: ignore[call-overload]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + text

    async def one_client() -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection(host, int(port))
        while time.perf_counter() < deadline:
            if gap:
                await asyncio.sleep(min(random.expovariate(1 / gap), MAX_GAP_SECONDS))
            start = time.perf_counter()
            writer.write(encode(items[counter % len(items)]))
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
            samples.append((time.perf_counter() - start) * 1000)
            failures += not 200 <= status < 300
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    return {
        "p50": percentile(samples, 0.5),
        "p99": percentile(samples, 0.99),
        "requests": len(samples),
        "seconds": elapsed,
        "failures": failures,
    }


def wait_ready(base: str, timeout: float = 120.0) -> None:
    """Until GET /readyz answers 200 (the model is loaded), or RuntimeError."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server at {base} did not become ready in {timeout:.0f} s")


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (1 min) / {five:.2f} (5 min) on {os.cpu_count()} cores"


if __name__ == "__main__":  # the Python client, run by `_python` in its own (pinned) process
    result = asyncio.run(_python_load(json.loads(sys.stdin.read())))
    print(json.dumps({key: (value if math.isfinite(value) else 0.0) for key, value in result.items()}))
