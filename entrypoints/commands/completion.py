"""``jqcli completion bash|zsh``: completion scripts generated from the parser itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jqcli.entrypoints.parser import add_subcommands

if TYPE_CHECKING:
    import argparse

    from jqcli.entrypoints.context import Context, Reply


def register(parser: argparse.ArgumentParser) -> None:
    sub = add_subcommands(parser, dest="command", title="shell")
    for shell in ("bash", "zsh"):
        shell_parser = sub.add_parser(
            shell,
            help=f"输出 {shell} 补全脚本",
            description=f'输出 {shell} 补全脚本,例如: eval "$(jqcli completion {shell})"',
        )
        shell_parser.set_defaults(handler=completion_command, shell=shell)


def completion_command(ctx: Context) -> Reply:
    import shtab

    from jqcli.entrypoints.parser import build_parser

    script = shtab.complete(build_parser(full=True), shell=ctx.args.shell)
    ctx.stdio.stdout.write(script if script.endswith("\n") else script + "\n")
    ctx.stdio.stdout.flush()
    return None
