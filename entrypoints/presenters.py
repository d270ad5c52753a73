"""The spec's JSON of ``strategy``, ``backtest`` and ``auth``: the use cases' values → output keys.

Use cases return values (``Strategy``, ``RunOutcome``, ``StatsOutcome`` …); only this module (with
``presenters_community`` and ``presenters_results``) knows the keys and their order in the output, which
the golden tests pin byte for byte.  Nothing here reads arguments or writes to a stream.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Sequence, Union

if TYPE_CHECKING:
    from jqcli.application.auth import AuthState
    from jqcli.application.backtests import BacktestView, LogsOutcome, ResultPages, StatsOutcome
    from jqcli.application.run_backtest import RunOutcome
    from jqcli.application.strategies import DeletedStrategy
    from jqcli.domain.backtest import BacktestRow
    from jqcli.domain.credentials import ConfigCleared
    from jqcli.domain.strategy import SavedStrategy, Strategy, StrategyDetail

Json = Dict[str, Any]


# -- strategies ----------------------------------------------------------------------------------


def strategy_item(s: Strategy) -> Json:
    item: Json = {
        "id": s.id,
        "internal_id": s.internal_id,
        "name": s.name,
        "type": s.type,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
    }
    if s.run_count is not None:
        item["run_count"] = s.run_count
    if s.backtest_count is not None:
        item["backtest_count"] = s.backtest_count
    if s.folder_id:
        item["folder_id"] = s.folder_id
    return item


def strategy_detail(detail: StrategyDetail, shown_id: str) -> Json:
    """``strategy show`` without the code (the handler adds ``output``/``bytes``/``code`` as asked)."""
    data: Json = {
        "id": shown_id,
        "save_id": detail.save_id,
        "backtest_id": detail.backtest_id,
        "name": detail.name,
        "type": detail.type,
    }
    if detail.id != shown_id:
        data["resolved_id"] = detail.id
    return data


def strategy_created(saved: SavedStrategy, strategy_type: str) -> Json:
    return {"id": saved.id, "save_id": saved.save_id, "name": saved.name, "type": strategy_type}


def strategy_edited(saved: SavedStrategy) -> Json:
    return {"id": saved.id, "save_id": saved.save_id, "name": saved.name, "ok": True}


def strategy_deleted(deleted: DeletedStrategy, shown_id: str) -> Json:
    return {
        "ok": True,
        "id": shown_id,
        "internal_id": deleted.internal_id,
        "name": deleted.name,
        "response": deleted.response,
    }


# -- backtests -----------------------------------------------------------------------------------


def run_output(outcome: RunOutcome) -> Json:
    """``backtest run``: the build's ids, and with ``--wait`` the final status, metrics and error log."""
    request = outcome.request
    data: Json = {
        "id": outcome.build.id,
        "list_id": outcome.build.list_id,
        "strategy_id": request.strategy_id,
        "mode": request.mode.name,
        "status": outcome.status,
        "start_date": request.start,
        "end_date": request.end,
        "response": outcome.build.response,
    }
    if outcome.pushed is not None:
        p = outcome.pushed
        data["pushed"] = {"action": p.action, "id": p.id, "save_id": p.save_id, "name": p.name}
    if outcome.waited:
        data.update(
            run_id=outcome.run_id,
            metrics=outcome.metrics,
            result_state=outcome.result_state,
            polls=outcome.polls,
            waited_seconds=outcome.elapsed,
        )
        if outcome.status != "done" or outcome.error_logs:
            data["error_logs"] = list(outcome.error_logs)
    if outcome.reused:
        data["reused"] = True
    if outcome.reconciled:
        data["reconciled"] = outcome.reconciled
    return data


def backtest_item(row: BacktestRow, strategy_id: str, mode: str) -> Json:
    return {
        "id": row.id,
        "list_id": row.list_id,
        "source_id": row.source_id,
        "strategy_id": strategy_id,
        "name": row.name,
        "status": row.status,
        "start_date": row.start_date,
        "end_date": row.end_date,
        "capital": row.capital,
        "frequency": row.frequency,
        "metrics": dict(row.metrics),
        "submitted_at": row.submitted_at,
        "numeric_id": row.numeric_id,
        "status_text": row.status_text,
        "status_code": row.status_code,
        "run_time": row.run_time,
        "mode": mode,
    }


def backtest_show(view: BacktestView, requested_id: str) -> Json:
    d = view.detail
    return {
        "id": requested_id,
        "list_id": d.run_id or requested_id,  # the detail page's #backtestId (protocol.md §6.3)
        "strategy_id": d.strategy_id,
        "status": view.status,
        "start_date": d.start_date,
        "end_date": d.end_date,
        "name": d.name,
        "capital": d.capital,
        "frequency": d.frequency,
        "run_id": d.run_id,
        "source_id": d.source_id,
        "code": view.code,
        "metrics": view.metrics,
    }


def backtest_stats(out: StatsOutcome) -> Json:
    return {
        "id": out.id,
        "resolved_id": out.resolved_id,
        "ready": out.ready,
        "metrics": out.metrics,
        "response": out.response,
    }


def _responses(responses: Sequence[Mapping[str, object]]) -> Union[Mapping[str, object], List[Mapping[str, object]]]:
    """One page: its envelope; several: the list of them (the spec's ``response``)."""
    return responses[0] if len(responses) == 1 else list(responses)


def backtest_result(out: ResultPages, *, read_all: bool) -> Json:
    from jqcli.domain.backtest import status_of

    return {
        "id": out.id,
        "resolved_id": out.resolved_id,
        "offset": out.offset,
        "user_record_offset": out.user_record_offset,
        "next_offset": out.next_offset,
        "next_user_record_offset": out.next_user_record_offset,
        "state": out.state,
        "status": status_of(code=out.state),
        "pages": len(out.responses),
        **({"truncated": out.truncated} if read_all else {}),
        "data": out.data,
        "response": _responses(out.responses),
    }


def backtest_logs(out: LogsOutcome, *, read_all: bool) -> Json:
    from jqcli.domain.backtest import status_of

    return {
        "id": out.id,
        "resolved_id": out.resolved_id,
        "kind": out.kind,
        "offset": out.offset,
        "next_offset": out.next_offset,
        "state": out.state,
        "status": status_of(code=out.state),
        "max": out.max,
        **({"truncated": out.truncated} if read_all and out.kind != "error" else {}),
        "logs": list(out.lines),
        "response": _responses(out.responses),
    }


def backtest_deleted(list_id: str, mode: str, response: Mapping[str, object]) -> Json:
    return {"ok": True, "id": list_id, "mode": mode, "response": response}


# -- auth ----------------------------------------------------------------------------------------


def auth_status(state: AuthState) -> Json:
    data: Json = {
        "authenticated": state.authenticated,
        "api_base": state.api_base,
        "credential_source": state.credential_source or None,
        "username": state.username or None,
        "credential_origin": state.credential_origin or None,
        "config_path": state.config_path,
    }
    if state.session is not None:
        data["verified"] = True
        data["session"] = {"user_name": state.session.user_name, "alias": state.session.alias}
    return data


def logged_in(username: str) -> Json:
    return {"ok": True, "username": username, "credential": "cookie"}


def credential_imported(kind: str) -> Json:
    return {"ok": True, "credential": kind}


def logged_out(outcome: ConfigCleared) -> Json:
    data: Json = {"ok": True}
    if outcome.reset:
        data["config_reset"] = True
        data["backup"] = outcome.backup
    return data
