"""How fast Rapport acks a slash command, against a bare Bolt app on the same server.

Starts a fake Slack Web API, `rapport serve --http` and `bench/bare_app.py` (a Bolt app whose only
listener acks /crm), both on gunicorn with the options of bot.server.gunicorn_options, then loads
each in turn (A B A B …) with signed `/crm help` requests over keep-alive connections on
loopback, and prints requests/s, p50 and p99 for both and Rapport's ratio to the baseline.

    python bench/ack.py [--seconds 10] [--concurrency 16] [--rounds 2]

Traffic goes only to 127.0.0.1; every loop is bounded in time; both servers are stopped at the end.
"""

import argparse
import http.client
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.standin.webapi import FakeSlack  # noqa: E402

SECRET = "bench-signing-secret"
USER = "U0ALICE"
FORM = urllib.parse.urlencode(
    {
        "token": "legacy",
        "team_id": "T0001",
        "team_domain": "acme",
        "channel_id": "C0SALES01",
        "channel_name": "sales",
        "user_id": USER,
        "user_name": "alice",
        "command": "/crm",
        "text": "help",
        "api_app_id": "A0CRMBOT1",
        "is_enterprise_install": "false",
        "response_url": "http://127.0.0.1:9/hooks/bench",
        "trigger_id": "1.2.3",
    }
).encode()


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    errors: int = 0
    seconds: float = 0.0

    def add(self, other: "Result") -> None:
        self.latencies += other.latencies
        self.errors += other.errors
        self.seconds += other.seconds

    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _connection_loop(port: int, until: float, measure_from: float, out: Result) -> None:
    verifier = SignatureVerifier(SECRET)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while (started := time.perf_counter()) < until:
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": verifier.generate_signature(timestamp=timestamp, body=FORM),
        }
        try:
            connection.request("POST", "/slack/events", body=FORM, headers=headers)
            response = connection.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            ok = False
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        if started >= measure_from:
            if ok:
                out.latencies.append(time.perf_counter() - started)
            else:
                out.errors += 1
    connection.close()


def _load_process(port: int, threads: int, warmup: float, seconds: float) -> Result:
    """One client process: `threads` keep-alive connections for warmup + seconds."""
    start = time.perf_counter()
    measure_from, until = start + warmup, start + warmup + seconds
    results = [Result() for _ in range(threads)]
    workers = [
        threading.Thread(target=_connection_loop, args=(port, until, measure_from, r))
        for r in results
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    total = Result(seconds=seconds)
    for result in results:
        total.latencies += result.latencies
        total.errors += result.errors
    return total


def load(port: int, *, concurrency: int, warmup: float, seconds: float) -> Result:
    processes = min(2, concurrency)
    per_process = [
        concurrency // processes + (i < concurrency % processes) for i in range(processes)
    ]
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        parts = pool.starmap(_load_process, [(port, n, warmup, seconds) for n in per_process])
    total = Result(seconds=seconds)
    for part in parts:
        total.latencies += part.latencies
        total.errors += part.errors
    return total


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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per round")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds first")
    parser.add_argument("--concurrency", type=int, default=16, help="keep-alive connections")
    parser.add_argument("--rounds", type=int, default=2, help="A B rounds, alternating")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="rapport-bench-") as tmp, FakeSlack() as fake:
        fake.add_user(USER, name="alice", real_name="Alice Ng")
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()} | {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.api_url,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
            "PYTHONPATH": str(ROOT),
        }
        env.pop("SLACK_APP_TOKEN", None)
        ports = {"rapport": free_port(), "bare bolt": free_port()}
        commands = {
            "rapport": [
                sys.executable,
                "-m",
                "bot.cli",
                "serve",
                "--http",
                "--port",
                str(ports["rapport"]),
            ],
            "bare bolt": [
                sys.executable,
                "-m",
                "bench.bare_app",
                "--port",
                str(ports["bare bolt"]),
            ],
        }
        logs = {name: Path(tmp) / f"{name.replace(' ', '-')}.log" for name in commands}
        servers = {name: start(command, env, logs[name]) for name, command in commands.items()}
        try:
            for name, server in servers.items():
                wait_ready(ports[name], server, logs[name])
            results = {name: Result() for name in servers}
            for round_ in range(args.rounds):
                for name in servers:
                    result = load(
                        ports[name],
                        concurrency=args.concurrency,
                        warmup=args.warmup,
                        seconds=args.seconds,
                    )
                    print(
                        f"round {round_ + 1} {name:>9}: {result.rps():7.0f} req/s  "
                        f"p50 {result.percentile(0.5):6.1f} ms  "
                        f"p99 {result.percentile(0.99):6.1f} ms  "
                        f"errors {result.errors}",
                        flush=True,
                    )
                    results[name].add(result)
        finally:
            for server in servers.values():
                stop(server)
        report(results, args)
        failed = [n for n, r in results.items() if r.errors > 0.01 * max(1, len(r.latencies))]
        if failed:
            for name in failed:
                print(f"\n{name} log tail:\n{logs[name].read_text()[-2000:]}")
            sys.exit(f"too many errors: {', '.join(failed)}")


def report(results: dict[str, Result], args: argparse.Namespace) -> None:
    rapport, bare = results["rapport"], results["bare bolt"]
    print(
        f"\n/crm help, {args.concurrency} connections, {args.rounds} x {args.seconds:.0f} s each, "
        f"{os.cpu_count()} cores, gunicorn gthread"
    )
    print(f"{'':>10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, result in results.items():
        print(
            f"{name:>10} {result.rps():8.0f} {result.percentile(0.5):8.1f} "
            f"{result.percentile(0.99):8.1f} {result.errors:7d}"
        )
    print(
        f"{'ratio':>10} {rapport.rps() / bare.rps():8.2f} "
        f"{rapport.percentile(0.5) / bare.percentile(0.5):8.2f} "
        f"{rapport.percentile(0.99) / bare.percentile(0.99):8.2f}   (rapport / bare bolt)"
    )


if __name__ == "__main__":
    main()
