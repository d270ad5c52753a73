"""--fields and JQCLI_FORMAT (issue 13 item 8): the selection rules, then the CLI on the in-process sandbox."""

from __future__ import annotations

import json

import pytest

from jqcli.domain.errors import UsageError
from jqcli.entrypoints.fields import env_format, parse_fields, select, select_item_event, valid_fields
from tests.support.clirun import run_cli

DATA = {
    "id": "b1",
    "status": "done",
    "metrics": {"sharpe": 1.5, "max_drawdown": 0.1},
    "response": {"data": {"tradeDays": list(range(1000))}},
    "items": [{"name": "甲", "id": "s1", "m": {"q": 1}}, {"name": "乙", "id": "s2"}],
}


def test_dot_paths_select_nested_keys_and_merge() -> None:
    assert select(DATA, parse_fields("id,metrics.sharpe")) == {"id": "b1", "metrics": {"sharpe": 1.5}}
    assert select(DATA, parse_fields("metrics.sharpe,metrics")) == {"metrics": DATA["metrics"]}  # shorter path wins
    assert select(DATA, parse_fields("metrics,metrics.sharpe")) == {"metrics": DATA["metrics"]}


def test_the_main_items_list_is_selected_item_by_item() -> None:
    assert select(DATA, parse_fields("name")) == {"items": [{"name": "甲"}, {"name": "乙"}]}
    assert select(DATA, parse_fields("items.id,m.q")) == {"items": [{"id": "s1", "m": {"q": 1}}, {"id": "s2"}]}
    assert select([{"a": 1, "b": 2}, {"a": 3}], parse_fields("a")) == [{"a": 1}, {"a": 3}]
    assert select(DATA, parse_fields("id,name")) == {"id": "b1", "items": [{"name": "甲"}, {"name": "乙"}]}


def test_an_unknown_field_is_a_usage_error_listing_the_valid_ones_and_keeping_the_output() -> None:
    with pytest.raises(UsageError) as bad:
        select(DATA, parse_fields("id,metrics.sharp"))
    details = bad.value.details
    assert details["unknown"] == ["metrics.sharp"] and details["output"] == DATA
    assert {"id", "metrics.sharpe", "items.name", "name", "m.q"} <= set(details["valid_fields"])
    assert "命令已经执行" in bad.value.message


@pytest.mark.parametrize("text", ["", ",", "a,,b", "a..b", "a b", ".a", "a."])
def test_malformed_field_lists_are_refused(text) -> None:
    with pytest.raises(UsageError):
        parse_fields(text)


def test_a_field_under_an_empty_value_keeps_the_empty_value() -> None:
    failed = {"status": "failed", "metrics": {}, "error": None}
    assert select(failed, parse_fields("status,metrics.sharpe,error.line")) == {
        "status": "failed", "metrics": {}, "error": None
    }  # fmt: skip
    with pytest.raises(UsageError):
        select(failed, parse_fields("stauts"))
    assert select({"items": [], "n": 0}, parse_fields("name")) == {"items": []}  # no item to check against


def test_valid_fields_list_dot_paths_through_lists() -> None:
    assert valid_fields([{"a": {"b": 1}}]) == ["a", "a.b"]


def test_ndjson_events_select_their_item_and_pass_the_others() -> None:
    paths = parse_fields("title")
    event = {"type": "post", "page": 1, "item": {"title": "t", "body": "x" * 100}}
    assert select_item_event(event, paths, strict=True) == {"type": "post", "page": 1, "item": {"title": "t"}}
    done = {"type": "done", "items_seen": 3}
    assert select_item_event(done, paths, strict=True) is done
    with pytest.raises(UsageError):
        select_item_event({"type": "post", "item": {"body": 1}}, paths, strict=True)
    assert select_item_event({"type": "post", "item": {"body": 1}}, paths, strict=False)["item"] == {}


def test_jqcli_format_is_validated() -> None:
    assert env_format({}) is None and env_format({"JQCLI_FORMAT": " "}) is None
    assert env_format({"JQCLI_FORMAT": "JSON"}) == "json"
    with pytest.raises(UsageError):
        env_format({"JQCLI_FORMAT": "yaml"})


# -- the CLI --------------------------------------------------------------------------------------


def _env(tmp_path, **extra) -> dict:
    return {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path), **extra}


def sandbox(tmp_path, *argv, env=None):
    return run_cli(["--sandbox", "--non-interactive", *argv], env=_env(tmp_path, **(env or {})), cwd=str(tmp_path))


def test_fields_on_several_commands(tmp_path) -> None:
    listed = sandbox(tmp_path, "--format", "json", "strategy", "ls", "--fields", "id,name")
    assert listed.code == 0, listed
    assert listed.json["items"] and all(set(item) == {"id", "name"} for item in listed.json["items"])
    runs = sandbox(tmp_path, "--format", "json", "backtest", "ls", "全天候ETF", "--fields", "id,metrics.max_drawdown")
    row = runs.json["items"][0]
    assert set(row) == {"id", "metrics"} and set(row["metrics"]) == {"max_drawdown"}
    shown = sandbox(tmp_path, "backtest", "show", row["id"], "--format", "json", "--fields", "status,metrics.sharpe")
    full = sandbox(tmp_path, "--format", "json", "backtest", "show", row["id"])
    assert shown.code == 0 and shown.json == {"status": "done", "metrics": {"sharpe": full.json["metrics"]["sharpe"]}}
    assert len(shown.stdout) * 10 < len(full.stdout)


def test_fields_in_a_table_and_errors_are_never_filtered(tmp_path) -> None:
    table = sandbox(tmp_path, "strategy", "ls", "--fields", "name", "--limit", "2")
    assert table.code == 0 and table.stdout.splitlines()[0].strip() == "name" and "共 2 项" in table.stdout
    missing = sandbox(tmp_path, "--format", "json", "strategy", "show", "没有这个策略", "--fields", "name")
    assert missing.code == 2 and set(missing.error) == {"code", "message", "details"}


def test_an_unknown_field_exits_3_with_the_valid_fields(tmp_path) -> None:
    out = sandbox(tmp_path, "--format", "json", "strategy", "ls", "--fields", "nam")
    assert out.code == 3 and out.stdout == ""
    assert "name" in out.error["details"]["valid_fields"] and out.error["details"]["output"]["items"]


def test_a_malformed_field_list_exits_3_before_anything_runs(tmp_path) -> None:
    out = sandbox(tmp_path, "--format", "json", "strategy", "new", "不该创建", "--fields", "a,,b")
    assert out.code == 3 and out.error["code"] == "usage_error"
    names = [i["name"] for i in sandbox(tmp_path, "--format", "json", "strategy", "ls", "--all").json["items"]]
    assert "不该创建" not in names


def test_jqcli_format_sets_the_default_and_the_flag_wins(tmp_path) -> None:
    as_json = sandbox(tmp_path, "strategy", "ls", "--limit", "1", env={"JQCLI_FORMAT": "json"})
    assert as_json.code == 0 and json.loads(as_json.stdout)["items"]
    as_table = sandbox(tmp_path, "strategy", "ls", "--limit", "1", "--format", "table", env={"JQCLI_FORMAT": "json"})
    assert as_table.code == 0 and as_table.stdout.startswith("名称")
    bad = sandbox(tmp_path, "strategy", "ls", env={"JQCLI_FORMAT": "yaml"})
    assert bad.code == 3 and "JQCLI_FORMAT" in bad.stderr and bad.stdout == ""
    bad_json = sandbox(tmp_path, "--format", "json", "strategy", "ls", env={"JQCLI_FORMAT": "yaml"})
    assert bad_json.error["details"]["variable"] == "JQCLI_FORMAT"
    parse_error = sandbox(tmp_path, "strategy", "ls", "--bogus", env={"JQCLI_FORMAT": "json"})
    assert parse_error.code == 3 and parse_error.error["code"] == "usage_error"  # JSON even for a parse error
