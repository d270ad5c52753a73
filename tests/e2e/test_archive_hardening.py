"""End to end: ``community archive`` when the site is down, on Ctrl-C, with a damaged store, odd options.

(issue 10: the circuit breaker, one JSON error on Ctrl-C, the lock through a symlink, store
damage, stale temp files, wrongly typed lines, --store only with --phase sync, --max-pages as
a page-number cap and a sync that changes nothing writing no file.)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.sandbox_proc import jqcli_executable

pytestmark = pytest.mark.e2e

FETCH_PATHS = "/community/post/detailV2|/algorithm/backtest/stats"


def sync_args(store: str, *extra: str) -> list:
    return [
        "community",
        "archive",
        "--phase",
        "sync",
        "--store",
        store,
        "--page-size",
        "20",
        "--retry-sleep",
        "0",
        *extra,
    ]


def base_cmd(runner) -> list:
    return [jqcli_executable(), "--api-base", runner.server.url, "--format", "json", "--non-interactive"]


def store_ids(path) -> list:
    return [json.loads(line)["id"] for line in Path(path).read_text(encoding="utf-8").splitlines()]


def backlog(jq, sandbox_factory, tmp_path, *serve_args: str):
    """A store of the sandbox's listed posts without details or stats, built against a healthy sandbox."""
    good = sandbox_factory("--posts", "60", "--seed", "5")
    runner = jq.bound_to(good)
    runner.login()
    store = str(tmp_path / "b.jsonl")
    first = runner(*sync_args(store, "--skip-detail", "--skip-backtest"))
    assert first.code == 0 and first.json["store_posts"] > 30, first
    return good, runner, store, first.json["store_posts"]


@pytest.mark.parametrize(
    "faults,extra",
    [
        (f"status=1,path={FETCH_PATHS}", ()),  # every detail/stats answer is a 5xx
        (f"latency=4000,path={FETCH_PATHS}", ("--timeout", "0.5")),  # every detail/stats request hangs
    ],
    ids=["5xx", "hang"],
)
def test_a_site_that_is_down_stops_the_run_saving_progress_exit_5(jq, sandbox_factory, tmp_path, faults, extra):
    good, runner, store, posts = backlog(jq, sandbox_factory, tmp_path)
    state_before = json.loads((tmp_path / "b.state.json").read_text(encoding="utf-8"))
    down = sandbox_factory("--posts", "60", "--seed", "5", "--faults", faults, "--verbose")
    broken = runner.bound_to(down)
    broken.login()
    result = broken(*extra, *sync_args(store), timeout=150)
    assert result.code == 5, result
    error = json.loads(result.stderr)["error"]  # stderr: exactly one JSON error
    assert error["code"] == "network_error"
    details = error["details"]
    assert details["pending_detail"] == posts and details["pending_stats"] > 0 and details["consecutive_failures"] >= 5
    assert details["store"] == store and "再次运行" in details["hint"]
    assert result.json["site_down"]["consecutive_failures"] >= 5  # the summary is on stdout too
    fetches = [line for line in down.stderr.splitlines() if "detailV2" in line or "backtest/stats" in line]
    assert len(fetches) < 150, len(fetches)  # before: every post × 2 kinds × 3 tries × up to 4 GET attempts
    state_after = json.loads((tmp_path / "b.state.json").read_text(encoding="utf-8"))
    assert state_after["coverage"] == state_before["coverage"] and len(store_ids(store)) == posts


def test_a_site_that_refuses_connections_stops_at_the_list_exit_5(jq, sandbox_factory, tmp_path) -> None:
    good, runner, store, posts = backlog(jq, sandbox_factory, tmp_path)
    good.stop()
    result = runner(*sync_args(store), timeout=90)
    assert result.code == 5, result
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "network_error" and error["details"]["pending_detail"] == posts
    assert result.json["pending_detail"] == posts and result.json["complete"] is False, {
        k: v for k, v in result.json.items() if k in ("stopped_by", "list_error", "site_down", "complete")
    }


@pytest.mark.parametrize("delay", [0.3, 1.2])
def test_ctrl_c_prints_exactly_one_json_error_with_resume_details(jq, sandbox_factory, tmp_path, delay) -> None:
    server = sandbox_factory("--posts", "1000", "--seed", "8", "--latency-ms", "40")
    slow = jq.bound_to(server)
    slow.login()
    store = str(tmp_path / "c.jsonl")
    proc = subprocess.Popen(
        [*base_cmd(slow), *sync_args(store)],
        env=slow.env,
        cwd=str(slow.home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while not os.path.exists(store) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    error = json.loads(err)["error"]  # the whole of stderr is one JSON object: no tracebacks
    assert error["code"] == "interrupted"
    assert {"store", "state", "pending_detail", "pending_stats", "hint"} <= set(error["details"])
    assert error["details"]["store"] == store


def test_the_same_store_through_a_symlink_is_locked(jq, sandbox_factory, tmp_path) -> None:
    server = sandbox_factory("--posts", "400", "--seed", "4", "--latency-ms", "30")
    slow = jq.bound_to(server)
    slow.login()
    store, link = tmp_path / "real.jsonl", tmp_path / "link.jsonl"
    link.symlink_to(store)
    proc = subprocess.Popen(
        [*base_cmd(slow), *sync_args(str(store))],
        env=slow.env,
        cwd=str(slow.home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while not store.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        second = slow(*sync_args(str(link)))
        assert second.code == 6 and second.error["code"] == "file_error" and "lock" in second.error["details"]
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)


def test_lost_and_corrupt_lines_are_backed_up_warned_and_fetched_again(jq, sandbox_factory, tmp_path) -> None:
    server = sandbox_factory("--posts", "120", "--seed", "6")
    runner = jq.bound_to(server)
    runner.login()
    store = tmp_path / "d.jsonl"
    first = runner(*sync_args(str(store)))
    assert first.code == 0 and first.json["complete"] is True, first
    lines = store.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = lines[:20] + ['{"id": "broken\n'] + lines[51:]  # 31 posts lost, one of them as a torn middle line
    store.write_text("".join(kept), encoding="utf-8")
    second = runner(*sync_args(str(store)))
    assert second.code == 0, second
    summary = second.json
    assert summary["corrupt_lines"] == 1 and summary["store_damage"]["expected_posts"] == len(lines)
    assert summary["posts_added"] == 31 and summary["complete"] is True
    assert Path(summary["corrupt_backup"]).read_text(encoding="utf-8") == '{"id": "broken\n'
    assert "警告" in second.stderr and summary["corrupt_backup"] in second.stderr
    assert sorted(store_ids(store)) == sorted(json.loads(line)["id"] for line in lines)


def test_wrongly_typed_line_is_read_leniently(jq, tmp_path) -> None:
    store = tmp_path / "t.jsonl"
    first = jq(*sync_args(str(store), "--max-pages", "1", "--skip-detail", "--skip-backtest"))
    assert first.code == 0, first
    lines = store.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[3])
    record["legacy_ids"] = 5
    lines[3] = json.dumps(record, ensure_ascii=False)
    store.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for _ in range(2):  # and the sync after it works too
        again = jq(*sync_args(str(store), "--max-pages", "1", "--skip-detail", "--skip-backtest"))
        assert again.code == 0, again
    assert again.json["store_posts"] == 20


def test_a_sync_that_changes_nothing_writes_no_file_and_stale_temps_go(jq, sandbox_factory, tmp_path) -> None:
    server = sandbox_factory("--posts", "50", "--seed", "9")
    runner = jq.bound_to(server)
    runner.login()
    folder = tmp_path / "store"  # (the sandbox's own files are in tmp_path)
    folder.mkdir()
    store = folder / "n.jsonl"
    assert runner(*sync_args(str(store))).code == 0
    assert runner(*sync_args(str(store))).code == 0
    stale = folder / f".n.state.json.{2**22 + 4321}.0a1b2c3d.tmp"  # what a kill -9 during a state save leaves
    stale.write_text("{}")
    other = folder / f".other.state.json.{2**22 + 4321}.0a1b2c3d.tmp"
    other.write_text("{}")
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.suffix != ".lock"}
    third = runner(*sync_args(str(store)))
    assert third.code == 0 and third.json["posts_added"] == 0, third
    assert third.json["temp_files_removed"] == [stale.name] and other.exists()
    before.pop(stale.name)
    after = {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.suffix != ".lock"}
    assert after == before  # store, state, sidecar untouched


def test_store_options_that_a_phase_would_ignore_are_usage_errors(jq, tmp_path) -> None:
    result = jq("community", "archive", "--store", "x.jsonl", "--max-pages", "1", cwd=str(tmp_path))
    assert result.code == 3 and result.error["code"] == "usage_error" and "--phase sync" in result.error["message"]
    result = jq("community", "archive", "--phase", "all", "--state", "s.json", cwd=str(tmp_path))
    assert result.code == 3 and result.error["code"] == "usage_error"
    result = jq("community", "archive", "--phase", "sync", "--store", "", cwd=str(tmp_path))
    assert result.code == 3 and "--store" in result.error["message"]
    assert not (tmp_path / "data").exists() and not (tmp_path / "x.jsonl").exists()


def test_a_store_that_is_a_directory_is_a_file_error(jq, tmp_path) -> None:
    folder = tmp_path / "dir.jsonl"
    folder.mkdir()
    result = jq(*sync_args(str(folder)))
    assert result.code == 6 and result.error["code"] == "file_error", result


def test_max_pages_is_a_page_cap_and_an_earlier_until_is_not_complete(jq, sandbox_factory, tmp_path) -> None:
    server = sandbox_factory("--posts", "400", "--seed", "10")
    runner = jq.bound_to(server)
    runner.login()
    listing = runner("community", "latest", "--page-size", "200", "--until", "2000-01-01").json["items"]
    assert len(listing) > 200
    late, early = listing[30]["published_at"], listing[180]["published_at"]
    list_out = str(tmp_path / "l.jsonl")
    common = ["community", "archive", "--phase", "list", "--list-out", list_out, "--page-size", "20"]
    first = runner(*common, "--until", late)
    assert first.code == 0 and first.json["list"]["complete"] is True, first
    second = runner(*common, "--until", early, "--max-pages", "2").json["list"]
    assert second["stopped_by"] == "max_pages" and second["complete"] is False and "--max-pages" in second["note"]
    assert second["pages"] <= 2
    budget = runner(*common, "--until", early, "--page-budget", "1").json["list"]
    assert budget["stopped_by"] == "page_budget" and budget["posts_added"] >= 19  # a budget run reaches new pages
    last = runner(*common, "--until", early).json["list"]
    assert last["complete"] is True
