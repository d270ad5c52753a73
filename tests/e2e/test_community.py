"""End to end: ``jqcli community …`` against ``jqcli sandbox serve`` (rotating ids, faults, kill -9)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time

import pytest

from tests.support.sandbox_proc import jqcli_executable

pytestmark = pytest.mark.e2e

FAULTS = "status=0.06,reset=0.04,truncate=0.03,r429=0.04:0,busy=0.03,path=/community|/algorithm/backtest/stats,writes=0"


def all_ids(jq) -> list:
    result = jq("community", "latest", "--page-size", "200", "--until", "2000-01-01")
    assert result.code == 0, result
    return [item["id"] for item in result.json["items"]]


def store_lines(path) -> list:
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def test_latest_aggregate_has_the_spec_keys_and_stable_unique_ids(jq) -> None:
    result = jq("community", "latest", "--page-size", "20", "--max-pages", "2")
    assert result.code == 0, result
    data = result.json
    assert data["pages_read"] == 2 and data["max_pages"] == 2 and len(data["items"]) == 40
    assert {"total_count", "curr_time", "until", "since_id", "stopped_by_until", "stopped_by_since_id"} <= set(data)
    ids = [item["id"] for item in data["items"]]
    assert len(set(ids)) == 40
    again = jq("community", "latest", "--page-size", "20", "--max-pages", "2").json
    assert [item["id"] for item in again["items"]] == ids  # uniqueKey, stable across requests
    assert again["items"][0]["post_id"] != data["items"][0]["post_id"]  # postId rotates


def test_latest_stream_emits_posts_progress_and_one_final_done(jq) -> None:
    result = jq("community", "latest", "--page-size", "10", "--max-pages", "3", "--stream")
    assert result.code == 0, result
    events = result.lines
    kinds = [event["type"] for event in events]
    assert kinds.count("done") == 1 and kinds[-1] == "done" and kinds.count("progress") == 3
    posts = [event for event in events if event["type"] == "post"]
    assert len(posts) == 30 and events[-1]["items_seen"] == 30 and posts[0]["page"] == 1


def test_since_id_works_across_requests_despite_rotating_ids(jq) -> None:
    first = jq("community", "latest", "--page-size", "10", "--max-pages", "2").json["items"]
    cursor = first[13]["id"]
    result = jq("community", "latest", "--page-size", "10", "--since-id", cursor, "--stream")
    assert result.code == 0, result
    streamed = [event["item"]["id"] for event in result.lines if event["type"] == "post"]
    assert streamed == [item["id"] for item in first[:13]]
    assert result.lines[-1]["stopped_by_since_id"] is True


def test_stream_failure_ends_with_an_error_event_and_non_zero_exit(jq) -> None:
    # Anonymous readers are refused past page 10 (code 400): the stream reports how far it got.
    result = jq("community", "latest", "--page-size", "5", "--max-pages", "12", "--stream", login=False)
    assert result.code == 1, result
    events = result.lines
    assert events[-1]["type"] == "error" and events[-1]["pages_read"] == 10 and events[-1]["items_seen"] == 50
    assert events[-1]["error"]["code"] == "not_authenticated" and not any(e["type"] == "done" for e in events)
    assert result.error["code"] == "not_authenticated"


def test_latest_and_archive_survive_5xx_resets_and_429(jq, sandbox_factory) -> None:
    server = sandbox_factory("--posts", "300", "--seed", "5", "--faults", FAULTS)
    faulty = jq.bound_to(server)
    result = faulty("community", "latest", "--page-size", "20", "--max-pages", "5", "--stream")
    assert result.code == 0, result
    assert result.lines[-1]["type"] == "done" and result.lines[-1]["items_seen"] == 100
    archive = faulty("community", "archive", "--phase", "sync", "--store", "a.jsonl", "--retry-sleep", "0")
    assert archive.code == 0, archive
    summary = archive.json
    assert summary["complete"] is True and summary["store_posts"] == len(all_ids(faulty))
    if summary["failures"]:  # what failed is retried by the next run, never marked done
        again = faulty("community", "archive", "--phase", "sync", "--store", "a.jsonl", "--retry-sleep", "0").json
        assert again["pending_detail"] + again["pending_stats"] <= summary["failures"]


def test_detail_with_all_replies_and_stats(jq) -> None:
    items = jq("community", "latest", "--page-size", "50").json["items"]
    post = max((i for i in items if i["backtest"]["id"]), key=lambda i: i["reply_count"])
    result = jq("community", "detail", post["id"], "--all-replies", "--with-backtest-stats")
    assert result.code == 0, result
    data = result.json
    assert data["post"]["id"] == post["id"] and data["post"]["requested_id"] == post["id"]
    assert data["post"]["content"] and data["strategy"]["backtest"]["stats"]["sharpe"] is not None
    discussion = data["discussion"]
    assert len(discussion["items"]) == discussion["total_count"] and discussion["max_pages"] is None
    missing = jq("community", "detail", "0" * 32)
    assert missing.code == 2 and missing.error["code"] == "not_found"


def test_clone_check_then_execute(jq) -> None:
    post = next(i for i in jq("community", "latest", "--page-size", "50").json["items"] if i["backtest"]["id"])
    check = jq("community", "clone-strategy", post["id"])
    assert check.code == 0, check
    view = check.json
    assert view["execute"] is False and view["hint"] and view["secret_present"] is True and "secret" not in view
    done = jq("community", "clone-strategy", post["id"], "--yes")
    assert done.code == 0, done
    assert done.json["execute"] is True and done.json["strategy_id"] and done.json["cost"] == view["reduce"]
    after = jq("community", "clone-strategy", post["id"]).json
    assert after["amount"] == view["amount"] - view["reduce"]
    assert "secret" not in done.stdout.replace("secret_present", "")


def test_archive_twice_second_run_adds_nothing(jq, tmp_path) -> None:
    store = str(tmp_path / "archive.jsonl")
    first = jq("community", "archive", "--phase", "sync", "--store", store)
    assert first.code == 0, first
    summary = first.json
    assert summary["posts_added"] == len(all_ids(jq)) == summary["store_posts"] and summary["complete"] is True
    assert summary["pending_detail"] == 0 and summary["failures"] == 0
    second = jq("community", "archive", "--phase", "sync", "--store", store).json
    assert second["posts_added"] == 0 and second["pages"] == 1 and second["details_filled"] == 0
    lines = store_lines(store)
    assert len(lines) == len({line["id"] for line in lines}) == summary["store_posts"]
    assert os.path.exists(str(tmp_path / "archive.state.json"))


def test_spec_script_invocation_still_works(jq, tmp_path) -> None:
    env = dict(jq.env)
    script = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "archive_community_posts.py")
    proc = subprocess.run(
        [
            os.path.join(os.path.dirname(jqcli_executable()), "python"),
            script,
            "--phase",
            "sync",
            "--store",
            str(tmp_path / "s.jsonl"),
            "--state",
            str(tmp_path / "s.state.json"),
            "--max-pages",
            "1",
            "--skip-detail",
            "--skip-backtest",
            "--api-base",
            jq.server.url,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["pages"] == 1 and (tmp_path / "s.state.json").exists()


def _archive_cmd(jq, store: str) -> list:
    return [
        jqcli_executable(),
        "--api-base",
        jq.server.url,
        "--format",
        "json",
        "--non-interactive",
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
    ]


def test_kill_9_loop_resumes_without_lost_or_duplicated_posts(jq, sandbox_factory, tmp_path) -> None:
    server = sandbox_factory("--posts", "500", "--seed", "3", "--latency-ms", "25")
    slow = jq.bound_to(server)
    slow.login()
    store = str(tmp_path / "k.jsonl")
    rng = random.Random(7)
    killed = 0
    for _ in range(8):  # kill -9 at random moments until four runs died mid-way
        proc = subprocess.Popen(
            [*_archive_cmd(slow, store), "--detail-workers", "2", "--backtest-workers", "2"],
            env=slow.env,
            cwd=str(slow.home),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.3, 0.9))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait(timeout=30)
        if killed == 4:
            break
    assert killed >= 3
    final = slow.raw(*_archive_cmd(slow, store)[1:], timeout=120)
    assert final.code == 0, final
    expected = set(all_ids(slow))
    lines = store_lines(store)
    ids = [line["id"] for line in lines]
    assert len(ids) == len(set(ids)) and set(ids) == expected
    assert all(line.get("detail_fetched_at") for line in lines)
    assert all(line["backtest"].get("stats") for line in lines if line["backtest"]["id"])
    assert final.json["complete"] is True


def test_a_second_sync_on_the_same_store_is_refused(jq, sandbox_factory, tmp_path) -> None:
    server = sandbox_factory("--posts", "400", "--seed", "4", "--latency-ms", "30")
    slow = jq.bound_to(server)
    slow.login()
    store = str(tmp_path / "l.jsonl")
    proc = subprocess.Popen(
        _archive_cmd(slow, store),
        env=slow.env,
        cwd=str(slow.home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while not os.path.exists(store) and time.monotonic() < deadline:
            time.sleep(0.05)
        second = slow.raw(*_archive_cmd(slow, store)[1:])
        assert second.code == 6 and second.error["code"] == "file_error" and "lock" in second.error["details"]
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)


def test_two_phase_mode_list_then_enrich_and_force_starts_over(jq, tmp_path) -> None:
    list_out, enriched = str(tmp_path / "l.jsonl"), str(tmp_path / "e.jsonl")
    common = ["community", "archive", "--list-out", list_out, "--enriched-out", enriched, "--max-pages", "2"]
    result = jq(*common, "--phase", "all", "--page-size", "20")
    assert result.code == 0, result
    data = result.json
    assert data["list"]["posts_added"] == 40 and data["list"]["details_filled"] == 0
    assert data["enrich"]["seeded"] == 40 and data["enrich"]["pages"] == 0
    enriched_lines = store_lines(enriched)
    with_backtest = [line for line in enriched_lines if line["backtest"]["id"]]
    assert len(enriched_lines) == 40 and all(line["backtest"].get("stats") for line in with_backtest)
    assert all("content" not in line for line in enriched_lines)  # the enrich phase adds stats only
    resumed = jq(*common[:-2], "--phase", "list", "--page-size", "20").json["list"]
    assert resumed["posts_added"] == len(all_ids(jq)) - 40  # resumed below the first two pages
    forced = jq(*common, "--phase", "list", "--page-size", "20", "--force").json["list"]
    assert forced["posts_added"] == 40 and forced["store_posts"] == 40


def test_ctrl_c_saves_progress_exits_130_and_the_next_run_completes(jq, sandbox_factory, tmp_path) -> None:
    server = sandbox_factory("--posts", "300", "--seed", "8", "--latency-ms", "25")
    slow = jq.bound_to(server)
    slow.login()
    store = str(tmp_path / "c.jsonl")
    proc = subprocess.Popen(
        _archive_cmd(slow, store), env=slow.env, cwd=str(slow.home), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert json.loads(err[err.rfind(b'{\n  "error"') :])["error"]["code"] == "interrupted"
    final = slow.raw(*_archive_cmd(slow, store)[1:], timeout=120)
    assert final.code == 0 and final.json["complete"] is True
    assert {line["id"] for line in store_lines(store)} == set(all_ids(slow))


def test_until_skips_old_pinned_posts_without_stopping(jq) -> None:
    # The sandbox pins posts in the 公告 tab and in "all" (--list-type 0), not in 文章.
    head = jq("community", "latest", "--list-type", "0", "--page-size", "50").json["items"]
    pinned = [item for item in head if item["is_top"]]
    ordinary = [item for item in head if not item["is_top"]]
    assert pinned and ordinary
    until = max(ordinary[-1]["published_at"], min(p["published_at"] for p in pinned))
    older_pins = {p["id"] for p in pinned if p["published_at"] < until}
    assert older_pins, "need a pinned post older than the bound"
    result = jq("community", "latest", "--list-type", "0", "--page-size", "50", "--until", until)
    assert result.code == 0, result
    data = result.json
    ids = {item["id"] for item in data["items"]}
    assert not ids & older_pins and data["stopped_by_until"] is True
    assert {item["id"] for item in ordinary if item["published_at"] >= until} <= ids
