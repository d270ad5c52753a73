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
    return str(page)


def main() -> int:
    MAN_PATH.parent.mkdir(parents=True, exist_ok=True)
    MAN_PATH.write_text(render_manpage(), encoding="utf-8")
    sys.stdout.write(f"wrote {MAN_PATH}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
