"""Fact tests: the zip export flow addExportZip → getExportStatus → getExportZip (protocol.md §3.1, §9.7)."""

from __future__ import annotations

import io
import zipfile

from jqcli.adapters.sandbox.site.export_views import FREE_EXPORTS_PER_DAY, PACK_SECONDS
from tests.sandbox.conftest import Client, settle


def _finished_run(client: Client, clock) -> str:
    resp = client.build(client.edit_id("多因子选股"))
    run_id = resp.json["data"]["backtestId"]
    settle(client.app)
    clock.advance(10)
    return run_id


def _export_ids(client: Client, run_id: str) -> dict:
    """Each export button's own ``backtestid`` (§9.7), keyed by its type."""
    dom = client.get(f"/algorithm/backtest/detail?backtestId={run_id}").dom
    out = {}
    for node in dom.walk():
        bid = node.attrs.get("backtestid")
        kind = next(
            (k for k in (node.attrs.get("type"), node.attrs.get("_type")) if k in ("transaction", "position", "log")),
            None,
        )
        if bid and kind:
            out[kind] = bid
    return out


def test_task_packs_then_downloads_a_zip_with_a_gb18030_csv_again_and_again(client, clock) -> None:
    run_id = _finished_run(client, clock)
    export_id = _export_ids(client, run_id)["transaction"]
    created = client.get(f"/algorithm/backtest/addExportZip?backtestId={export_id}&type=transaction&useCredit=0").json
    assert created["code"] == "00000" and isinstance(created["data"], str) and created["data"]
    task = created["data"]
    assert client.get(f"/algorithm/backtest/getExportStatus?task={task}").json["data"] is False  # packing
    early = client.get(f"/algorithm/backtest/getExportZip?task={task}")
    assert not early.body.startswith(b"PK") and early.json["code"] != "00000"
    clock.advance(PACK_SECONDS + 0.1)
    assert client.get(f"/algorithm/backtest/getExportStatus?task={task}").json["data"] == "1"
    bodies = [client.get(f"/algorithm/backtest/getExportZip?task={task}").body for _ in range(2)]
    assert bodies[0] == bodies[1] and bodies[0].startswith(b"PK\x03\x04")  # a task downloads again for free
    with zipfile.ZipFile(io.BytesIO(bodies[0])) as archive:
        assert archive.namelist() == ["transaction.csv"]
        text = archive.read("transaction.csv").decode("gb18030")
    assert text.splitlines()[0].startswith("日期,时间,品种,标的,交易类型")
    assert len(text.splitlines()) == 1 + 64


def test_position_and_log_exports_hold_position_csv_and_log_txt(client, clock) -> None:
    run_id = _finished_run(client, clock)
    ids = _export_ids(client, run_id)
    for kind, member in (("position", "position.csv"), ("log", "log.txt")):
        task = client.get(f"/algorithm/backtest/addExportZip?backtestId={ids[kind]}&type={kind}&useCredit=0").json[
            "data"
        ]
        clock.advance(PACK_SECONDS + 0.1)
        body = client.get(f"/algorithm/backtest/getExportZip?task={task}").body
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            assert archive.namelist() == [member]
            text = archive.read(member).decode("gb18030" if kind == "position" else "utf-8")
        if kind == "position":
            assert text.splitlines()[0].startswith("日期,品种,标的,多空,数量,收盘价/结算价")
            assert ",Cash," in text and "<span" not in text  # the daily cash rows, without their markup
        else:
            assert text.splitlines()[0].startswith("2024-01-02 ")  # log lines as the log endpoint shows them


def test_free_exports_per_day_then_code_30000_unless_use_credit(client, clock) -> None:
    run_id = _finished_run(client, clock)
    path = f"/algorithm/backtest/addExportZip?backtestId={run_id}&type=log"
    for _ in range(FREE_EXPORTS_PER_DAY):
        assert client.get(path + "&useCredit=0").json["code"] == "00000"
    refused = client.get(path + "&useCredit=0").json
    assert refused["code"] == 30000 and refused["status"] == "0" and refused["data"] == {"ruleKey": "export_log"}
    assert client.get(path + "&useCredit=1").json["code"] == "00000"
    clock.advance(86400)  # a new (Beijing) day: the entitlement is back
    client.login()  # (the session expired meanwhile)
    assert client.get(path + "&useCredit=0").json["code"] == "00000"


def test_unknown_task_and_foreign_backtest_are_refused(client, anon, clock) -> None:
    run_id = _finished_run(client, clock)
    assert client.get("/algorithm/backtest/getExportStatus?task=nope").json["code"] != "00000"
    assert client.get("/algorithm/backtest/getExportZip?task=nope").json["code"] != "00000"
    assert anon.get(f"/algorithm/backtest/addExportZip?backtestId={run_id}&type=log").json["code"] == "10001"


def test_an_export_button_id_is_taken_only_for_its_own_kind(client, clock) -> None:
    run_id = _finished_run(client, clock)
    ids = _export_ids(client, run_id)
    assert len(set(ids.values()) | {run_id}) == 4  # three button ids, each different from the run id
    wrong = client.get(f"/algorithm/backtest/addExportZip?backtestId={ids['position']}&type=transaction").json
    assert wrong["code"] != "00000"
