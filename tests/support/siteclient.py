"""A raw keep-alive HTTP client for the sandbox with a cookie jar (tests and benchmarks).

Deliberately not jqcli's own transport: the sandbox is checked with plain
``http.client`` so that a client bug cannot hide a server bug.
"""

from __future__ import annotations

import http.client
import json
import re
from typing import Optional
from urllib.parse import urlencode

XHR = {"X-Requested-With": "XMLHttpRequest"}
DEMO = ("13800000000", "jqcli-demo")


class SiteClient:
    """One keep-alive connection to a sandbox server, keeping the cookies it sets."""

    def __init__(self, url: str, *, timeout: float = 10) -> None:
        host, port = url.split("//")[1].rstrip("/").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
        self.cookies: dict = {}
        self.last_headers: Optional[http.client.HTTPMessage] = None

    def request(self, method: str, path: str, form=None, headers: Optional[dict] = None) -> tuple:
        hdrs = dict(headers or {})
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = urlencode(form).encode() if form is not None else None
        if body is not None:
            hdrs["Content-Type"] = "application/x-www-form-urlencoded; charset=UTF-8"
        self.conn.request(method, path, body=body, headers=hdrs)
        resp = self.conn.getresponse()
        data = resp.read()
        self.last_headers = resp.headers
        for value in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return resp.status, data

    def json(self, method: str, path: str, form=None) -> dict:
        status, data = self.request(method, path, form, XHR)
        if status != 200:
            raise RuntimeError(f"{method} {path} answered {status}: {data[:200]!r}")
        return json.loads(data)

    def new_strategy(self) -> tuple:
        """``(edit id, save id)`` of a new strategy: ``/new`` answers 302 to its editor (protocol.md §2.5), whose
        form carries the save id that ``/save`` and ``/build`` take."""
        status, body = self.request("POST", "/algorithm/index/new", {}, XHR)
        if status == 200:  # the JSON shape of a fixture (and of sandboxes before the 302): data.algorithmId
            new_id = json.loads(body)["data"]["algorithmId"]
            return new_id, new_id
        location = self.last_headers.get("Location", "") if self.last_headers is not None else ""
        found = re.search(r"algorithmId=([0-9a-f]+)", location)
        if status != 302 or not found:
            raise RuntimeError(f"POST /algorithm/index/new answered {status} (Location {location!r})")
        _, page = self.request("GET", f"/algorithm/index/edit?algorithmId={found.group(1)}")
        save = re.search(r'name="algorithm\[algorithmId\]"[^>]*value="([0-9a-f]+)"', page.decode("utf-8"))
        if save is None:
            raise RuntimeError("the new strategy's editor page has no algorithm[algorithmId]")
        return found.group(1), save.group(1)

    def login(self, username: str = DEMO[0], password: str = DEMO[1]) -> None:
        """The site's own password login: login page (sets PHPSESSID) then ``doLogin``."""
        self.request("GET", "/user/login/index")
        answer = self.json("POST", "/user/login/doLogin",
                           {"CyLoginForm[username]": username, "CyLoginForm[pwd]": password})  # fmt: skip
        if answer.get("code") != "00000":
            raise RuntimeError(f"login failed: {answer}")
