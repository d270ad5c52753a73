"""``StrategyGateway`` over the JoinQuant strategy pages (protocol.md §2.3–2.7)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urljoin, urlsplit

from jqcli.adapters.joinquant.editor import edit_referer, load_editor
from jqcli.adapters.joinquant.pages import StrategyListPage, encode_code, parse_strategy_list
from jqcli.adapters.joinquant.paging import follow_pages
from jqcli.adapters.joinquant.paths import EDIT_PATH, LIST_PATH
from jqcli.adapters.joinquant.session import JoinQuantSession, decode, excerpt
from jqcli.adapters.joinquant.wire import require_success
from jqcli.domain.errors import ApiError, JqcliError

if TYPE_CHECKING:  # the list's models: imported by the calls that build them (`strategy show` builds none)
    from jqcli.domain.strategy import SavedStrategy, Strategy
    from jqcli.domain.strategy_detail import StrategyDetail

NEW_PATH = "/algorithm/index/new"
SAVE_PATH = "/algorithm/index/save"
DEL_PATH = "/algorithm/index/del"
MAX_PAGES = 500
PAGE_WORKERS = 4  # list pages already known to exist are read this many at a time
MAX_FOLDERS = 500


class JoinQuantStrategyGateway:
    """Implements ``StrategyGateway``."""

    def __init__(self, session: JoinQuantSession, *, page_workers: int = PAGE_WORKERS) -> None:
        """``page_workers``: list pages read at a time (1 for strictly sequential requests, e.g. when recording)."""
        self.session = session
        self.page_workers = page_workers
        self._list_token = ""

    # -- reads ------------------------------------------------------------------------------------
    def list_strategies(self) -> List[Strategy]:
        """Root pages, then folders breadth-first (each with its pages)."""
        found: List[Strategy] = []
        queue: List[Tuple[Optional[str], Tuple[str, ...]]] = [(None, ())]
        seen: set = set()
        while queue and len(seen) <= MAX_FOLDERS:
            folder_id, trail = queue.pop(0)
            for page in self._folder_pages(folder_id):
                found.extend(page.strategies)
                for folder in page.folders:
                    key = (folder.id, trail + (folder.name,))
                    if folder.id not in seen and key[1] not in seen and len(key[1]) <= 16:
                        seen.update((folder.id, key[1]))
                        queue.append((folder.id, key[1]))
        return found

    def _folder_pages(self, folder_id: Optional[str]) -> List[StrategyListPage]:
        return list(
            follow_pages(
                lambda number: self._list_page(folder_id, number),
                lambda page: page.pages,
                lambda page: bool(page.strategies or page.folders),
                max_pages=MAX_PAGES,
                workers=self.page_workers,
            )
        )

    def _list_page(self, folder_id: Optional[str], page: int) -> StrategyListPage:
        params: Dict[str, object] = {}
        if folder_id:
            params["fId"] = folder_id
        if page > 1:
            params["page"] = page
        html = self.session.get_text(LIST_PATH, params or None)
        from jqcli.adapters.joinquant.html import extract_page_token

        self._list_token = extract_page_token(html) or self._list_token
        return parse_strategy_list(html, folder_id=folder_id)

    def get_strategy(self, strategy_id: str) -> StrategyDetail:
        page = load_editor(self.session, strategy_id)
        self._list_token = page.token or self._list_token  # the session's page token, for a following delete
        return page.detail

    # -- writes (one POST each, never retried) ---------------------------------------------------
    def create_strategy(self, name: str, code: str) -> SavedStrategy:
        query = [("restore", "0"), ("type", "empty")]
        response = self.session.post_form(NEW_PATH, query, query, referer=LIST_PATH, xhr=False)
        edit_id = _created_edit_id(response.status, response.header("Location"), decode(response))
        try:
            saved = self.save_strategy(edit_id, name=name, code=code)
        except JqcliError as exc:  # the strategy exists now, still with the site's default name and code
            exc.details.setdefault("created_id", edit_id)
            exc.details.setdefault("hint", f"策略已新建但未保存名称和源码;可用 jqcli strategy edit {edit_id} 补上")
            raise
        from jqcli.domain.strategy import SavedStrategy

        return SavedStrategy(id=edit_id, save_id=saved.save_id, name=name, response=saved.response)

    def save_strategy(
        self, strategy_id: str, *, name: Optional[str] = None, code: Optional[str] = None
    ) -> SavedStrategy:
        page = load_editor(self.session, strategy_id)
        final_name = page.detail.name if name is None else name
        final_code = page.detail.code if code is None else code
        overrides = [
            ("algorithm[algorithmId]", page.detail.save_id),
            ("algorithm[name]", final_name),
            ("algorithm[code]", encode_code(final_code)),
            ("encrType", "base64"),
            ("ajax", "1"),
        ]
        if page.token:
            overrides.append(("token", page.token))
        payload = self.session.post_json(SAVE_PATH, page.form_with(overrides), referer=edit_referer(strategy_id))
        data = require_success(payload, action="保存策略", details={"id": strategy_id})
        save_id = data.get("algorithmId") if isinstance(data, dict) else None
        from jqcli.domain.strategy import SavedStrategy

        return SavedStrategy(
            id=strategy_id, save_id=str(save_id or page.detail.save_id), name=final_name, response=payload
        )

    def delete_strategy(self, internal_id: str) -> Dict[str, object]:
        """Delete by operation id: a list row's ``_algorithmId`` or the editor form's ``algorithm[algorithmId]``."""
        form = [("algorithmId", internal_id), ("ajax", "1")]
        if self._list_token:
            form.append(("token", self._list_token))
        # /del answers 「不合法请求」 without the XHR header and the list page as Referer (protocol §2.7)
        payload = self.session.post_json(DEL_PATH, form, referer=LIST_PATH)
        require_success(payload, action="删除策略", details={"internal_id": internal_id, "response": payload})
        return payload


def _created_edit_id(status: int, location: str, body: str) -> str:
    """The new strategy's edit id: the 302's Location, or the XHR JSON's ``data.algorithmId``.

    Never guessed from the list: another strategy could be the newest one.
    """
    if location:
        query = parse_qs(urlsplit(urljoin("http://x/", location)).query)
        if urlsplit(location).path.endswith(EDIT_PATH) and query.get("algorithmId"):
            return query["algorithmId"][0]
    if body.strip().startswith("{"):
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        if isinstance(payload, dict):
            data = require_success(payload, action="新建策略")
            for key in ("algorithmId", "id"):
                if isinstance(data, dict) and data.get(key):
                    return str(data[key])
    raise ApiError(
        "新建策略后没有拿到新策略的 id(既没有跳转到编辑页,也没有 JSON id);为避免改动其他策略,已停止",
        details={"path": NEW_PATH, "status": status, "location": location, "body_excerpt": excerpt(body)},
        hint="到聚宽网页确认是否已新建了一个空策略",
    )
