"""``--fields`` and ``JQCLI_FORMAT`` as the command line reads them, before any command runs.

Apart from ``fields`` (the selection rules), which only a command given ``--fields`` imports.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from jqcli.domain.errors import UsageError

FORMATS = ("table", "json")


def fields_argument(text: str) -> List[Tuple[str, ...]]:
    """The ``--fields`` argparse type: syntax checked before the command runs."""
    import argparse

    from jqcli.entrypoints.fields import parse_fields

    try:
        return parse_fields(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def env_format(environ: Dict[str, str]) -> Optional[str]:
    """``JQCLI_FORMAT`` (the default of ``--format``; only from the real environment): ``None`` when unset."""
    raw = environ.get("JQCLI_FORMAT", "")
    value = raw.strip().lower()
    if not value:
        return None
    if value not in FORMATS:
        raise UsageError(
            f"环境变量 JQCLI_FORMAT 的取值无效: {raw!r}(可选: {', '.join(FORMATS)})",
            details={"variable": "JQCLI_FORMAT", "value": raw, "choices": list(FORMATS)},
            hint="改为 json 或 table,或取消该变量",
        )
    return value


def format_given(argv: List[str]) -> bool:
    """``--format`` appears on the command line (before a ``--``)."""
    for token in argv:
        if token == "--":
            return False
        if token == "--format" or token.startswith("--format="):
            return True
    return False
