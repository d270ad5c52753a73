"""Sandbox benchmark: requests served per second on loopback, and the time to generate the community.

    .venv/bin/python tests/bench/sandbox_rate.py            # 5 s per case, 34,000 posts
    .venv/bin/python tests/bench/sandbox_rate.py --smoke    # a few seconds in all; asserts nothing about time

Starts ``jqcli sandbox serve --port 0`` as a subprocess (so the server has its
own interpreter), then drives it from keep-alive ``http.client`` connections
in threads: a simple JSON endpoint (``/user/index/isLogin``, logged in), the
strategy list page and a community page.  Prints requests/s and latency
percentiles per case.  Target (stated, not asserted): ≥ 500 req/s for the JSON
endpoint and ≥ 200 req/s for the strategy list page on a 2-core machine.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

DEMO = ("13800000000", "jqcli-demo")


def jqcli() -> str:
    candidate = Path(sys.executable).with_name("jqcli")
    return str(candidate) if candidate.exists() else "jqcli"


def start_server(state: str, posts: int) -> tuple:
    cmd = [jqcli(), "--format", "json", "sandbox", "serve", "--port", "0", "--state", state, "--posts", str(posts)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    return proc, json.loads(line)


def login_cookie(host: str, port: int) -> str:
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request("GET", "/user/login/index")
    first = conn.getresponse()
    first.read()
    sid = first.headers["Set-Cookie"].split(";")[0]
    body = urlencode({"username": DEMO[0], "pwd": DEMO[1]})
    headers = {"Cookie": sid, "Content-Type": "application/x-www-form-urlencoded"}
    conn.request("POST", "/user/login/doLoginByText", body=body, headers=headers)
    resp = conn.getresponse()
    resp.read()
    cookies = [v.split(";")[0] for v in resp.headers.get_all("Set-Cookie")]
    conn.close()
    return "; ".join(cookies)


def hammer(host: str, port: int, path: str, cookie: str, seconds: float, threads: int) -> tuple:
    latencies: list = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        mine = []
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            conn.request("GET", path, headers={"Cookie": cookie, "X-Requested-With": "XMLHttpRequest"})
            resp = conn.getresponse()
            resp.read()
            mine.append(time.perf_counter() - started)
            if resp.status != 200:
                errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0.0
    median = statistics.median(latencies) if latencies else 0.0
    return len(latencies), elapsed, median, p99, errors[0]


def generation_time(posts: int) -> float:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from jqcli.adapters.sandbox.site.app import SandboxApp, SandboxConfig

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        app = SandboxApp(os.path.join(folder, "gen.sqlite3"), SandboxConfig(posts=posts))
        elapsed = time.perf_counter() - started
        app.close()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each case")
    parser.add_argument("--posts", type=int, default=34000, help="community size to generate and serve")
    parser.add_argument("--smoke", action="store_true", help="short run (CI)")
    args = parser.parse_args()
    seconds, posts = (0.4, 1000) if args.smoke else (args.seconds, args.posts)
    print(f"generate {posts:,} posts: {generation_time(posts):.2f} s")
    with tempfile.TemporaryDirectory() as folder:
        proc, info = start_server(os.path.join(folder, "bench.sqlite3"), posts)
        try:
            host, port = info["host"], info["port"]
            cookie = login_cookie(host, port)
            cases = [
                ("JSON /user/index/isLogin", "/user/index/isLogin"),
                ("HTML /algorithm/index/list", "/algorithm/index/list"),
                ("JSON /community/post/listV2 limit=20", "/community/post/listV2?limit=20"),
            ]
            print(f"{'case':<40} {'threads':>7} {'requests':>9} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}")
            for name, path in cases:
                for threads in (1, 4):
                    count, elapsed, p50, p99, errors = hammer(host, port, path, cookie, seconds, threads)
                    rate = count / elapsed if elapsed else 0.0
                    timing = f"{p50 * 1000:>7.1f} {p99 * 1000:>7.1f}"
                    print(f"{name:<40} {threads:>7} {count:>9} {rate:>8.0f} {timing} {errors:>6}")
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
