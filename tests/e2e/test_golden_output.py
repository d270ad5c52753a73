"""Golden output: every command's ``--non-interactive --format json`` output, byte for byte.

Issue 11 item 6 ("no behaviour change"): a fixed scenario runs every command of the spec on a
fresh embedded sandbox (``--sandbox``, seed 0) and compares each step's exit code, stdout and
stderr byte for byte with ``tests/e2e/golden/NN-<step>.json``, recorded on main before the
redesign.  Any difference in a JSON key, a value, an error message or an exit code fails.

Determinism, not normalisation:
- the clock is virtual: ``time.time`` / ``time.monotonic`` read a clock that starts on Monday
  2026-11-23 10:00 Beijing time and moves only when the CLI sleeps (``time.sleep`` advances it
  instead of sleeping) and by one second before every step; so the sandbox's run states, the
  cookies' expiry, ``--wait``'s polls and ``elapsed_seconds`` are the same on every run;
- after every sleep and before every step the harness waits (in real time) until each backtest
  engine process has written its result, so what a poll sees never depends on machine speed;
- ``os.urandom`` (the sandbox's rotating ids, export task ids and session ids: random by
  design) is a seeded stream, one per request size and per thread (``SeededBytes``), so ids are
  the same on every run: the sandbox mints a response's ids in the thread that sent the request,
  and the archive's lister thread races its workers; the archive's details and backtest metrics
  are fetched in separate runs with one worker each, so each worker's ids come in a fixed order
  (and the store file is compared too);
- every date range is explicit (no "yesterday" default), the sandbox seed is fixed (0);
- the engine's metrics are the same floats on every Python and numpy CI runs (3.9 + numpy 2.0,
  3.11 + 2.4, 3.13 + 2.5): its sums of floats add left to right (``stats.seq_sum``), never with
  ``sum()``, which is compensated from Python 3.12 on; so no step is skipped for a version.
Two things are replaced, both non-deterministic by nature: the temporary home folder's path
(absolute paths in outputs, e.g. ``config_path``, export files) becomes ``<HOME>``, and the
sandbox engine's measurement of its own run time (``report_done_seconds`` and
``report_done_cpu_seconds``, real seconds the engine process took) becomes ``"<ENGINE_SECONDS>"``;
in ``backtest report``'s HTML the same two cells and the "生成于" stamp (the report's wall-clock
creation time) are replaced, and the report step's ``bytes`` (it counts those cells) becomes
``"<REPORT_BYTES>"`` (the HTML itself is compared as its own step).  Nothing else is touched.

Regenerate the files (only when a change of output is intended, and say so in the commit):
``JQCLI_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/e2e/test_golden_output.py -q``.

The harness runs the CLI in-process (``jqcli.entrypoints.cli.run``) and patches only the ``time``
module's functions, so it survives moving code between modules.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import threading
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import pytest

from tests.support.clirun import run_cli

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("JQCLI_UPDATE_GOLDEN", "").strip() not in ("", "0")
START = 1795399200.0  # 2026-11-23 10:00:00 +08:00 (a Monday)
RANGE = ("--start", "2024-01-02", "--end", "2024-01-31")
WAIT = ("--wait", "--poll-interval", "0.5", "--wait-timeout", "120")

CODE = (
    "from jqdata import *\n\n\n"
    "def initialize(context):\n"
    '    set_benchmark("000300.XSHG")\n'
    '    g.security = "510300.XSHG"\n'
    '    run_daily(trade, time="every_bar")\n\n\n'
    "def trade(context):\n"
    '    closes = attribute_history(g.security, 10, "1d", ["close"])["close"]\n'
    "    cash = context.portfolio.available_cash\n"
    "    held = context.portfolio.positions[g.security].closeable_amount\n"
    "    if closes[-3:].mean() > closes.mean() and cash > 100000:\n"
    '        log.info("买入")\n'
    "        order_value(g.security, cash)\n"
    "    elif closes[-3:].mean() < closes.mean() and held > 0:\n"
    '        log.info("卖出")\n'
    "        order_target(g.security, 0)\n"
    "    record(avg=closes.mean())\n"
)
EDITED = CODE.replace('log.info("买入")', 'log.info("买入 %d" % cash)')
# A syntax error whose traceback text is the same on Python 3.9-3.13 (the engine child runs on the
# Python of the venv, and e.g. "expected ':'" exists only from 3.10): compared byte for byte everywhere.
BAD = "def initialize(context):\n    g.n = 1 +\n"


class VirtualTime:
    """``time.time``/``time.monotonic``/``time.sleep`` on a clock that moves only when asked."""

    def __init__(self, home: Path, real_sleep: Callable[[float], None], real_monotonic: Callable[[], float]) -> None:
        self.home = home
        self.wall = START
        self.mono = 10_000.0
        self._sleep = real_sleep
        self._monotonic = real_monotonic

    def time(self) -> float:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds

    def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, float(seconds)))
        self.settle()

    def settle(self) -> None:
        """Block (real time) until every started backtest engine has written its result."""
        deadline = self._monotonic() + 180
        while True:
            pending = [
                folder
                for folder in (
                    os.path.dirname(p) for p in glob.glob(str(self.home / "**" / "job.json"), recursive=True)
                )
                if not os.path.exists(os.path.join(folder, "result.json"))
                and not os.path.exists(os.path.join(folder, "cancelled"))
            ]
            if not pending:
                return
            if self._monotonic() > deadline:
                raise AssertionError(f"backtest engines did not finish: {pending}")
            self._sleep(0.05)


ENGINE_TIME = re.compile(r'("report_done(?:_cpu)?_seconds"\s*:\s*)-?[0-9][0-9.eE+-]*')


ENGINE_CELLS = re.compile(r"(report_done(?:_cpu)?_seconds</td><td>)[^<]*")
REPORT_STAMP = re.compile(r"生成于 [^;<]*;")
REPORT_BYTES = re.compile(r'("bytes": )[0-9]+')


def scrub(text: str, home: Path) -> str:
    """The two non-deterministic things (see the module's text), nothing else."""
    return ENGINE_TIME.sub(r'\1"<ENGINE_SECONDS>"', text.replace(str(home), "<HOME>"))


def scrub_report(html: str, home: Path) -> str:
    return REPORT_STAMP.sub("生成于 <NOW>;", ENGINE_CELLS.sub(r"\1<ENGINE_SECONDS>", scrub(html, home)))


class SeededBytes:
    """``os.urandom`` replaced by a fixed stream per requested size and per thread.

    Sizes do not disturb each other, nor do threads: the archive's lister thread (``jq-list``) and
    its workers (``jq-detail-N``, ``jq-stats-N``) send their requests at the same time, and the
    sandbox mints each response's rotating ids (``internal_post_id`` among them) in the thread that
    sent the request.  With one stream for all threads, which of two racing requests drew which ids
    varied from run to run (so did the store file); with one stream per thread, a thread's ids
    depend only on its own requests.  The main thread's stream is the one all threads shared before.
    """

    def __init__(self) -> None:
        self.counters: Dict[Tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def __call__(self, size: int) -> bytes:
        thread = threading.current_thread().name
        with self._lock:
            count = self.counters.get((thread, size), 0)
            self.counters[(thread, size)] = count + 1
        stream = f"{size}" if thread == "MainThread" else f"{thread}:{size}"
        out = b""
        block = 0
        while len(out) < size:
            out += hashlib.sha256(f"jqcli-golden:{stream}:{count}:{block}".encode()).digest()
            block += 1
        return out[:size]


class Scenario:
    def __init__(self, home: Path, clock: VirtualTime) -> None:
        self.home = home
        self.clock = clock
        self.env = {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_CACHE_HOME": str(home / "cache"),
        }
        self.steps: List[Tuple[str, Dict[str, object]]] = []
        self.vars: Dict[str, str] = {}

    def run(self, name: str, *argv: str, stdin: str = "", sandbox: bool = True, fmt: bool = True) -> Dict[str, object]:
        self.clock.settle()
        self.clock.advance(1.0)
        args = (["--sandbox"] if sandbox else []) + ["--non-interactive"] + (["--format", "json"] if fmt else [])
        args += [a.format(**self.vars) for a in argv]
        outcome = run_cli(args, env=self.env, cwd=str(self.home), stdin=stdin)
        record: Dict[str, object] = {
            "argv": [a.replace(str(self.home), "<HOME>") for a in args],
            "stdin": stdin,
            "exit_code": outcome.code,
            "stdout": scrub(outcome.stdout, self.home),
            "stderr": scrub(outcome.stderr, self.home),
        }
        self.steps.append((name, record))
        return record

    def json(self, name: str, *argv: str, **kw: object) -> Dict[str, object]:
        record = self.run(name, *argv, **kw)  # type: ignore[arg-type]
        assert record["exit_code"] == 0, record
        return json.loads(str(record["stdout"]))

    def write(self, name: str, text: str) -> str:
        path = self.home / name
        path.write_text(text, encoding="utf-8")
        return str(path)


def first(items: Sequence[Dict[str, object]], key: str = "id") -> str:
    assert items, "empty list"
    return str(items[0][key])


def scenario(s: Scenario) -> None:
    # -- auth ------------------------------------------------------------------------------------
    s.run("auth-status", "auth", "status")
    s.run("auth-status-no-sandbox", "auth", "status", sandbox=False)
    s.run("auth-import-cookie", "auth", "import-cookie", "--cookie", "token=abc123; PHPSESSID=x", sandbox=False)
    s.run("auth-status-imported", "auth", "status", sandbox=False)
    s.run("auth-import-token", "auth", "import-token", "--token", "tok-xyz", sandbox=False)
    s.run("auth-logout", "auth", "logout", sandbox=False)
    s.run("auth-status-logged-out", "auth", "status", sandbox=False)
    s.run("auth-import-token-missing", "auth", "import-token", sandbox=False)
    s.run("auth-login-wrong-password", "auth", "login", "--username", "13800000000", "--password-stdin", stdin="x\n")
    s.run("auth-login-sandbox", "auth", "login", "--username", "13800000000", "--password-stdin", stdin="jqcli-demo\n")
    s.run("auth-status-after-login", "auth", "status")
    s.run("auth-login-no-username", "auth", "login", sandbox=False)
    s.run("strategy-ls-not-authenticated", "strategy", "ls", sandbox=False)

    # -- strategy ----------------------------------------------------------------------------------
    listing = s.json("strategy-ls", "strategy", "ls")
    s.vars["seeded"] = first(listing["items"])  # type: ignore[arg-type]
    s.run("strategy-show-seeded", "strategy", "show", "{seeded}")
    s.run("strategy-show-not-found", "strategy", "show", "0123456789abcdef0123456789abcdef")
    code = s.write("strategy.py", CODE)
    created = s.json("strategy-new-file", "strategy", "new", "黄金策略", "--file", code)
    s.vars["sid"] = str(created["id"])
    s.json("strategy-new-stdin", "strategy", "new", "标准输入策略", "--code-stdin", stdin=CODE)
    s.run("strategy-new-missing-file", "strategy", "new", "缺文件", "--file", str(s.home / "missing.py"))
    s.run("strategy-show", "strategy", "show", "{sid}")
    s.run("strategy-edit-name", "strategy", "edit", "{sid}", "--name", "黄金策略二")
    s.run("strategy-edit-code", "strategy", "edit", "{sid}", "--code-stdin", stdin=EDITED)
    s.run("strategy-edit-nothing", "strategy", "edit", "{sid}")
    s.run("strategy-ls-after", "strategy", "ls")

    # -- backtest runs ------------------------------------------------------------------------------
    compiled = s.json("backtest-run-compile-wait", "backtest", "run", "{sid}", *RANGE, "--compile", *WAIT)
    s.vars["compile_list"] = str(compiled["list_id"])
    formal = s.json("backtest-run-formal-wait", "backtest", "run", "{sid}", *RANGE, "--capital", "1000000", *WAIT)
    assert formal["status"] == "done", formal
    s.vars["bid"], s.vars["list_id"] = str(formal["id"]), str(formal["list_id"])
    s.run("backtest-run-nowait", "backtest", "run", "{sid}", *RANGE)
    s.run("backtest-run-bad-date", "backtest", "run", "{sid}", "--start", "2024/01/02")
    s.run(
        "backtest-run-syntax-error",
        "backtest",
        "run",
        "--name",
        "语法错误",
        "--code-stdin",
        *RANGE,
        "--compile",
        *WAIT,
        stdin=BAD,
    )
    s.run("backtest-run-push", "backtest", "run", "--name", "推送策略", "--code-stdin", *RANGE, *WAIT, stdin=CODE)
    s.run("backtest-ls", "backtest", "ls", "{sid}")
    s.run("backtest-show", "backtest", "show", "{bid}")
    s.run("backtest-show-not-found", "backtest", "show", "0123456789abcdef0123456789abcdef")
    s.run("backtest-stats", "backtest", "stats", "{bid}")
    s.run("backtest-result", "backtest", "result", "{bid}")
    s.run("backtest-result-all", "backtest", "result", "{bid}", "--all")
    s.run("backtest-logs", "backtest", "logs", "{bid}")
    s.run("backtest-logs-all", "backtest", "logs", "{bid}", "--all")
    s.run("backtest-logs-offset", "backtest", "logs", "{bid}", "--offset", "3")
    s.run("backtest-logs-error", "backtest", "logs", "{bid}", "--error")
    s.run("backtest-trades", "backtest", "trades", "{bid}")
    s.run("backtest-positions", "backtest", "positions", "{bid}")
    s.run("backtest-risk", "backtest", "risk", "{bid}")
    report = s.run("backtest-report", "backtest", "report", "{bid}", "-o", str(s.home / "report.html"))
    report["stdout"] = REPORT_BYTES.sub(r'\1"<REPORT_BYTES>"', str(report["stdout"]))
    html = (s.home / "report.html").read_text(encoding="utf-8")
    s.steps.append(("file-report.html", {"content": scrub_report(html, s.home)}))
    s.run("backtest-report-exists", "backtest", "report", "{bid}", "-o", str(s.home / "report.html"))
    s.run("backtest-chart-spark", "backtest", "chart", "{bid}", "--spark")
    s.run("backtest-export-result", "backtest", "export", "{bid}", "--kind", "result", "-o", str(s.home / "r.csv"))
    s.run("backtest-export-exists", "backtest", "export", "{bid}", "--kind", "result", "-o", str(s.home / "r.csv"))
    s.run("backtest-export-trades", "backtest", "export", "{bid}", "--kind", "transaction", "-o", str(s.home / "t.csv"))
    s.run("backtest-export-log", "backtest", "export", "{bid}", "--kind", "log", "-o", str(s.home / "log.txt"))
    for name in ("r.csv", "t.csv", "log.txt"):
        path = s.home / name
        s.steps.append((f"file-{name}", {"content": scrub(path.read_text(encoding="utf-8"), s.home)}))
    s.run("backtest-rm-unconfirmed", "backtest", "rm", "{bid}")
    s.run("backtest-rm-not-found", "backtest", "rm", "0123456789abcdef0123456789abcdef", "--yes")
    s.run("backtest-rm", "backtest", "rm", "{list_id}", "--yes")
    s.run("backtest-rm-compile", "backtest", "rm", "{compile_list}", "--yes", "--compile")
    s.run("backtest-show-deleted", "backtest", "show", "{bid}")

    # -- strategy delete -----------------------------------------------------------------------------
    s.run("strategy-rm-unconfirmed", "strategy", "rm", "{sid}")
    s.run("strategy-rm", "strategy", "rm", "{sid}", "--yes")
    s.run("strategy-show-deleted", "strategy", "show", "{sid}")

    # -- community --------------------------------------------------------------------------------------
    latest = s.json("community-latest", "community", "latest", "--max-pages", "1", "--page-size", "5")
    s.vars["post"] = first(latest["items"])  # type: ignore[arg-type]
    s.run("community-latest-stream", "community", "latest", "--max-pages", "1", "--page-size", "3", "--stream")
    s.run("community-latest-bad-page-size", "community", "latest", "--page-size", "0")
    s.run("community-detail", "community", "detail", "{post}")
    s.run("community-detail-not-found", "community", "detail", "0123456789abcdef0123456789abcdef")
    with_bt = s.json("community-latest-more", "community", "latest", "--max-pages", "3", "--page-size", "20")
    posts = [p for p in with_bt["items"] if isinstance(p, dict) and (p.get("backtest") or {}).get("id")]  # type: ignore[union-attr]
    if posts:
        s.vars["clone_post"] = str(posts[0]["id"])
        s.run("community-clone-check", "community", "clone-strategy", "{clone_post}")
        s.run("community-clone-yes", "community", "clone-strategy", "{clone_post}", "--yes")
    s.run("community-clone-not-found", "community", "clone-strategy", "0123456789abcdef0123456789abcdef")
    s.run(
        "community-archive-list",
        "community",
        "archive",
        "--phase",
        "list",
        "--max-pages",
        "2",
        "--page-size",
        "10",
        "--list-out",
        str(s.home / "list.jsonl"),
    )
    s.run(
        "community-archive-sync-list-only",
        "community",
        "archive",
        "--phase",
        "sync",
        "--store",
        str(s.home / "store.jsonl"),
        "--max-pages",
        "2",
        "--page-size",
        "10",
        "--skip-detail",
        "--skip-backtest",
    )
    s.run(
        "community-archive-sync-details",
        "community",
        "archive",
        "--phase",
        "sync",
        "--store",
        str(s.home / "store.jsonl"),
        "--max-pages",
        "1",
        "--page-size",
        "5",
        "--max-detail",
        "5",
        "--skip-backtest",
        "--detail-workers",
        "1",
    )
    s.run(
        "community-archive-sync-backtests",
        "community",
        "archive",
        "--phase",
        "sync",
        "--store",
        str(s.home / "store.jsonl"),
        "--max-pages",
        "1",
        "--page-size",
        "5",
        "--skip-detail",
        "--max-backtest",
        "3",
        "--backtest-workers",
        "1",
    )
    s.run("community-archive-bad-phase", "community", "archive", "--phase", "nope")

    # -- sandbox, completion, usage -----------------------------------------------------------------------
    s.run("sandbox-serve-bad-host", "sandbox", "serve", "--host", "0.0.0.0", sandbox=False)
    s.run("completion-bash", "completion", "bash", sandbox=False, fmt=False)
    s.run("completion-zsh", "completion", "zsh", sandbox=False, fmt=False)
    s.run("usage-unknown-command", "nosuchcommand", sandbox=False)
    s.run("version", "--version", sandbox=False)
    # the archive's store after the three syncs above (its rotating ids come from the per-thread streams)
    store = (s.home / "store.jsonl").read_text(encoding="utf-8")
    s.steps.append(("file-store.jsonl", {"content": scrub(store, s.home)}))


def _file_name(index: int, name: str) -> str:
    return f"{index:02d}-{name}.json"


def _dump(record: Dict[str, object]) -> str:
    return json.dumps(record, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


@pytest.fixture
def virtual_time(tmp_path, monkeypatch) -> VirtualTime:
    home = tmp_path / "home"
    home.mkdir()
    clock = VirtualTime(home, time.sleep, time.monotonic)
    monkeypatch.setattr(time, "time", clock.time)
    monkeypatch.setattr(time, "monotonic", clock.monotonic)
    monkeypatch.setattr(time, "sleep", clock.sleep)
    monkeypatch.setattr(os, "urandom", SeededBytes())
    yield clock
    clock.settle()


def test_every_command_output_is_byte_identical_to_the_golden_files(virtual_time: VirtualTime) -> None:
    s = Scenario(virtual_time.home, virtual_time)
    scenario(s)
    names = [_file_name(i, name) for i, (name, _) in enumerate(s.steps, 1)]
    assert len(set(names)) == len(names)
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        for old in GOLDEN.glob("*.json"):
            old.unlink()
        for file_name, (_, record) in zip(names, s.steps):
            (GOLDEN / file_name).write_text(_dump(record), encoding="utf-8")
        pytest.skip(f"JQCLI_UPDATE_GOLDEN: wrote {len(names)} golden files to {GOLDEN}")
    recorded = sorted(p.name for p in GOLDEN.glob("*.json"))
    assert recorded == sorted(names), "the scenario's steps differ from the golden files"
    mismatches: List[str] = []
    for file_name, (_, record) in zip(names, s.steps):
        expected = (GOLDEN / file_name).read_text(encoding="utf-8")
        if _dump(record) != expected:
            mismatches.append(file_name)
    detail: Optional[str] = None
    if mismatches:
        want = json.loads((GOLDEN / mismatches[0]).read_text(encoding="utf-8"))
        got = dict(s.steps[names.index(mismatches[0])][1])
        detail = json.dumps({"file": mismatches[0], "want": want, "got": got}, ensure_ascii=False, indent=2)[:4000]
    assert not mismatches, f"{len(mismatches)} step(s) differ: {mismatches}\n{detail}"
