"""Fixtures: a sandbox app on a manual clock, and clients that call it as a WSGI callable."""

from __future__ import annotations

import base64
import json
import sys
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Dict, List, Optional
from urllib.parse import urlencode

import pytest

from jqcli.adapters.sandbox.site.app import DEMO_PASSWORD, DEMO_USERNAME, ManualClock, SandboxApp, SandboxConfig
from jqcli.adapters.sandbox.site.web import CN, call_wsgi

# Monday 2026-11-23 10:00 Beijing time: the previous weekday is Friday 2026-11-20.
START = datetime(2026, 11, 23, 10, 0, 0, tzinfo=CN).timestamp()
BASE = "http://sandbox.test"
XHR = {"X-Requested-With": "XMLHttpRequest"}


class Resp:
    def __init__(self, status: int, headers: list, body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k.lower() == name.lower()), "")

    def header_list(self, name: str) -> List[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def json(self):
        return json.loads(self.body)

    @property
    def dom(self) -> Node:
        return parse_html(self.text)


class Client:
    """A browser-like client: keeps cookies from Set-Cookie, never follows redirects."""

    def __init__(self, app) -> None:
        self.app = app
        self.cookies: Dict[str, str] = {}

    def request(self, method: str, path: str, form: Optional[dict] = None, headers: Optional[dict] = None) -> Resp:
        hdrs = dict(headers or {})
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded; charset=UTF-8"
        status, out_headers, data = call_wsgi(self.app, method, BASE + path, list(hdrs.items()), body)
        for key, value in out_headers:
            if key.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return Resp(status, out_headers, data)

    def get(self, path: str, **kw) -> Resp:
        return self.request("GET", path, **kw)

    def post(self, path: str, form: Optional[dict] = None, **kw) -> Resp:
        return self.request("POST", path, form or {}, **kw)

    def login(self, username: str = DEMO_USERNAME, password: str = DEMO_PASSWORD) -> Resp:
        self.get("/user/login/index")
        resp = self.post("/user/login/doLoginByText", {"username": username, "pwd": password}, headers=XHR)
        assert resp.json["code"] == "00000", resp.text
        return resp

    # -- site helpers (written from protocol.md, as a client would) ------------------------------
    def strategy_rows(self, path: str = "/algorithm/index/list") -> List[Node]:
        return self.get(path).dom.find_all("tr", cls="algorithm_list")

    def all_rows(self, base: str = "/algorithm/index/list") -> List[Node]:
        """Every row of every page, following ``li.next`` until it is ``nodisplay``."""
        rows, page = [], 1
        while True:
            dom = self.get(f"{base}{'&' if '?' in base else '?'}page={page}").dom
            rows.extend(dom.find_all("tr", cls="algorithm_list"))
            if "nodisplay" in dom.find("ul", cls="pagination").find("li", cls="next").classes:
                return rows
            page += 1

    def edit_id(self, name: str) -> str:
        """The edit id of the root strategy called ``name`` (walks the pages like a client)."""
        page = 1
        while True:
            dom = self.get(f"/algorithm/index/list?page={page}").dom
            for row in dom.find_all("tr", cls="algorithm_list"):
                link = row.find("a", cls="file_name")
                if link.text == name and "edit" in link.attrs["href"]:
                    return link.attrs["href"].split("algorithmId=")[1].split("&")[0]
            if "nodisplay" in dom.find("li", cls="next").classes:
                raise AssertionError(f"no strategy {name!r}")
            page += 1

    def editor_form(self, edit_id: str) -> Dict[str, str]:
        dom = self.get(f"/algorithm/index/edit?algorithmId={edit_id}").dom
        form = {n.attrs["name"]: n.attrs.get("value", "") for n in dom.find_all("input") if "name" in n.attrs}
        form["algorithm[code]"] = dom.find("textarea", id="code").text
        return form

    def build(self, edit_id: str, *, btype: str = "0", start: str = "2024-01-02", end: str = "2024-03-29", **extra):
        form = self.editor_form(edit_id)
        form.update(
            {
                "algorithm[code]": base64.b64encode(form["algorithm[code]"].encode()).decode(),
                "encrType": "base64",
                "backtest[type]": btype,
                "backtest[startTime]": f"{start} 00:00:00",
                "backtest[endTime]": f"{end} 23:59:59",
                "backtest[baseCapital]": "1000000.0",
            }
        )
        form.update(extra)
        return self.post("/algorithm/index/build", form, headers=XHR)


VOID = {"input", "br", "img", "meta", "link"}


class Node:
    def __init__(self, tag: str, attrs: Dict[str, str], parent: Optional[Node]) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: List[Node] = []
        self.parts: List[str] = []

    @property
    def text(self) -> str:
        return "".join(self.parts).strip()

    @property
    def classes(self) -> List[str]:
        return self.attrs.get("class", "").split()

    def walk(self):
        for child in self.children:
            yield child
            yield from child.walk()

    def find_all(self, tag: Optional[str] = None, *, cls: Optional[str] = None, id: Optional[str] = None, **attrs):
        out = []
        for node in self.walk():
            if tag and node.tag != tag:
                continue
            if cls and cls not in node.classes:
                continue
            if id and node.attrs.get("id") != id:
                continue
            if any(node.attrs.get(k.lower()) != v for k, v in attrs.items()):
                continue
            out.append(node)
        return out

    def find(self, tag: Optional[str] = None, **kw) -> Node:
        found = self.find_all(tag, **kw)
        assert found, f"no <{tag} {kw}>"
        return found[0]

    def cells(self) -> List[Node]:
        return [c for c in self.children if c.tag == "td"]


class _TreeBuilder(HTMLParser):
    """Strict: only input/br/img/meta/link are void, and every end tag must close the open element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs}, self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_endtag(self, tag):
        assert self.cur.tag == tag, f"</{tag}> closes <{self.cur.tag}>"
        self.cur = self.cur.parent

    def handle_data(self, data):
        node = self.cur
        while node is not None:
            node.parts.append(data)
            node = node.parent


def parse_html(text: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    assert builder.cur is builder.root, "unclosed elements"
    return builder.root


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


# The site's behaviour (states, paging, markup) is tested against a scripted stand-in of the engine
# child (fast, and independent of the engine's numbers); tests that check the real engine's numbers
# pass ``engine_command=None``.
FAKE_ENGINE = (sys.executable, str(Path(__file__).with_name("fake_engine.py")))


def settle(app: SandboxApp, timeout: float = 120.0) -> None:
    """Wait until every engine process the app started has ended (the clock still decides the state)."""
    assert app.runner.wait_all(timeout), "engine runs did not end in time"


@pytest.fixture
def make_app(tmp_path, clock):
    apps = []

    def make(name: str = "state.sqlite3", **overrides) -> SandboxApp:
        config = SandboxConfig(**{"posts": 120, "seed": 3, "engine_command": FAKE_ENGINE, **overrides})
        app = SandboxApp(str(tmp_path / name), config, clock=clock)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.close()


@pytest.fixture
def app(make_app) -> SandboxApp:
    return make_app()


@pytest.fixture
def client(app) -> Client:
    c = Client(app)
    c.login()
    return c


@pytest.fixture
def anon(app) -> Client:
    return Client(app)


@pytest.fixture
def serve(make_app):
    """Serve a fresh app over real HTTP on 127.0.0.1 (port 0); yields ``start(**config) -> (url, app)``."""
    import threading

    from jqcli.adapters.sandbox.site.server import SandboxHTTPServer

    servers = []

    def start(name: str = "http.sqlite3", **overrides):
        app = make_app(name, **overrides)
        server = SandboxHTTPServer(("127.0.0.1", 0), app)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return server.url, app

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
