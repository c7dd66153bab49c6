"""`make rasa-compare`: our embedded engine against Rasa 3.6 DIET, side by side in one run.

Both engines are trained on the same exported data and scored on the same held-out file
(nlu/data/test/test_nlu.yml) by the same scoring code (nlu/evaluation.py), from their
/model/parse answers: Rasa's nlu_fallback counts as out_of_scope, which is what the Rasa
backend does in production ("as served"); the figures with the fallback replaced by Rasa's best
real intent (what `rasa test nlu` reports) are given too. Crisis figures are the intent alone
for Rasa (in production our detector runs in front of it).

Measured: accuracy, training time, parses/s over HTTP on 127.0.0.1 (4 clients with keep-alive)
and in-process for ours, sequential HTTP latency, server memory (RSS of the process tree) after
start and after the load, and start-up time (process spawn until the first correct answer).
Prints a table and writes bench/out/rasa_compare.json.

    python -m bench.rasa_compare --rasa-venv var/rasa-venv --work var/rasa-compare
    python -m bench.rasa_compare --serve-ours PORT      (our engine behind the same HTTP API)
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.timing import percentile

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"
CLIENTS = 4
LOAD_REQUESTS = 1200


# -- our engine behind a Rasa-like HTTP API -------------------------------------------------------
def serve_ours(port: int) -> None:
    from core.lexicon import load_lexicon
    from core.settings import Settings
    from core.tokenizer import Tokenizer
    from nlu.engine import load_embedded

    settings = Settings()
    tokenizer = Tokenizer(load_lexicon(), cache_dir=settings.ensure_data_dir() / "cache")
    parser = load_embedded(settings, tokenizer)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out as two writes: without this, Nagle's algorithm and the
            # client's delayed ACK add about 40 ms to every keep-alive request.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._send(200, {"model": "tongxing-embedded"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                text = str(json.loads(self.rfile.read(length) or b"{}").get("text", ""))
            except (ValueError, AttributeError):
                self._send(400, {"error": 'expected {"text": ...}'})
                return
            parse = parser.parse(text)
            name = f"ask_entitlement/{parse.topic}" if parse.topic else parse.intent
            self._send(
                200,
                {
                    "text": text,
                    "intent": {"name": name, "confidence": parse.confidence},
                    "intent_ranking": [{"name": n, "confidence": c} for n, c in parse.intent_ranking[:10]],
                    "entities": [entity.to_dict() for entity in parse.entities],
                    "crisis": parse.crisis,
                },
            )

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()


# -- helpers ---------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def post(connection: http.client.HTTPConnection, text: str) -> dict[str, Any]:
    body = json.dumps({"text": text}).encode("utf-8")
    connection.request("POST", "/model/parse", body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    data = response.read()
    if response.status != 200:
        raise OSError(f"HTTP {response.status}: {data[:200]!r}")
    answer = json.loads(data)
    if not isinstance(answer, dict) or "intent" not in answer:
        raise OSError(f"not a parse: {data[:200]!r}")
    return answer


def rss_mib(pid: int) -> float:
    """RSS of a process and all its descendants, in MiB (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    total = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        stack += children.get(current, [])
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def start_server(
    command: list[str], port: int, env: dict[str, str], cwd: Path, log: Path, limit: float
) -> tuple[subprocess.Popen[bytes], float]:
    """Spawn a server; return it and the seconds until it answered a parse correctly."""
    started = time.perf_counter()
    handle = log.open("wb")
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    while time.perf_counter() - started < limit:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}; see {log}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            post(connection, "你好")
            connection.close()
            return process, time.perf_counter() - started
        except (OSError, http.client.HTTPException, ValueError):
            time.sleep(0.05)
    stop(process)
    raise RuntimeError(f"server did not answer within {limit:.0f} s; see {log}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run_timed(command: list[str], env: dict[str, str], cwd: Path, log: Path) -> tuple[float, float]:
    """Run to completion; (seconds, peak RSS in MiB of the largest descendant)."""
    wrapped = ["/usr/bin/time", "-f", "MAXRSS_KB=%M", *command] if Path("/usr/bin/time").exists() else command
    started = time.perf_counter()
    with log.open("wb") as handle:
        result = subprocess.run(
            wrapped, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT, check=False
        )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:3])} failed ({result.returncode}); see {log}")
    peak = 0.0
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("MAXRSS_KB="):
            peak = int(line.split("=", 1)[1]) / 1024
    if not peak:
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, peak


def throughput(port: int, texts: list[str], requests: int, clients: int = CLIENTS) -> float:
    """Parses per second with `clients` threads, each on its own keep-alive connection."""
    share = requests // clients
    errors: list[BaseException] = []

    def worker(offset: int) -> None:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for index in range(share):
                post(connection, texts[(offset + index) % len(texts)])
            connection.close()
        except BaseException as error:  # reported after the run
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(index * 97,)) for index in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"load test failed: {errors[0]!r}")
    return share * clients / elapsed


def answers(port: int, texts: list[str]) -> tuple[list[dict[str, Any]], list[float]]:
    """Sequential answers for every text, and their latencies in ms."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    results: list[dict[str, Any]] = []
    samples: list[float] = []
    for text in texts:
        started = time.perf_counter()
        results.append(post(connection, text))
        samples.append((time.perf_counter() - started) * 1000)
    connection.close()
    return results, samples


# -- the comparison --------------------------------------------------------------------------------
def compare(rasa_venv: Path, work: Path, reuse: bool = False) -> dict[str, Any]:
    from core.lexicon import load_lexicon
    from core.settings import Settings
    from core.tokenizer import Tokenizer
    from nlu.dataset import CRISIS_NEGATIVES_FILE, DATA_DIR, TEST_FILE, Example, read_examples, read_lines
    from nlu.engine import load_embedded
    from nlu.evaluation import Scored, report
    from nlu.rasa_backend import map_rasa_answer
    from nlu.rasa_export import export_rasa
    from nlu.result import Parse

    rasa = rasa_venv.resolve() / "bin" / "rasa"
    if not rasa.exists():
        raise SystemExit(f"no Rasa at {rasa}: run `make rasa-compare`, which builds the venv")
    work = work.resolve()
    project = work / "project"
    lexicon = load_lexicon()
    model = project / "models" / "tongxing.tar.gz"
    fresh = work / "export-check"
    if fresh.exists():
        shutil.rmtree(fresh)
    export_rasa(fresh, DATA_DIR, lexicon)
    same_data = all(
        (project / name).exists() and (project / name).read_bytes() == (fresh / name).read_bytes()
        for name in ("config.yml", "domain.yml", "data/nlu.yml")
    )
    reuse = reuse and same_data and model.exists() and (work / "rasa-train.json").exists()
    if work.exists():
        for entry in work.iterdir():
            if not (reuse and entry.name in ("project", "rasa-train.json", "rasa-train.log", "home", "tmp")):
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    (work / "home").mkdir(parents=True, exist_ok=True)
    (work / "tmp").mkdir(exist_ok=True)
    if not reuse:
        export_rasa(project, DATA_DIR, lexicon)
    rasa_env = {
        **os.environ,
        "HOME": str(work / "home"),
        "TMPDIR": str(work / "tmp"),
        "RASA_TELEMETRY_ENABLED": "false",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    }
    ours_env = {**os.environ, "TONGXING_DATA_DIR": str(work / "ours"), "TONGXING_NLU_BACKEND": "embedded"}
    examples: list[Example] = read_examples(TEST_FILE)
    negatives = read_lines(CRISIS_NEGATIVES_FILE)
    texts = [example.text for example in examples]
    figures: dict[str, Any] = {
        "test_file": str(TEST_FILE.relative_to(ROOT)),
        "lines": len(texts),
        "footing": "both scored from their /model/parse answers by nlu/evaluation.py",
    }

    if reuse:
        print(f"reusing the Rasa model trained on identical data: {model}", flush=True)
        trained = json.loads((work / "rasa-train.json").read_text(encoding="utf-8"))
        rasa_train_seconds, rasa_train_peak = float(trained["seconds"]), float(trained["peak_rss_mib"])
        figures["rasa_training_reused"] = trained
    else:
        print("training Rasa (rasa train nlu, DIET + ResponseSelector, 100 epochs each) ...", flush=True)
        shutil.rmtree(project / ".rasa", ignore_errors=True)  # no cache: time a real training
        rasa_train_seconds, rasa_train_peak = run_timed(
            [
                str(rasa),
                "train",
                "nlu",
                "--config",
                "config.yml",
                "--nlu",
                "data",
                "--out",
                "models",
                "--fixed-model-name",
                "tongxing",
            ],
            rasa_env,
            project,
            work / "rasa-train.log",
        )
        (work / "rasa-train.json").write_text(
            json.dumps({"seconds": rasa_train_seconds, "peak_rss_mib": rasa_train_peak}), encoding="utf-8"
        )
    if not model.exists():
        raise RuntimeError(f"Rasa wrote no model at {model}")
    print("training ours (tongxing nlu train) ...", flush=True)
    ours_train_seconds, ours_train_peak = run_timed(
        [sys.executable, "-c", "from bot.cli import main; main()", "nlu", "train"],
        ours_env,
        ROOT,
        work / "ours-train.log",
    )

    results: dict[str, dict[str, Any]] = {}
    tokenizer = Tokenizer(lexicon, cache_dir=work / "tmp" / "jieba")
    embedded = load_embedded(Settings(data_dir=work / "ours"), tokenizer)
    intents, topics = embedded.space.intents, embedded.space.topics

    def parses_from(
        raw: list[dict[str, Any]], replace_fallback: bool, lines: list[str] | None = None
    ) -> list[Parse]:
        parsed = []
        for text, answer in zip(lines or texts, raw, strict=True):
            if replace_fallback and (answer.get("intent") or {}).get("name") == "nlu_fallback":
                ranking = [
                    item for item in answer.get("intent_ranking") or [] if item.get("name") != "nlu_fallback"
                ]
                if ranking:
                    answer = {**answer, "intent": ranking[0]}
            intent, topic, confidence, ranking_pairs, topic_ranking = map_rasa_answer(answer, intents, topics)
            crisis = bool(answer.get("crisis", intent == "crisis"))
            parsed.append(Parse(text, intent, topic, confidence, (), crisis, ranking_pairs, topic_ranking))
        return parsed

    servers = {
        "rasa": (
            [str(rasa), "run", "--enable-api", "-m", str(model), "-i", "127.0.0.1"],
            rasa_env,
            project,
            300.0,
        ),
        "ours": ([sys.executable, "-m", "bench.rasa_compare"], ours_env, ROOT, 60.0),
    }
    for name, (command, env, cwd, limit) in servers.items():
        port = free_port()
        full = [*command, "-p", str(port)] if name == "rasa" else [*command, "--serve-ours", str(port)]
        print(f"starting {name} on 127.0.0.1:{port} ...", flush=True)
        process, startup = start_server(full, port, env, cwd, work / f"{name}-serve.log", limit)
        try:
            rss_start = rss_mib(process.pid)
            raw, samples = answers(port, texts)
            negative_raw, _ = answers(port, negatives)
            per_second = throughput(port, texts, LOAD_REQUESTS if name == "rasa" else LOAD_REQUESTS * 4)
            rss_after = rss_mib(process.pid)
        finally:
            stop(process)
        served = parses_from(raw, replace_fallback=False)
        entry: dict[str, Any] = {
            "startup_seconds": startup,
            "rss_mib_after_start": rss_start,
            "rss_mib_after_load": rss_after,
            "parses_per_second_http": per_second,
            "http_latency_ms": {"p50": percentile(samples, 0.5), "p99": percentile(samples, 0.99)},
            "accuracy_as_served": report(
                [Scored(e, p) for e, p in zip(examples, served, strict=True)],
                list(zip(negatives, parses_from(negative_raw, False, negatives), strict=True)),
            ),
        }
        if name == "rasa":
            best = parses_from(raw, replace_fallback=True)
            entry["accuracy_fallback_replaced"] = report(
                [Scored(e, p) for e, p in zip(examples, best, strict=True)]
            )
            entry["train_seconds"], entry["train_peak_rss_mib"] = rasa_train_seconds, rasa_train_peak
        else:
            entry["train_seconds"], entry["train_peak_rss_mib"] = ours_train_seconds, ours_train_peak
        results[name] = entry

    # Ours in-process, on the same lines.
    started = time.perf_counter()
    rounds = 5
    for _ in range(rounds):
        for text in texts:
            embedded.parse(text)
    results["ours"]["parses_per_second_in_process"] = rounds * len(texts) / (time.perf_counter() - started)
    figures.update(results)
    return figures


def _short(accuracy: dict[str, Any]) -> str:
    alarms = accuracy.get("crisis_false_alarms")
    return (
        f"{accuracy['intent_top1']:.1%} / {accuracy['topic_top1']:.1%} / "
        f"{accuracy['out_of_scope']['f1']:.3f} / {accuracy['crisis_recall']:.1%} / "
        + (f"{alarms:.1%}" if alarms is not None else "-")
    )


def table(figures: dict[str, Any]) -> str:
    rasa, ours = figures["rasa"], figures["ours"]

    def ratio(a: float, b: float) -> str:
        if not b:
            return "-"
        return f"{a / b:.1f}x" if a >= b else f"{a / b:.3f}x (1/{b / a:.0f})"

    rows = [
        ("figure", "ours (embedded)", "Rasa 3.6 DIET", "ours vs Rasa"),
        (
            "intent / topic / OOS F1 / crisis recall / false alarms",
            _short(ours["accuracy_as_served"]),
            _short(rasa["accuracy_as_served"]),
            "",
        ),
        (
            "same, Rasa fallback replaced by its best intent",
            "",
            _short(rasa["accuracy_fallback_replaced"]),
            "",
        ),
        (
            "parses/s over HTTP, 4 clients",
            f"{ours['parses_per_second_http']:.0f}",
            f"{rasa['parses_per_second_http']:.0f}",
            ratio(ours["parses_per_second_http"], rasa["parses_per_second_http"]),
        ),
        ("parses/s in-process", f"{ours['parses_per_second_in_process']:.0f}", "-", ""),
        (
            "HTTP latency p50 / p99 (ms, sequential)",
            f"{ours['http_latency_ms']['p50']:.1f} / {ours['http_latency_ms']['p99']:.1f}",
            f"{rasa['http_latency_ms']['p50']:.1f} / {rasa['http_latency_ms']['p99']:.1f}",
            "",
        ),
        (
            "server RSS after start / after load (MiB)",
            f"{ours['rss_mib_after_start']:.0f} / {ours['rss_mib_after_load']:.0f}",
            f"{rasa['rss_mib_after_start']:.0f} / {rasa['rss_mib_after_load']:.0f}",
            ratio(ours["rss_mib_after_load"], rasa["rss_mib_after_load"]),
        ),
        (
            "start-up until the first answer (s)",
            f"{ours['startup_seconds']:.2f}",
            f"{rasa['startup_seconds']:.1f}",
            ratio(ours["startup_seconds"], rasa["startup_seconds"]),
        ),
        (
            "training (s) / peak RSS (MiB)",
            f"{ours['train_seconds']:.1f} / {ours['train_peak_rss_mib']:.0f}",
            f"{rasa['train_seconds']:.1f} / {rasa['train_peak_rss_mib']:.0f}",
            "",
        ),
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = [f"| {' | '.join(cell.ljust(widths[i]) for i, cell in enumerate(row))} |" for row in rows]
    lines.insert(1, f"|{'|'.join('-' * (width + 2) for width in widths)}|")
    return "\n".join(
        [f"{figures['lines']} held-out lines ({figures['test_file']}); {figures['footing']}", *lines]
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.rasa_compare")
    parser.add_argument("--serve-ours", type=int, default=None, metavar="PORT")
    parser.add_argument("--rasa-venv", type=Path, default=ROOT / "var" / "rasa-venv")
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "rasa-compare")
    parser.add_argument(
        "--reuse-rasa-model",
        action="store_true",
        help="skip Rasa training when the exported data is unchanged",
    )
    arguments = parser.parse_args()
    if arguments.serve_ours is not None:
        serve_ours(arguments.serve_ours)
        return
    figures = compare(arguments.rasa_venv, arguments.work, arguments.reuse_rasa_model)
    print(table(figures))
    OUT.mkdir(parents=True, exist_ok=True)
    slim = json.loads(json.dumps(figures))
    for name in ("rasa", "ours"):
        for key in ("accuracy_as_served", "accuracy_fallback_replaced"):
            if key in slim[name]:
                slim[name][key].pop("misclassified", None)
    (OUT / "rasa_compare.json").write_text(json.dumps(slim, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"written to {OUT / 'rasa_compare.json'}")


if __name__ == "__main__":
    main()
