"""The cattrs converter for JoinQuant JSON, and the envelope rules (protocol.md §1.3).

The site sends numbers as strings or numbers depending on the endpoint
(``"status":"0"`` vs ``0``, ``totalCount:"100"``, ``isTop:"1"``), and ``""``
or ``null`` where a value is missing.  The hooks here accept all of them, so
adapters can ``structure`` raw payloads into attrs classes without
sprinkling ``int(...)`` everywhere.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Optional

from jqcli.adapters.joinquant.expiry import THROTTLE_HINT, THROTTLE_MESSAGE, is_throttled
from jqcli.domain.errors import ApiError

if TYPE_CHECKING:  # imported when first used: cattrs is not on the fast path
    import cattrs

BUSY_MARKER = "繁忙"  # 「系统繁忙，请稍后重试」: transient (protocol.md §1.3)
BUSY_HINT = "这是聚宽的临时状态,稍后再试"

_converter = None


def lenient_int(value: Any) -> int:
    """``"12"``, ``12``, ``12.0``, ``"1,234"`` → int; junk, ``""``, ``None`` and non-finite numbers → 0.

    Non-finite means ``inf``/``nan`` as numbers or as text (``"inf"``, ``"-Infinity"``, ``"nan"``,
    ``"1e400"``): no int has their value, so they read as junk.  Digit strings are read exactly
    (``"12345678901234567890"`` is that int, not the nearest float's).
    """
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else 0
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        if not text:
            return 0
        try:
            return int(text)
        except ValueError:
            number = _float_of(text)
        return int(number) if number is not None else 0
    return 0


def _float_of(text: str) -> Optional[float]:
    """A finite float from numeric text, else None (``"inf"``, ``"nan"``, ``"1e400"`` and junk)."""
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def lenient_float(value: Any) -> Optional[float]:
    """Finite numbers and numeric strings → float; ``""``, ``"--"``, junk and ``inf``/``nan`` (either way) → None."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:  # an int beyond the float range
            return None
        return number if math.isfinite(number) else None
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        return _float_of(text) if text else None
    return None


def lenient_bool(value: Any) -> bool:
    """``"1"``/``1``/``true`` → True; ``"0"``, ``""``, ``None``, junk → False."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return False


def lenient_str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


def converter() -> cattrs.Converter:
    """A shared cattrs converter with the lenient scalar hooks registered."""
    global _converter
    if _converter is None:
        import cattrs

        conv = cattrs.Converter(forbid_extra_keys=False)
        conv.register_structure_hook(int, lambda value, _: lenient_int(value))
        conv.register_structure_hook(float, lambda value, _: lenient_float(value) or 0.0)
        conv.register_structure_hook(Optional[float], lambda value, _: lenient_float(value))
        conv.register_structure_hook(bool, lambda value, _: lenient_bool(value))
        conv.register_structure_hook(str, lambda value, _: lenient_str(value))
        _converter = conv
    return _converter


def is_success(payload: Any) -> bool:
    """``code == "00000"`` and ``status`` in {"0", 0, ""} (or absent)."""
    if not isinstance(payload, dict):
        return False
    code = str(payload.get("code", "")).strip()
    status = str(payload.get("status", "0")).strip()
    return code in ("00000", "0") and status in ("0", "")


def require_success(payload: Any, *, action: str, details: Optional[dict] = None) -> Any:
    """The envelope's ``data`` on success; an ``ApiError`` carrying ``msg`` and ``code`` otherwise."""
    if is_success(payload):
        return payload.get("data")
    info = dict(details or {})
    if isinstance(payload, dict):
        info.update({"code": payload.get("code"), "status": payload.get("status"), "msg": payload.get("msg")})
        message = str(payload.get("msg") or "").strip() or f"code {payload.get('code')}"
    else:
        message = "响应不是 JSON 对象"
    if is_throttled(message):
        raise ApiError(
            f"{action}失败:{THROTTLE_MESSAGE}({message})", details={**info, "throttled": True}, hint=THROTTLE_HINT
        )
    if BUSY_MARKER in message:
        raise ApiError(f"{action}失败:聚宽系统繁忙({message})", details={**info, "busy": True}, hint=BUSY_HINT)
    raise ApiError(f"{action}失败:{message}", details=info)
