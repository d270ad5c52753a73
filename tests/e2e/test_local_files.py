"""End to end: strategy pull/push/diff against ``jqcli sandbox serve``, --fields and JQCLI_FORMAT (issue 13 items 7, 8).

The "web" edit is a save through the site (``strategy edit``), which is what the web IDE's autosave does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

FAST = ("--queue-seconds", "0.2", "--run-seconds", "1")
CODE = "# 本地文件\nfrom jqdata import *\n\n\ndef initialize(context):\n\tlog.info('a < b & c')\n"


def ok(result):
    assert result.code == 0, result
    return result.json


def manifest(folder: Path) -> dict:
    return json.loads((folder / ".jqcli-manifest.json").read_text("utf-8"))["files"]


def test_pull_edit_on_the_web_push_refused_with_a_diff_then_force(jq, tmp_path) -> None:
    src = tmp_path / "src.py"
    src.write_bytes(CODE.encode("utf-8"))
    sid = ok(jq("strategy", "new", "本地文件冲突", "--file", str(src)))["id"]
    folder = tmp_path / "work"
    pulled = ok(jq("strategy", "pull", "本地文件冲突", "--dir", str(folder)))
    assert [i["file"] for i in pulled["items"]] == ["本地文件冲突.py"] and pulled["items"][0]["action"] == "created"
    local = folder / "本地文件冲突.py"
    assert local.read_bytes() == CODE.encode("utf-8")
    assert manifest(folder)["本地文件冲突.py"]["strategy_id"] == pulled["items"][0]["strategy_id"]

    local.write_text(CODE + "x = 1  # 本地修改\n", encoding="utf-8")
    assert ok(jq("strategy", "diff", str(local)))["state"] == "local_changed"
    web = tmp_path / "web.py"
    web.write_text(CODE + "y = 2  # 网页上的修改\n", encoding="utf-8")
    ok(jq("strategy", "edit", sid, "--file", str(web)))  # the web IDE saves

    assert ok(jq("strategy", "diff", str(local)))["state"] == "both_changed"
    refused = jq("strategy", "push", str(local))
    assert refused.code == 7 and refused.error["code"] == "confirmation_required", refused
    details = refused.error["details"]
    assert "-y = 2  # 网页上的修改\n+x = 1  # 本地修改\n" in details["diff"] and details["saved"] == []
    assert ok(jq("strategy", "show", sid, "--code"))["code"] == CODE + "y = 2  # 网页上的修改\n"  # nothing saved

    forced = ok(jq("strategy", "push", str(local), "--force"))
    assert forced["items"][0]["action"] == "forced" and forced["saved"] == 1
    assert ok(jq("strategy", "show", sid, "--code"))["code"] == CODE + "x = 1  # 本地修改\n"
    assert ok(jq("strategy", "diff", str(local)))["state"] == "same"
    again = ok(jq("strategy", "push", str(local)))
    assert again["items"][0]["action"] == "unchanged" and again["saved"] == 0

    table = jq("strategy", "diff", str(local), "--format", "table")
    assert table.code == 0 and table.stdout == "# 本地文件冲突.py: same\n"
    ok(jq("strategy", "rm", sid, "--yes"))


def test_strategy_names_never_escape_the_folder(jq, tmp_path) -> None:
    names = ["../逃逸", "子/../../b", ".jqcli-manifest.json"]
    ids = [ok(jq("strategy", "new", name))["id"] for name in names]
    folder = tmp_path / "inner" / "dir"
    before = sorted(p.name for p in tmp_path.iterdir())
    pulled = ok(jq("strategy", "pull", *ids, "--dir", str(folder)))
    files = sorted(i["file"] for i in pulled["items"])
    assert files == sorted(["_逃逸.py", "子_.._.._b.py", "jqcli-manifest.json.py"])
    assert sorted(p.name for p in folder.iterdir()) == sorted([*files, ".jqcli-manifest.json"])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*before, "inner"])  # nothing next to the folder
    assert [p.name for p in (tmp_path / "inner").iterdir()] == ["dir"]
    assert all(Path(i["path"]).parent == folder for i in pulled["items"])
    for sid in ids:
        ok(jq("strategy", "rm", sid, "--yes"))


def test_pull_refuses_to_overwrite_a_file_it_did_not_write(jq, tmp_path) -> None:
    sid = ok(jq("strategy", "new", "已有文件"))["id"]
    (tmp_path / "已有文件.py").write_text("mine\n", encoding="utf-8")
    refused = jq("strategy", "pull", sid, "--dir", str(tmp_path))
    assert refused.code == 6 and refused.error["details"]["reason"] == "untracked", refused
    assert (tmp_path / "已有文件.py").read_text(encoding="utf-8") == "mine\n"
    assert not (tmp_path / ".jqcli-manifest.json").exists()
    ok(jq("strategy", "rm", sid, "--yes"))


def test_a_run_with_a_tracked_file_moves_the_manifest_hash(jq, sandbox_factory, tmp_path) -> None:
    jq = jq.bound_to(sandbox_factory("--seed", "5", *FAST))
    src = tmp_path / "src.py"
    src.write_bytes(CODE.encode("utf-8"))
    ok(jq("strategy", "new", "跟踪运行", "--file", str(src)))
    ok(jq("strategy", "pull", "跟踪运行", "--dir", str(tmp_path / "w")))
    local = tmp_path / "w" / "跟踪运行.py"
    local.write_text(CODE + "z = 3\n", encoding="utf-8")
    run = ok(jq("backtest", "run", "跟踪运行", "--file", str(local), "--compile", "--start", "2024-01-02",
                "--end", "2024-01-31", "--wait", "--poll-interval", "0.3", "--wait-timeout", "60"))  # fmt: skip
    assert run["tracked"]["file"] == str(local)
    import hashlib

    digest = hashlib.sha256((CODE + "z = 3\n").encode("utf-8")).hexdigest()
    assert run["tracked"]["code_hash"] == digest == manifest(tmp_path / "w")["跟踪运行.py"]["code_hash"]
    local.write_text(CODE + "z = 4\n", encoding="utf-8")
    assert ok(jq("strategy", "push", str(local)))["items"][0]["action"] == "saved"  # not a conflict


def test_fields_on_several_commands_and_jqcli_format(jq, tmp_path) -> None:
    listed = ok(jq("strategy", "ls", "--fields", "name"))
    assert listed["items"] and all(list(item) == ["name"] for item in listed["items"])
    run_id = ok(jq("backtest", "ls", "全天候ETF", "--fields", "id"))["items"][0]["id"]
    stats = ok(jq("backtest", "stats", run_id, "--fields", "metrics.sharpe"))
    assert list(stats) == ["metrics"] and list(stats["metrics"]) == ["sharpe"]
    assert ok(jq("backtest", "show", run_id, "--fields", "status")) == {"status": "done"}
    bad = jq("backtest", "show", run_id, "--fields", "stauts")
    assert bad.code == 3 and "status" in bad.error["details"]["valid_fields"]

    plain = jq.raw("--api-base", jq.server.url, "strategy", "ls", "--limit", "1", env={"JQCLI_FORMAT": "json"})
    assert plain.code == 0 and json.loads(plain.stdout)["items"]
    wrong = jq.raw("--api-base", jq.server.url, "strategy", "ls", env={"JQCLI_FORMAT": "xml"})
    assert wrong.code == 3 and "JQCLI_FORMAT" in wrong.stderr
