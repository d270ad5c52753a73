"""The sandbox over real HTTP and in-process: keep-alive, parallel clients, restarts, the serve command."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest

from jqcli.adapters.http import HttpRequest
from jqcli.adapters.sandbox.embedded import open_embedded
from jqcli.adapters.sandbox.site.app import DEMO_PASSWORD, DEMO_USERNAME, SandboxApp, SandboxConfig
from tests.sandbox.conftest import XHR, Client
from tests.support.sandbox_proc import jqcli_executable, start_sandbox_server
from tests.support.siteclient import SiteClient as HttpClient


def test_keep_alive_serves_many_requests_on_one_connection(serve) -> None:
    url, _ = serve()
    c = HttpClient(url)
    c.login()
    sock = c.conn.sock
    for _ in range(5):
        status, body = c.request("GET", "/algorithm/index/list")
        assert status == 200 and b'id="algo_table"' in body
    assert c.conn.sock is sock


def test_parallel_clients_read_consistently_and_builds_respect_the_cap(serve) -> None:
    url, _ = serve(queue_seconds=30, run_seconds=30)

    def reader(_: int) -> int:
        c = HttpClient(url)
        c.login()
        sizes = {len(c.request("GET", "/algorithm/index/list")[1].split(b'class="algorithm_list"')) for _ in range(4)}
        status, body = c.request("GET", "/community/post/listV2?limit=20")
        assert status == 200 and len(json.loads(body)["data"]["list"]) == 20
        return sizes.pop() if len(sizes) == 1 else -1

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(reader, range(8))) == {11}
    owner = HttpClient(url)
    owner.login()
    page = owner.request("GET", "/algorithm/index/list")[1].decode()
    edit_id = page.split("/algorithm/index/edit?algorithmId=")[1][:32]
    form = {"algorithm[algorithmId]": edit_id, "backtest[type]": "0", "backtest[startTime]": "2024-01-02 00:00:00",
            "backtest[endTime]": "2024-02-01 23:59:59", "backtest[baseCapital]": "100000"}  # fmt: skip
    barrier = threading.Barrier(6)

    def builder(_: int) -> str:
        c = HttpClient(url)
        c.cookies = dict(owner.cookies)
        barrier.wait()
        return json.loads(c.request("POST", "/algorithm/index/build", form, XHR)[1])["msg"]

    with ThreadPoolExecutor(6) as pool:
        messages = sorted(pool.map(builder, range(6)))
    assert messages == [""] * 2 + ["当前可并行回测数已达2个"] * 4


def test_state_survives_a_restart_with_old_ids_and_sessions(tmp_path, clock) -> None:
    path = str(tmp_path / "restart.sqlite3")
    first = SandboxApp(path, SandboxConfig(posts=50, seed=5), clock=clock)
    c = Client(first)
    c.login()
    location = c.post("/algorithm/index/new", {"code": "x = 1\n"}, headers=XHR).header("Location")
    created = location.split("algorithmId=")[1].split("&")[0]
    post = c.get("/community/post/listV2?limit=3").json["data"]["list"][0]
    first.close()
    second = SandboxApp(path, SandboxConfig(posts=999, seed=5), clock=clock)
    c.app = second
    assert c.editor_form(created)["algorithm[code]"] == "x = 1"
    assert c.get(f"/community/post/detailV2?postId={post['postId']}").json["data"]["uniqueKey"] == post["uniqueKey"]
    assert c.get("/community/post/listV2").json["data"]["totalCount"] == "50", "the first seeding is kept"
    second.close()


def test_two_apps_on_one_file_share_state_like_two_processes(tmp_path, clock) -> None:
    path = str(tmp_path / "shared.sqlite3")
    a, b = (SandboxApp(path, SandboxConfig(posts=30), clock=clock) for _ in range(2))
    ca = Client(a)
    ca.login()
    cb = Client(b)
    cb.cookies = dict(ca.cookies)

    def create(client: Client, n: int) -> None:
        for i in range(n):
            assert client.post("/algorithm/index/new", {"code": f"# {i}\n"}, headers=XHR).status == 302

    threads = [threading.Thread(target=create, args=(c, 10)) for c in (ca, cb)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ca.all_rows()) == len(cb.all_rows()) == 13 + 20  # 12 root strategies and a folder, plus the new ones
    a.close()
    b.close()


def test_embedded_sandbox_is_fast_logged_in_and_persistent(tmp_path) -> None:
    started = time.monotonic()
    box = open_embedded(str(tmp_path / "embedded"))
    assert time.monotonic() - started < 1.0
    assert (tmp_path / "embedded" / "sandbox.sqlite3").exists()
    cookie = box.demo_cookie()
    assert cookie.startswith("PHPSESSID=") and "; token=" in cookie and box.demo_cookie() == cookie
    listing = box.transport.send(
        HttpRequest("GET", box.api_base + "/algorithm/index/list", (("Cookie", cookie),)), timeout=5
    )
    assert listing.status == 200 and b"algorithm_list" in listing.body
    login = box.transport.send(
        HttpRequest(
            "POST",
            box.api_base + "/user/login/doLoginByText",
            (("Content-Type", "application/x-www-form-urlencoded"),),
            urlencode({"username": box.demo_username, "pwd": box.demo_password}).encode(),
        ),
        timeout=5,
    )
    assert [v.split("=")[0] for v in login.header_list("Set-Cookie")] == ["PHPSESSID", "token"]
    created = box.transport.send(
        HttpRequest("POST", box.api_base + "/algorithm/index/new", (("Cookie", cookie),), b""), timeout=5
    )
    assert (
        created.status == 302 and created.body == b"" and created.header("Location").startswith("/algorithm/index/edit")
    )
    box.close()
    again = open_embedded(str(tmp_path / "embedded"))
    assert again.demo_cookie() == cookie
    again.close()


def test_serve_command_prints_its_url_serves_and_stops_on_ctrl_c(tmp_path) -> None:
    server = start_sandbox_server(str(tmp_path / "serve.sqlite3"), "--posts", "50", "--seed", "4")
    try:
        assert server.username == DEMO_USERNAME and server.password == DEMO_PASSWORD
        assert server.info["port"] > 0 and server.url == f"http://127.0.0.1:{server.info['port']}"
        c = HttpClient(server.url)
        status, body = c.request("GET", "/user/index/isLogin")
        assert status == 200 and json.loads(body)["data"] == {"isLogin": 0}
    finally:
        server.stop()
    assert server.proc.returncode == 0


def test_serve_command_stops_cleanly_on_sigterm(tmp_path) -> None:
    server = start_sandbox_server(str(tmp_path / "term.sqlite3"), "--posts", "0", "--no-rotate-ids")
    assert server.info["rotate_ids"] is False
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=10) == 0


def test_serve_refuses_a_public_host_and_a_bad_fault_spec(tmp_path) -> None:
    for extra in (["--host", "0.0.0.0"], ["--faults", "explode=1"]):
        cmd = [jqcli_executable(), "--format", "json", "sandbox", "serve", "--port", "0", "--state",
               str(tmp_path / "x.sqlite3"), *extra]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 3 and json.loads(proc.stderr)["error"]["code"] == "usage_error"


def test_processes_starting_together_on_one_file_seed_it_once(tmp_path) -> None:
    import sys

    path = str(tmp_path / "together.sqlite3")
    script = (
        "import sys\nfrom jqcli.adapters.sandbox.site.app import SandboxApp, SandboxConfig\n"
        "app = SandboxApp(sys.argv[1], SandboxConfig(posts=300))\n"
        "print(app.db.scalar('SELECT COUNT(*) FROM posts'))\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    assert [out.strip() for out, _ in outputs] == ["300"] * 3


def _open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts /proc/<pid>/fd")
def test_serve_keeps_its_file_descriptors_bounded_over_many_short_connections(tmp_path) -> None:
    """Issue 10 item 25: one SQLite connection per client connection, never closed, exhausted the fds."""
    server = start_sandbox_server(str(tmp_path / "fds.sqlite3"), "--posts", "20")
    try:
        host, port = server.url.split("//")[1].split(":")

        def one_request() -> None:
            conn = http.client.HTTPConnection(host, int(port), timeout=10)
            conn.request("GET", "/community/post/listV2?limit=1", headers={"Connection": "close"})
            resp = conn.getresponse()
            assert resp.status == 200 and b'"list"' in resp.read()
            conn.close()

        for _ in range(50):
            one_request()
        baseline = _open_fds(server.proc.pid)
        for _ in range(3000):
            one_request()
        assert _open_fds(server.proc.pid) <= baseline + 16
    finally:
        server.stop()


def test_embedded_engine_limits_come_from_engine_json_and_bad_values_are_usage_errors(tmp_path) -> None:
    from jqcli.adapters.sandbox.embedded import engine_limits
    from jqcli.domain.errors import UsageError

    assert engine_limits(str(tmp_path)) == {}
    (tmp_path / "engine.json").write_text('{"run_timeout": 7, "run_memory_mb": 900}')
    box = open_embedded(str(tmp_path))
    assert box.app.config.run_timeout == 7.0 and box.app.config.run_memory_mb == 900
    assert box.app.config.detach_runs is True
    box.close()
    for bad in ('{"run_timeout": 0}', '{"run_timeout": "5"}', '{"timeout": 5}', "[1]", "{"):
        (tmp_path / "engine.json").write_text(bad)
        with pytest.raises(UsageError):
            engine_limits(str(tmp_path))
