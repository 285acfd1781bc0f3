"""Load test of the dashboard's HTTP API on loopback: requests per second and latency.

Starts ``neuroimmune.web`` with uvicorn in a child process on a free 127.0.0.1 port,
then 50 client threads (keep-alive connections, stdlib ``http.client``) send
``POST /api/simulate`` with the 24 h ``lps_2ngkg`` scenario as JSON. Each phase stops
after ``--requests`` requests or ``--seconds`` seconds, whichever comes first, and
reports requests/s, latency percentiles and errors (any status but 200).

Phases:
  identical  every client sends the same scenario: the cache and request coalescing
             serve it (a class of students opening the same scenario)
  dose       each request gives a different LPS dose: every request is a solver run
             on a warm engine (many users moving a dose slider)

Traffic goes to 127.0.0.1 only. Run: ``python benchmarks/bench_api.py [--clients 50]``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

HOST = "127.0.0.1"
SCENARIO = {
    "name": "Endotoxin challenge, 2 ng/kg",
    "duration_h": 24,
    "clock_start_h": 8,
    "intervention": [{"agent": "lps", "amount": 2.0, "unit": "ng/kg", "route": "iv", "at_h": 0}],
}
SERVER = """
import sys, uvicorn
from neuroimmune.web import WebLimits, create_app
app = create_app(WebLimits(workers=int(sys.argv[2])))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
            limit_concurrency=1024)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_ready(port: int, workers: int, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/api/health")
            health = json.loads(connection.getresponse().read())
            connection.close()
            if health["engines_ready"] >= workers:
                return
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server on port {port} not ready after {timeout_s:g} s")


@dataclass
class Tally:
    latencies_s: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    issued: int = 0

    def take(self, limit: int) -> int | None:
        """A ticket for one more request, or None when the count is reached."""
        with self.lock:
            if self.issued >= limit:
                return None
            self.issued += 1
            return self.issued


def client(port: int, phase: str, tally: Tally, limit: int, deadline: float) -> None:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"Content-Type": "application/json"}
    while time.monotonic() < deadline:
        ticket = tally.take(limit)
        if ticket is None:
            break
        scenario = json.loads(json.dumps(SCENARIO))
        if phase == "dose":
            scenario["intervention"][0]["amount"] = 0.5 + (ticket % 10_000) * 1e-4
        body = json.dumps({"scenario": scenario}).encode()
        start = time.perf_counter()
        try:
            connection.request("POST", "/api/simulate", body, headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            status = type(error).__name__
            connection.close()
            connection = http.client.HTTPConnection(HOST, port, timeout=30)
        elapsed = time.perf_counter() - start
        with tally.lock:
            if status == 200:
                tally.latencies_s.append(elapsed)
            else:
                tally.errors[str(status)] = tally.errors.get(str(status), 0) + 1
    connection.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def run_phase(port: int, phase: str, clients: int, requests: int, seconds: float) -> dict:
    tally = Tally()
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=client, args=(port, phase, tally, requests, deadline))
               for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    done = tally.latencies_s
    return {
        "phase": phase, "clients": clients, "requests": len(done) + sum(tally.errors.values()),
        "wall_s": wall, "rps": len(done) / wall if wall else 0.0,
        "p50_ms": 1000 * percentile(done, 50) if done else float("nan"),
        "p95_ms": 1000 * percentile(done, 95) if done else float("nan"),
        "p99_ms": 1000 * percentile(done, 99) if done else float("nan"),
        "mean_ms": 1000 * statistics.fmean(done) if done else float("nan"),
        "errors": dict(tally.errors),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000, help="per phase")
    parser.add_argument("--seconds", type=float, default=20.0, help="per phase, at most")
    parser.add_argument("--workers", type=int, default=2, help="simulation worker threads")
    parser.add_argument("--phases", default="identical,dose")
    parser.add_argument("--target-p95-ms", type=float, default=500.0)
    args = parser.parse_args()

    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port), str(args.workers)])
    try:
        wait_ready(port, args.workers)
        # one request per phase kind first, so compile and burn-in are not timed
        run_phase(port, "identical", 1, 1, 30.0)
        print(f"POST /api/simulate, 24 h lps_2ngkg, {args.clients} clients, 127.0.0.1:{port}, "
              f"{args.workers} simulation workers")
        print(f"{'phase':<10} {'requests':>8} {'wall s':>7} {'req/s':>8} {'p50 ms':>8} "
              f"{'p95 ms':>8} {'p99 ms':>8} errors  p95 <= {args.target_p95_ms:g} ms, no errors")
        for phase in args.phases.split(","):
            row = run_phase(port, phase, args.clients, args.requests, args.seconds)
            met = row["p95_ms"] <= args.target_p95_ms and not row["errors"]
            print(f"{row['phase']:<10} {row['requests']:>8} {row['wall_s']:>7.1f} "
                  f"{row['rps']:>8.1f} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} "
                  f"{row['p99_ms']:>8.1f} {row['errors'] or 0!s:<7} {'yes' if met else 'no'}")
        return 0
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    sys.exit(main())
