"""The hot path: Rapport against a bare Bolt app giving the same answers, at two store sizes.

    python bench/ack.py [--stores small,big] [--seconds 5] [--rounds 2] [--concurrency 16]
                        [--only who-owns,history,log-call,click-history,crm-help]
                        [--database-url postgresql://...] [--callgrind]

Requests, each signed (v0) as Slack signs it, over keep-alive connections on 127.0.0.1:
`/who-owns acme`, `/history acme`, `/log-call Acme: ...` (a new text and trigger each time, so
each one writes), a click on the History button of the /who-owns acme card (built from the card
Rapport answered, as bot.standin.payloads.button_payload builds it) and `/crm help`.

Per store (bench.hotpath.build_store: "small" is 300 accounts and 3,000 interactions, "big"
100,000 accounts, 1,000,000 interactions and 200,000 open follow-ups; each built once into a
fresh database, a temporary SQLite file or a temporary database on --database-url's server):

1. In process (bench.hotpath.measure_in_process): Rapport built by bot.runtime.build_runtime on
   the store, one request at a time: its answer to each kind, and the SQL statements per request.
2. With --callgrind (and valgrind installed): instructions per request, Rapport's and the bare
   app's, from one callgrind run of the same in-process dispatch (bench.hotpath.callgrind_main).
3. Over HTTP: `rapport serve --http --no-sweep` and bench/bare_app.py (a Bolt app that acks each
   command with Rapport's answer, and posts the click's answer to its response_url after an
   empty ack, as Rapport does), both on gunicorn with bot.server.gunicorn_options, loaded in
   turn (A B, then B A, ...) for each request kind: requests/s, p50 and p99 per round, medians
   over the rounds, and Rapport's ratio to the bare app.

A fake Slack Web API and a response_url sink run in this process. Traffic goes only to
127.0.0.1; every loop is bounded in time; both servers are stopped at the end of each store.
"""

import argparse
import http.client
import json
import multiprocessing
import multiprocessing.pool
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from slack_sdk.signature import SignatureVerifier  # noqa: E402

from bench import bare_app  # noqa: E402
from bench.hotpath import (  # noqa: E402
    CHANNEL,
    KINDS,
    SECRET,
    SIZES,
    USER,
    Requests,
    ResponseSink,
    build_store,
    measure_in_process,
)
from bot.standin.webapi import FakeSlack  # noqa: E402
from tests.databases import temporary_database  # noqa: E402

SIDES = ("rapport", "bare")
CALLGRIND_REQUESTS = 10
CALLGRIND_TIMEOUT = 1800  # seconds, the whole valgrind run


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    errors: int = 0
    late: int = 0  # a command acked empty: its answer missed the ack and went to response_url
    seconds: float = 0.0

    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0


@dataclass
class Figures:
    """One side's figures for one request kind: medians over the rounds."""

    rounds: list[Result] = field(default_factory=list)

    def median(self, figure: str) -> float:
        values = [
            r.rps() if figure == "rps" else r.percentile(0.5 if figure == "p50" else 0.99)
            for r in self.rounds
        ]
        return statistics.median(values) if values else 0.0

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.rounds)

    @property
    def requests(self) -> int:
        return sum(len(r.latencies) for r in self.rounds)


@dataclass
class StoreRun:
    store: str
    build_seconds: float
    statements: dict[str, float]
    instructions: dict[str, dict[str, float]] | None  # side -> kind -> per request
    figures: dict[str, dict[str, Figures]]  # kind -> side -> figures


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- load ------------------------------------------------------------------------------------------


def _connection_loop(
    port: int, kind: str, requests: Requests, until: float, measure_from: float, out: Result
) -> None:
    verifier = SignatureVerifier(SECRET)
    tag = "".join(chr(ord("a") + b % 26) for b in os.urandom(8))
    is_command = KINDS[kind] is not None
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    n = 0
    while (started := time.perf_counter()) < until:
        body = requests.body(kind, n, tag).encode()
        n += 1
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": str(verifier.generate_signature(timestamp=timestamp, body=body)),
        }
        late = False
        try:
            connection.request("POST", "/slack/events", body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read()
            ok = response.status == 200
            late = is_command and not answer.strip()
        except (OSError, http.client.HTTPException):
            ok = False
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        if started >= measure_from:
            if ok:
                out.latencies.append(time.perf_counter() - started)
                out.late += late
            else:
                out.errors += 1
    connection.close()


def _load_process(
    port: int, kind: str, requests: Requests, threads: int, warmup: float, seconds: float
) -> Result:
    """One client process: `threads` keep-alive connections for warmup + seconds."""
    start = time.perf_counter()
    measure_from, until = start + warmup, start + warmup + seconds
    results = [Result() for _ in range(threads)]
    workers = [
        threading.Thread(
            target=_connection_loop, args=(port, kind, requests, until, measure_from, r)
        )
        for r in results
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return merged(results, seconds)


def merged(parts: list[Result], seconds: float) -> Result:
    total = Result(seconds=seconds)
    for part in parts:
        total.latencies += part.latencies
        total.errors += part.errors
        total.late += part.late
    return total


def load(
    pool: multiprocessing.pool.Pool,
    port: int,
    kind: str,
    requests: Requests,
    *,
    concurrency: int,
    warmup: float,
    seconds: float,
) -> Result:
    processes = min(2, concurrency)
    per_process = [
        concurrency // processes + (i < concurrency % processes) for i in range(processes)
    ]
    jobs = [(port, kind, requests, n, warmup, seconds) for n in per_process]
    parts = pool.starmap_async(_load_process, jobs).get(timeout=warmup + seconds + 60)
    return merged(parts, seconds)


# -- servers ---------------------------------------------------------------------------------------


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        command,
        env=env,
        cwd=log.parent,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_ready(port: int, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"server exited early:\n{log.read_text()[-3000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"server on :{port} not ready in {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def server_env(fake: FakeSlack, url: str, answers: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()} | {
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
        "DATABASE_URL": url,
        "PYTHONPATH": str(ROOT),
        "BENCH_ANSWERS": str(answers),
    }
    env.pop("SLACK_APP_TOKEN", None)
    return env


def serve_and_load(
    env: dict[str, str],
    tmp: Path,
    kinds: list[str],
    requests: Requests,
    args: argparse.Namespace,
    store: str,
) -> dict[str, dict[str, Figures]]:
    ports = {side: free_port() for side in SIDES}
    commands = {
        "rapport": [sys.executable, "-m", "bot.cli", "serve", "--http", "--no-sweep"],
        "bare": [sys.executable, "-m", "bench.bare_app"],
    }
    logs = {side: tmp / f"{store}-{side}.log" for side in SIDES}
    servers = {
        side: start([*commands[side], "--port", str(ports[side])], env, logs[side])
        for side in SIDES
    }
    figures = {kind: {side: Figures() for side in SIDES} for kind in kinds}
    try:
        for side in SIDES:
            wait_ready(ports[side], servers[side], logs[side])
        with multiprocessing.get_context("spawn").Pool(2) as pool:
            pool.map(time.sleep, [0.5, 0.5])  # both client processes started before any load
            for kind in kinds:
                for round_ in range(args.rounds):
                    for side in SIDES if round_ % 2 == 0 else SIDES[::-1]:
                        result = load(
                            pool,
                            ports[side],
                            kind,
                            requests,
                            concurrency=args.concurrency,
                            warmup=args.warmup,
                            seconds=args.seconds,
                        )
                        print(
                            f"  {store} {kind:<13} round {round_ + 1} {side:>7}: "
                            f"{result.rps():7.0f} req/s  p50 {result.percentile(0.5):6.1f} ms  "
                            f"p99 {result.percentile(0.99):6.1f} ms  errors {result.errors}"
                            + (f"  late {result.late}" if result.late else ""),
                            flush=True,
                        )
                        figures[kind][side].rounds.append(result)
    finally:
        for server in servers.values():
            stop(server)
    for side in SIDES:
        if any(f[side].errors > 0.01 * max(1, f[side].requests) for f in figures.values()):
            print(f"\n{side} log tail:\n{logs[side].read_text()[-2000:]}")
            sys.exit(f"too many errors from {side} on the {store} store")
    return figures


# -- callgrind -------------------------------------------------------------------------------------


def instructions_per_request(
    url: str, fake: FakeSlack, answers: Path, kinds: list[str], tmp: Path, store: str
) -> dict[str, dict[str, float]] | None:
    """One valgrind run of bench.hotpath's callgrind child: per side and kind, instructions per
    request (its dump i+2 over N requests: see bench.hotpath.callgrind_main)."""
    out = tmp / f"callgrind-{store}.out"
    command = [
        "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
        "--dump-before=os_getppid", "--dump-instr=no", "--compress-strings=no",
        sys.executable, "-m", "bench.hotpath", "callgrind",
        "--database-url", url, "--api-url", fake.api_url, "--answers", str(answers),
        "--kinds", ",".join(kinds), "--requests", str(CALLGRIND_REQUESTS),
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["PYTHONPATH"] = str(ROOT)
    started = time.perf_counter()
    try:
        run = subprocess.run(
            command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=CALLGRIND_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        print(f"  callgrind: no result within {CALLGRIND_TIMEOUT} s")
        return None
    if run.returncode != 0:
        print(f"  callgrind failed ({run.returncode}):\n{run.stderr[-2000:]}")
        return None
    totals = {}
    for dump in out.parent.glob(out.name + ".*"):
        if (number := dump.name.rsplit(".", 1)[1]).isdigit():
            found = re.search(r"^summary: (\d+)", dump.read_text(errors="replace"), re.M)
            totals[int(number)] = int(found.group(1)) if found else 0
    phases = [(side, kind) for side in SIDES for kind in kinds]
    if len(totals) < len(phases) + 1:
        print(f"  callgrind: {len(totals)} dumps, {len(phases) + 1} expected; no figures")
        return None
    print(f"  callgrind: {time.perf_counter() - started:.0f} s under valgrind")
    figures: dict[str, dict[str, float]] = {side: {} for side in SIDES}
    for i, (side, kind) in enumerate(phases):
        figures[side][kind] = totals[i + 2] / CALLGRIND_REQUESTS
    return figures


# -- main ------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--stores", default="small,big", help="of: " + ", ".join(SIZES))
    parser.add_argument(
        "--only", default=",".join(KINDS), help="request kinds, of: " + ", ".join(KINDS)
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per round")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds first")
    parser.add_argument("--concurrency", type=int, default=16, help="keep-alive connections")
    parser.add_argument("--rounds", type=int, default=2, help="A B rounds per kind, alternating")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument(
        "--callgrind", action="store_true", help="instructions per request (needs valgrind)"
    )
    parser.add_argument(
        "--bare",
        choices=("default", "before-response"),
        default="default",
        help="the baseline's Bolt mode: its default (an executor thread per listener, the ack "
        "polled every 10 ms) or process_before_response=True, as Rapport runs",
    )
    args = parser.parse_args()
    if args.bare == "before-response":  # the servers and the callgrind child inherit it
        os.environ[bare_app.BEFORE_RESPONSE] = "1"
    stores, kinds = args.stores.split(","), args.only.split(",")
    if unknown := [s for s in stores if s not in SIZES] + [k for k in kinds if k not in KINDS]:
        parser.error(f"unknown: {', '.join(unknown)}")
    if not (0.5 <= args.seconds <= 600 and 1 <= args.rounds <= 20 and 1 <= args.concurrency <= 256):
        parser.error("use 0.5 to 600 seconds, 1 to 20 rounds and 1 to 256 connections")
    if args.callgrind and shutil.which("valgrind") is None:
        print("valgrind is not installed: no instruction counts")
        args.callgrind = False

    runs = []
    with (
        tempfile.TemporaryDirectory(prefix="rapport-bench-") as folder,
        FakeSlack() as fake,
        ResponseSink() as sink,
    ):
        tmp = Path(folder)
        fake.add_user(USER, name="alice", real_name="Alice Ng", tz="America/New_York")
        fake.add_channel(CHANNEL, name="sales")
        for store in stores:
            runs.append(run_store(store, kinds, args, fake, sink, tmp))
    report(runs, kinds, args)


def run_store(
    store: str,
    kinds: list[str],
    args: argparse.Namespace,
    fake: FakeSlack,
    sink: ResponseSink,
    tmp: Path,
) -> StoreRun:
    with temporary_database(args.database_url, prefix="rapport_hotbench") as url:
        size = SIZES[store]
        print(
            f"{store} store: {size.accounts:,} accounts, {size.interactions:,} interactions, "
            f"{size.open_followups:,} open follow-ups ...",
            flush=True,
        )
        build_seconds = build_store(url, size)
        print(f"  built in {build_seconds:.1f} s", flush=True)
        measured = measure_in_process(url, fake.api_url, sink, kinds)
        answers = tmp / f"answers-{store}.json"
        answers.write_text(
            json.dumps(
                {
                    "answers": measured.answers,
                    "response_url": measured.requests.response_url,
                    "click_body": measured.requests.click_body,
                }
            )
        )
        instructions = (
            instructions_per_request(url, fake, answers, kinds, tmp, store)
            if args.callgrind
            else None
        )
        env = server_env(fake, url, answers)
        figures = serve_and_load(env, tmp, kinds, measured.requests, args, store)
    return StoreRun(store, build_seconds, measured.statements, instructions, figures)


def report(runs: list[StoreRun], kinds: list[str], args: argparse.Namespace) -> None:
    print(
        f"\n{args.concurrency} connections, {args.rounds} round(s) x {args.seconds:g} s per side "
        f"and kind (medians), {os.cpu_count()} cores, gunicorn gthread, "
        f"{'PostgreSQL' if (args.database_url or '').startswith('postgres') else 'SQLite'}, "
        f"bare app in Bolt's {args.bare} mode"
    )
    instr = any(run.instructions for run in runs)
    head = f"{'store':<6} {'request':<14} {'SQL/req':>7}"
    if instr:
        head += f" {'Minstr':>7} {'bare Mi':>7}"
    head += (
        f" | {'rps':>6} {'p50 ms':>7} {'p99 ms':>7} | {'bare rps':>8} {'p50 ms':>7} {'p99 ms':>7}"
    )
    head += f" | {'rps ratio':>9} {'p99 ratio':>9}"
    if instr:
        head += f" {'instr ratio':>11}"
    print(head)
    print("-" * len(head))
    for run in runs:
        for kind in kinds:
            rapport, bare = run.figures[kind]["rapport"], run.figures[kind]["bare"]
            line = f"{run.store:<6} {kind:<14} {run.statements[kind]:7.1f}"
            if instr:
                mine = (run.instructions or {}).get("rapport", {}).get(kind)
                base = (run.instructions or {}).get("bare", {}).get(kind)
                line += (
                    f" {mine / 1e6:7.2f} {base / 1e6:7.2f}"
                    if mine and base
                    else f" {'-':>7} {'-':>7}"
                )
            line += (
                f" | {rapport.median('rps'):6.0f} {rapport.median('p50'):7.1f} "
                f"{rapport.median('p99'):7.1f} | {bare.median('rps'):8.0f} "
                f"{bare.median('p50'):7.1f} {bare.median('p99'):7.1f}"
            )
            line += f" | {ratio(rapport.median('rps'), bare.median('rps')):9.2f}"
            line += f" {ratio(rapport.median('p99'), bare.median('p99')):9.2f}"
            if instr:
                line += f" {ratio(mine or 0, base or 0):11.2f}"
            print(line)
    print("SQL/req: statements per request, counted in process (every thread)")
    if instr:
        print(
            "Minstr, bare Mi: millions of instructions per request, Rapport's and the bare app's"
            " (callgrind, in process); instr ratio: Rapport's over the bare app's"
        )
    print(
        "rps, p50, p99: over HTTP, medians over the rounds; rps ratio: Rapport's requests/s over"
        " the bare app's (goal >= 0.90); p99 ratio: Rapport's p99 over the bare app's (goal <= 1.2)"
    )


def ratio(mine: float, base: float) -> float:
    return mine / base if base else float("nan")


if __name__ == "__main__":
    main()
