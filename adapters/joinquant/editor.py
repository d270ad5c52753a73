"""The strategy editor page (protocol.md §2.4): opened by the strategy and the backtest gateways alike."""

from __future__ import annotations

from jqcli.adapters.joinquant.pages import EditorPage, parse_editor
from jqcli.adapters.joinquant.paths import EDIT_PATH, LIST_PATH
from jqcli.adapters.joinquant.session import JoinQuantSession
from jqcli.domain.errors import NotFound


def edit_referer(edit_id: str) -> str:
    return f"{EDIT_PATH}?algorithmId={edit_id}"


def load_editor(session: JoinQuantSession, edit_id: str) -> EditorPage:
    """The editor page of ``edit_id`` (any edit id ever issued opens it)."""
    try:
        html = session.get_text(EDIT_PATH, {"algorithmId": edit_id}, referer=LIST_PATH)
    except NotFound as exc:
        raise NotFound(f"策略 {edit_id} 不存在(或不属于当前账号)", details={**exc.details, "id": edit_id}) from None
    return parse_editor(html, edit_id=edit_id)
