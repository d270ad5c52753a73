"""Reading strategy code from ``--file``/``--code-stdin`` and writing ``--output``, byte for byte.

Code is read as bytes and decoded as UTF-8 (no newline translation, so tabs,
``\\r\\n`` and trailing newlines survive); output files are written atomically
and only after the site answered, so a failed command never leaves an empty file.
"""

from __future__ import annotations

import contextlib
import os
from typing import Optional

from jqcli.adapters.filesystem import read_regular_file, refuse_non_regular
from jqcli.domain.errors import FileError, UsageError

CODE_FILE_LIMIT = 16 * 1024 * 1024  # a strategy is a few KiB; the editor page would not take more anyway


def add_code_options(parser, *, what: str = "源码") -> None:  # type: ignore[no-untyped-def]
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--file", metavar="PATH", help=f"从 UTF-8 文件读取{what}")
    group.add_argument("--code-stdin", action="store_true", help=f"从 stdin 读取{what}(UTF-8)")


def read_code(ctx) -> Optional[str]:  # type: ignore[no-untyped-def]
    """The code given by ``--file`` or ``--code-stdin``; ``None`` when neither was given."""
    args = ctx.args
    if getattr(args, "file", None):
        path = os.path.join(ctx.cwd, os.path.expanduser(args.file))
        raw = read_regular_file(path, what="源码文件", limit=CODE_FILE_LIMIT)  # no device, FIFO or folder
        if raw is None:
            raise FileError(f"无法读取源码文件 {args.file}: 文件不存在", details={"path": path})
        return _decode(raw, args.file)
    if getattr(args, "code_stdin", False):
        stream = ctx.stdio.stdin
        buffer = getattr(stream, "buffer", None)
        raw = buffer.read() if buffer is not None else stream.read()
        text = _decode(raw, "stdin") if isinstance(raw, bytes) else raw
        if not text.strip():
            raise UsageError("--code-stdin 没有读到源码")
        return text
    return None


def _decode(raw: bytes, origin: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"{origin} 不是 UTF-8 编码: {exc.reason}(第 {exc.start} 字节)"
        raise FileError(message, details={"path": origin}) from None


def check_output_target(ctx, path: str, *, force: bool) -> str:  # type: ignore[no-untyped-def]
    """The absolute output path; refuses an existing file without ``--force`` (before any request)."""
    full = os.path.join(ctx.cwd, os.path.expanduser(path))
    refuse_non_regular(full, what="输出文件")  # never replace /dev/null or a FIFO with a regular file
    if os.path.isdir(full):
        raise FileError(f"输出路径是目录: {path}", details={"path": full})
    if os.path.exists(full) and not force:
        raise FileError(f"输出文件已存在: {path}", details={"path": full}, hint="加 --force 覆盖")
    if not os.path.isdir(os.path.dirname(full) or "."):
        raise FileError(f"输出目录不存在: {os.path.dirname(path)}", details={"path": full})
    return full


def write_output(full: str, text: str) -> int:
    """Write ``text`` as UTF-8 atomically (temp file + fsync + rename); returns the byte count."""
    data = text.encode("utf-8")
    tmp = f"{full}.jqcli-{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        refuse_non_regular(full, what="输出文件")
        os.replace(tmp, full)
    except (OSError, FileError) as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, FileError):
            raise
        raise FileError(f"无法写入 {full}: {exc.strerror or exc}", details={"path": full}) from None
    return len(data)
