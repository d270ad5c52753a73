"""The man page, generated from the parser with argparse-manpage (a dev tool).

The generated page is committed as package data (``entrypoints/data/jqcli.1``)
so that installs carry it without needing argparse-manpage; a test keeps it in
step with the parser.  Regenerate with ``python -m jqcli.entrypoints.manpage``.
"""

from __future__ import annotations

import sys
from pathlib import Path

MAN_PATH = Path(__file__).resolve().parent / "data" / "jqcli.1"
MAN_DATE = "2026-11-23"


def render_manpage(date: str = MAN_DATE) -> str:
    from argparse_manpage.manpage import Manpage

    from jqcli.entrypoints import __version__
    from jqcli.entrypoints.parser import build_parser

    page = Manpage(
        build_parser(full=True),
        _data={
            "project_name": "jqcli",
            "version": __version__,
            "manual_title": "jqcli 手册",
            "date": date,
            "description": "聚宽(JoinQuant)策略、回测与社区命令行工具",
        },
    )
    return str(page).rstrip("\n") + "\n" + _extra_sections()


def _roff(text: str) -> str:
    return text.replace("\\", "\\e").replace("-", "\\-")


def _extra_sections() -> str:
    """EXIT STATUS (from ``exit_codes``, so it cannot drift) and ENVIRONMENT."""
    from jqcli.entrypoints.exit_codes import EXIT_CODES, EXIT_RUN_FAILED

    lines = [".SH EXIT STATUS", '0 成功。失败从不以 0 退出;JSON 模式下错误以 {"error": {...}} 输出到 stderr。']
    rows = [(status, code, EXIT_MEANINGS[code]) for code, status in EXIT_CODES.items()]
    rows.append((EXIT_RUN_FAILED, "run_failed", RUN_FAILED_MEANING))  # an outcome, not an error (--exit-status)
    for status, code, meaning in sorted(rows):
        lines += [".TP", f"\\fB{status}\\fR", f"{_roff(code)}: {meaning}"]
    lines += [".SH ENVIRONMENT"]
    for name, meaning in ENVIRONMENT:
        lines += [".TP", f"\\fB{_roff(name)}\\fR", _roff(meaning)]
    return "\n".join(lines) + "\n"


EXIT_MEANINGS = {
    "not_authenticated": "未登录或认证过期",
    "not_found": "资源不存在",
    "usage_error": "参数错误(含未知命令、缺少命令或参数、参数类型错误)",
    "api_error": "API 请求失败",
    "network_error": "网络错误",
    "file_error": "文件读写失败",
    "confirmation_required": "需要确认但处于非交互模式(加 --yes)",
    "timeout": "等待超时(--wait-timeout)",
    "internal_error": "内部错误(jqcli 的缺陷;--debug 打印 traceback)",
    "interrupted": "被中断:Ctrl-C(SIGINT)、SIGTERM 或 SIGHUP;回测 id 与归档进度照常输出/保存",
}

RUN_FAILED_MEANING = "只在加了 --exit-status 时:回测以失败或取消结束(结果照常输出到 stdout)"

ENVIRONMENT = (
    ("JQCLI_TOKEN", "本次使用的 token(低于 --token,高于配置文件);也可写在 .env"),
    ("JQCLI_COOKIE", "本次使用的 cookie(低于 --cookie,高于配置文件);也可写在 .env"),
    ("JQCLI_USERNAME", "auth login 的账号;也可写在 .env"),
    ("JQCLI_PASSWORD", "auth login 的密码;也可写在 .env"),
    ("JQCLI_CONFIG", "配置文件路径(同 --config)"),
    (
        "JQCLI_API_BASE",
        "聚宽站点地址(同 --api-base,默认 https://www.joinquant.com);只认真实环境变量,不从 .env 读取",
    ),
    ("JQCLI_ALLOW_CUSTOM_API_BASE", "设为 1 时允许把凭据发往非聚宽、非本机的站点;只认真实环境变量,不从 .env 读取"),
    ("JQCLI_SANDBOX", "设为 1 时等同 --sandbox(进程内沙盒)"),
    ("JQCLI_PAGE_WORKERS", "strategy ls 与 backtest ls --all 同时读取的列表页数,1-8,默认 4"),
    ("COLUMNS", "表格输出的宽度(默认取终端宽度;输出不是终端时为 120)"),
    ("XDG_CONFIG_HOME, XDG_DATA_HOME", "配置文件与沙盒状态所在目录(Windows 为 %APPDATA%)"),
)


def main() -> int:
    MAN_PATH.parent.mkdir(parents=True, exist_ok=True)
    MAN_PATH.write_text(render_manpage(), encoding="utf-8")
    sys.stdout.write(f"wrote {MAN_PATH}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
