#!/usr/bin/env python3
"""The spec's archive script, kept as a thin wrapper around ``jqcli community archive``.

    .venv/bin/python scripts/archive_community_posts.py --phase sync \\
        --store data/community_posts_archive.jsonl --state data/community_posts_archive.state.json

Every option of ``jqcli community archive`` is accepted; global options (``--env-file``,
``--api-base``, ``--cookie``, ``--format``, ``--quiet``, ``--debug``, ``--sandbox`` …) may be
given too, before or after the archive options.  The summary is printed as JSON.
"""

from __future__ import annotations

import sys

GLOBAL_FLAGS = {"--non-interactive", "--quiet", "-q", "--debug", "--sandbox", "--allow-custom-api-base"}
GLOBAL_VALUES = {"--config", "--env-file", "--api-base", "--token", "--cookie", "--format", "--timeout"}


def split_arguments(argv: list) -> tuple:
    """Global options go before the command; everything else belongs to ``community archive``."""
    globals_, archive = [], []
    index = 0
    while index < len(argv):
        token = argv[index]
        name = token.split("=", 1)[0]
        if name in GLOBAL_FLAGS:
            globals_.append(token)
        elif name in GLOBAL_VALUES:
            globals_.append(token)
            if "=" not in token and index + 1 < len(argv):
                index += 1
                globals_.append(argv[index])
        else:
            archive.append(token)
        index += 1
    if not any(t == "--format" or t.startswith("--format=") for t in globals_):
        globals_[:0] = ["--format", "json"]
    return globals_, archive


def main(argv: list = None) -> int:
    from jqcli.entrypoints.cli import main as jqcli_main

    globals_, archive = split_arguments(list(sys.argv[1:] if argv is None else argv))
    return jqcli_main([*globals_, "community", "archive", *archive])


if __name__ == "__main__":
    sys.exit(main())
