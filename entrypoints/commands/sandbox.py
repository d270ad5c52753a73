"""``jqcli sandbox serve``: the local JoinQuant emulator on loopback (built by ``bootstrap.serve_sandbox``)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any, Callable, Dict

from jqcli.domain.errors import FileError, UsageError
from jqcli.entrypoints.argtypes import (
    non_negative_float,
    non_negative_int,
    port_number,
    positive_float,
    positive_int,
    seed,
)
from jqcli.entrypoints.parser import add_subcommands, complete_path

if TYPE_CHECKING:
    from typing import Protocol

    from jqcli.entrypoints.context import Context

    class Servable(Protocol):
        def serve_forever(self, poll_interval: float) -> None: ...

        def shutdown(self) -> None: ...

        def server_close(self) -> None: ...


SQLITE_MAGIC = b"SQLite format 3\x00"


def check_state_file(path: str) -> None:
    """The sandbox state is an SQLite file: refuse a folder, a device/FIFO or a file that is not SQLite."""
    import stat

    try:
        info = os.stat(path)
    except FileNotFoundError:
        folder = os.path.dirname(path) or "."
        if not os.path.isdir(folder):
            raise FileError(f"--state 所在目录不存在: {folder}", details={"path": path}) from None
        return
    except OSError as exc:
        raise FileError(f"无法读取 --state {path}: {exc.strerror or exc}", details={"path": path}) from None
    if stat.S_ISDIR(info.st_mode):
        raise FileError(f"--state 是目录: {path}", details={"path": path}, hint="给出一个文件路径,如 DIR/serve.sqlite3")
    if not stat.S_ISREG(info.st_mode):
        raise FileError(f"--state 不是普通文件: {path}", details={"path": path})
    if info.st_size == 0:
        return
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise FileError(f"无法读取 --state {path}: {exc.strerror or exc}", details={"path": path}) from None
    if head != SQLITE_MAGIC:
        raise FileError(
            f"--state {path} 不是沙盒的 SQLite 状态文件", details={"path": path}, hint="换一个新路径,或删除这个文件"
        )


def register(parser: argparse.ArgumentParser) -> None:
    sub = add_subcommands(parser, dest="command")
    serve = sub.add_parser(
        "serve",
        help="在本机启动模拟聚宽站点(多线程 HTTP/1.1)",
        description="启动本地模拟聚宽站点:真实的页面结构与 JSON 格式、轮换 id、置顶帖、会话过期、并发上限与积分。\n"
        "回测真正执行策略代码:每个回测在独立子进程中由沙盒引擎在确定的合成行情上运行(数据是合成的)。\n"
        "启动后打印地址与演示账号;--format json 时打印一行 JSON。Ctrl-C 或 SIGTERM 停止。\n\n"
        "故障注入 --faults SPEC,逗号分隔的 name=value:\n"
        "  latency=MS|MIN-MAX  status=P(500/502/503)  r429=P[:秒]  reset=P  truncate=P\n"
        "  expire=P  missing=P  busy=P  seed=N  path=前缀|前缀  writes=0\n"
        "例: status=0.1,reset=0.05,truncate=0.05,r429=0.05:2,expire=0.01,missing=0.02,latency=20",
    )
    serve.add_argument("--host", default="127.0.0.1", help="监听地址(默认 127.0.0.1)")
    serve.add_argument("--port", type=port_number, default=8000, help="端口(默认 8000;0 = 随机空闲端口)")
    state_help = "状态文件(默认 $XDG_DATA_HOME/jqcli/sandbox/serve.sqlite3)"
    complete_path(serve.add_argument("--state", metavar="PATH", help=state_help))
    serve.add_argument("--posts", type=non_negative_int, default=1000, help="首次生成的社区帖子数(默认 1000)")
    serve.add_argument("--seed", type=seed, default=0, help="数据与故障的随机种子(默认 0)")
    serve.add_argument("--latency-ms", type=non_negative_float, default=0.0, help="每个请求额外延迟的毫秒数")
    serve.add_argument("--faults", default="", metavar="SPEC", help="故障注入规格,见上")
    serve.add_argument("--no-rotate-ids", action="store_true", help="关闭 id 轮换(每个对象始终同一 id)")
    serve.add_argument("--page-size", type=positive_int, default=10, help="策略列表每页行数(默认 10)")
    serve.add_argument("--queue-seconds", type=non_negative_float, default=1.0, help="回测排队秒数(默认 1)")
    serve.add_argument("--run-seconds", type=non_negative_float, default=4.0, help="回测运行秒数(默认 4)")
    serve.add_argument(
        "--run-timeout", type=positive_float, default=120.0, help="每个回测引擎进程的墙钟时限秒数(默认 120)"
    )
    serve.add_argument(
        "--run-memory-mb", type=positive_int, default=2048, help="每个回测引擎进程的内存上限 MB(默认 2048)"
    )
    serve.add_argument("--session-ttl", type=non_negative_float, default=12 * 3600.0, help="会话有效秒数(0 = 永不过期)")
    serve.add_argument("--free-minutes", type=non_negative_int, default=60, help="每账号每天免费回测分钟数(默认 60)")
    serve.add_argument("--captcha-after", type=non_negative_int, default=5, help="登录失败几次后要求验证码(0=从不)")
    serve.add_argument("--force-public", action="store_true", help="允许监听非回环地址(会把演示站点暴露到网络)")
    serve.add_argument("--verbose", action="store_true", help="在 stderr 打印每个请求")
    serve.set_defaults(handler=serve_command)


def serve_command(ctx: Context) -> None:
    from jqcli.entrypoints import bootstrap

    args = ctx.args
    if not bootstrap.sandbox_is_loopback(args.host) and not args.force_public:
        raise UsageError(f"拒绝监听非回环地址 {args.host}:沙盒只应在本机使用", hint="确需对外时加 --force-public")
    try:
        bootstrap.check_sandbox_faults(args.faults, seed=args.seed)
    except ValueError as exc:
        raise UsageError(f"--faults 格式不对: {exc}") from None
    state = bootstrap.default_sandbox_state(ctx.environ)
    if args.state:
        state = os.path.abspath(os.path.join(ctx.cwd, os.path.expanduser(args.state)))
        check_state_file(state)
    try:
        site = bootstrap.serve_sandbox(
            state,
            args.host,
            args.port,
            seed=args.seed,
            rotate_ids=not args.no_rotate_ids,
            posts=args.posts,
            page_size=args.page_size,
            queue_seconds=args.queue_seconds,
            run_seconds=args.run_seconds,
            session_ttl=args.session_ttl or None,
            captcha_after=args.captcha_after,
            free_minutes=args.free_minutes,
            faults=args.faults,
            latency_ms=args.latency_ms,
            run_timeout=args.run_timeout,
            run_memory_mb=args.run_memory_mb,
            verbose=args.verbose,
        )
    except bootstrap.CannotListen as exc:
        raise UsageError(f"无法监听 {args.host}:{args.port}: {exc.error}") from None
    info = {
        "url": site.url,
        "host": args.host,
        "port": site.port,
        "state": state,
        "pid": os.getpid(),
        "demo": {"username": site.demo_username, "password": site.demo_password},
        "rotate_ids": site.rotate_ids,
        "faults": args.faults,
    }
    # A real site answers concurrent requests in parallel; here they share one GIL.  A short
    # switch interval keeps a request whose latency sleep is over from queueing up to 5 ms
    # behind another thread's CPU work (tests/bench/archive_throughput.py measures this).
    sys.setswitchinterval(0.0005)
    try:
        _run_until_stopped(site, lambda: _announce(ctx, info))
    finally:
        site.close()  # also kills and reaps every backtest process this server started
    return None


def _announce(ctx: Context, info: Dict[str, Any]) -> None:
    out = ctx.stdio.stdout
    if ctx.format == "json":
        ctx.emit_ndjson(info)
        return
    demo = info["demo"]
    out.write(
        f"沙盒已启动: {info['url']}\n演示账号: {demo['username']}  密码: {demo['password']}\n"
        f"状态文件: {info['state']}\n用法: jqcli --api-base {info['url']} auth login --username {demo['username']}\n"
        "按 Ctrl-C 停止。\n"
    )
    out.flush()


def _run_until_stopped(site: Servable, announce: Callable[[], None]) -> None:
    """Serve on a worker thread; the main thread waits for Ctrl-C or SIGTERM, then shuts down cleanly.

    ``announce`` runs once the stop handlers are in place: whoever reads the address may stop the
    server at once, and a SIGTERM right after the announcement is still a clean stop (exit 0).
    """
    stop = threading.Event()
    worker = threading.Thread(target=site.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    previous: Dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        # SIGINT too: a server started in the background of a script inherits an ignored SIGINT.
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, lambda *_: stop.set())
    worker.start()
    try:
        announce()
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        site.shutdown()
        site.server_close()
        worker.join(timeout=5)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
