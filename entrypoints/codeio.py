"""Reading strategy code from ``--file``/``--code-stdin`` and writing ``--output``, byte for byte.

Code is read as bytes and decoded as UTF-8 (no newline translation, so tabs,
``\\r\\n`` and trailing newlines survive); output files are written atomically
and only after the site answered, so a failed command never leaves an empty file.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from typing import TYPE_CHECKING, Optional, Union

from jqcli.domain.errors import FileError, UsageError
from jqcli.entrypoints.bootstrap import read_local_file, refuse_special_file
from jqcli.entrypoints.parser import complete_path

if TYPE_CHECKING:
    from jqcli.entrypoints.context import Context

MAX_CODE_BYTES = 8 * 1024 * 1024  # far above any strategy; /dev/zero or a huge file is refused, not read


def add_code_options(parser: argparse.ArgumentParser, *, what: str = "源码") -> None:
    group = parser.add_mutually_exclusive_group()
    complete_path(group.add_argument("--file", metavar="PATH", help=f"从 UTF-8 文件读取{what}"))
    group.add_argument("--code-stdin", action="store_true", help=f"从 stdin 读取{what}(UTF-8)")


def read_code(ctx: Context) -> Optional[str]:
    """The code given by ``--file`` or ``--code-stdin``; ``None`` when neither was given."""
    args = ctx.args
    if getattr(args, "file", None) is not None and not args.file.strip():
        raise UsageError("--file 的路径不能为空", details={"argument": "--file"})
    if getattr(args, "file", None):
        path = os.path.join(ctx.cwd, os.path.expanduser(args.file))
        raw = read_local_file(path, what="源码文件", limit=MAX_CODE_BYTES)  # no device, FIFO or folder
        if raw is None:
            raise FileError(f"无法读取源码文件 {args.file}: 文件不存在", details={"path": path})
        return _require_code(_decode(raw, args.file), f"--file {args.file}")
    if getattr(args, "code_stdin", False):
        stream = ctx.stdio.stdin
        if stream is None:
            raise UsageError("--code-stdin 需要从 stdin 读取,但本进程没有 stdin")
        buffer = getattr(stream, "buffer", None)
        data: Union[bytes, str] = (
            buffer.read(MAX_CODE_BYTES + 1) if buffer is not None else stream.read(MAX_CODE_BYTES + 1)
        )
        if len(data) > MAX_CODE_BYTES:
            raise FileError(f"stdin 的源码超过 {MAX_CODE_BYTES // (1024 * 1024)} MiB,已拒绝", details={"path": "stdin"})
        text = _decode(data, "stdin") if isinstance(data, bytes) else data
        return _require_code(text, "--code-stdin")
    return None


def _require_code(text: str, origin: str) -> str:
    """Empty or whitespace-only code is refused from every source: saving it would wipe the strategy."""
    if not text.strip():
        raise UsageError(
            f"{origin} 没有读到源码(为空或只有空白)", hint="检查文件内容;不想改源码时不要传 --file/--code-stdin"
        )
    return text


def _decode(raw: bytes, origin: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"{origin} 不是 UTF-8 编码: {exc.reason}(第 {exc.start} 字节)"
        raise FileError(message, details={"path": origin}) from None


def check_output_target(ctx: Context, path: str, *, force: bool) -> str:
    """The absolute output path; refuses an existing file without ``--force`` (before any request)."""
    if not path.strip():
        raise UsageError("--output 的路径不能为空", details={"argument": "--output"})
    full = os.path.join(ctx.cwd, os.path.expanduser(path))
    refuse_special_file(full, what="输出文件")  # never replace /dev/null or a FIFO with a regular file
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
        refuse_special_file(full, what="输出文件")
        os.replace(tmp, full)
    except (OSError, FileError) as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, FileError):
            raise
        raise FileError(f"无法写入 {full}: {exc.strerror or exc}", details={"path": full}) from None
    return len(data)
