"""Stream memory benchmark: the client's RSS while ``community latest --stream`` reads 100 pages.

    .venv/bin/python tests/bench/stream_memory.py            # 100 pages of 50 (a 10,000-post sandbox)
    .venv/bin/python tests/bench/stream_memory.py --smoke    # 12 pages; asserts nothing about memory or time

Starts ``jqcli sandbox serve --posts N`` (articles, list type 1, are a little
over half of the posts), logs jqcli in with an isolated ``HOME``/``XDG_CONFIG_HOME``
and runs ``jqcli --format json community latest --stream --page-size 50
--max-pages 100`` with unbuffered output.  A thread samples the client's
``VmRSS`` from ``/proc/<pid>/status`` every 20 ms; when a ``progress`` event for
page 10, 50 or 100 arrives, RSS is read at once.  Prints RSS at those pages and
the peak (the largest sample, and the kernel's ``VmHWM`` high-water mark).
Target (stated, not asserted): peak − RSS at page 10 ≤ 10 MB, i.e. memory stays
flat however many pages are streamed.  Exits non-zero if the command fails or
streams fewer posts than asked.  Linux only (``/proc``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.sandbox_proc import cli_login, start_sandbox_server  # noqa: E402

TARGET_GROWTH_MB = 10.0
PAGE_SIZE = 50
CHECKPOINTS = (1, 10, 50, 100)


def proc_status_kb(pid: int) -> dict:
    """``VmRSS`` and ``VmHWM`` (kB) of a live process; {} once it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            text = fh.read()
    except OSError:
        return {}
    out = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


class Sampler(threading.Thread):
    def __init__(self, pid: int, interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.samples: list = []  # (t, rss kB)
        self.hwm = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            status = proc_status_kb(self.pid)
            if not status:
                return
            self.samples.append((time.perf_counter(), status.get("VmRSS", 0)))
            self.hwm = max(self.hwm, status.get("VmHWM", 0))
            self.stop.wait(self.interval)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--posts", type=int, default=10000)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    pages, posts = (12, 2000) if args.smoke else (args.pages, args.posts)
    with tempfile.TemporaryDirectory() as home:
        started = time.perf_counter()
        server = start_sandbox_server(os.path.join(home, "stream.sqlite3"), "--posts", str(posts))
        seed_s = time.perf_counter() - started
        try:
            env = {**os.environ, "HOME": home, "XDG_CONFIG_HOME": os.path.join(home, "cfg"), "PYTHONUNBUFFERED": "1"}
            env.pop("JQCLI_API_BASE", None)
            base = cli_login(server, env, home)
            cmd = [*base, "community", "latest", "--stream", "--page-size", str(PAGE_SIZE), "--max-pages", str(pages)]
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=home)
            sampler = Sampler(proc.pid)
            sampler.start()
            at_page: dict = {}
            posts_seen, last_page, done = 0, 0, None
            assert proc.stdout is not None
            for raw in proc.stdout:
                event = json.loads(raw)
                kind = event.get("type")
                if kind == "post":
                    posts_seen += 1
                elif kind == "progress":
                    last_page = int(event["page"])
                    if last_page in CHECKPOINTS or last_page == pages:
                        at_page[last_page] = proc_status_kb(proc.pid).get("VmRSS", 0)
                elif kind == "done":
                    done = event
                    final = proc_status_kb(proc.pid)
                    sampler.hwm = max(sampler.hwm, final.get("VmHWM", 0))
            stderr = proc.stderr.read().decode() if proc.stderr else ""
            rc = proc.wait()
            wall_s = time.perf_counter() - t0
            sampler.stop.set()
            sampler.join()
        finally:
            server.stop()
    if rc != 0 or done is None:
        raise RuntimeError(f"community latest --stream exited {rc}: {stderr[-2000:]}")
    if last_page < pages or posts_seen < pages * PAGE_SIZE:
        raise RuntimeError(f"streamed {posts_seen} posts over {last_page} pages, expected {pages} × {PAGE_SIZE}")
    peak_kb = max(rss for _, rss in sampler.samples)
    mb = 1024.0
    print(f"{'point':<22} {'RSS MB':>8}")
    for page in sorted(at_page):
        print(f"{'after page ' + str(page):<22} {at_page[page] / mb:>8.1f}")
    print(f"{'peak (20 ms samples)':<22} {peak_kb / mb:>8.1f}")
    print(f"{'peak (VmHWM)':<22} {sampler.hwm / mb:>8.1f}")
    ref = at_page.get(10)
    if ref is None:
        raise RuntimeError("no RSS reading at page 10")
    growth = (max(peak_kb, sampler.hwm) - ref) / mb
    status = "met" if growth <= TARGET_GROWTH_MB else "NOT MET"
    print()
    print(f"{'metric':<28} {'value':>8} {'target':>8}  status")
    print(f"{'peak − RSS@page10 (MB)':<28} {growth:>8.1f} {'≤' + format(TARGET_GROWTH_MB, 'g'):>8}  {status}")
    print(
        f"({posts_seen} posts over {last_page} pages in {wall_s:.1f} s, {len(sampler.samples)} samples;"
        f" sandbox with {posts} posts seeded in {seed_s:.1f} s; {sys.version.split()[0]}, {os.cpu_count()} CPUs)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
