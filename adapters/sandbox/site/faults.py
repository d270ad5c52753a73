"""Fault injection, reproducible with a seed: ``--faults SPEC``.

SPEC is a comma-separated list of ``name=value`` items::

    latency=MS | latency=MIN-MAX  extra delay per request, milliseconds (also --latency-ms)
    status=P        answer HTTP 500/502/503 (chosen evenly) with probability P
    r429=P[:S]      answer 429 with ``Retry-After: S`` (default 1 second)
    reset=P         close the connection without an answer
    truncate=P      send Content-Length of the full body, then half of it, then close
    expire=P        answer as if the session had expired (302 to login for pages, 10001 JSON otherwise)
    missing=P       HTML pages come back 200 without their content (no table, form or tokenData)
    busy=P          HTTP 200 {"status":"2","code":"20000","msg":"系统繁忙，请稍后重试"}
    seed=N          the fault sequence's seed (default: the sandbox's --seed)
    path=P1|P2      only paths starting with one of these prefixes are touched
    writes=0        leave write endpoints alone (default 1: writes are touched too)

Example: ``status=0.1,reset=0.05,truncate=0.05,r429=0.05:2,expire=0.01,missing=0.02,latency=20``.

Request number n (counted from start-up) draws its fault from ``Random("<seed>:<n>")``,
so the same sequence of requests meets the same faults.  The probabilities
are exclusive (at most one fault per request) and must sum to at most 1.

Writes (login, new, save, del, build, backtest del, cancel, dealCreditsHander):
status, r429, expire and busy strike *before* the write (nothing changes);
reset and truncate strike *after* it (the change happened but the client
never sees the answer, as when a real connection dies); missing never applies.
"""

from __future__ import annotations

import random
import threading
from typing import Dict, Optional, Tuple

from jqcli.adapters.sandbox.site.web import (
    Request,
    Response,
    fail,
    html_response,
    login_required_json,
    login_required_page,
)

FAULT_HEADER = "X-Sandbox-Fault"  # tells the server bridge / in-process transport to reset or truncate
KINDS = ("status", "r429", "reset", "truncate", "expire", "missing", "busy")
EARLY = frozenset({"status", "r429", "expire", "busy"})
MISSING_PAGE = (
    '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>聚宽</title></head>'
    '<body><div class="loading">页面加载中…</div></body></html>\n'
)


class Fault:
    """The fault drawn for one request (``kind`` None = none)."""

    def __init__(self, kind: Optional[str] = None, latency: float = 0.0, rng: Optional[random.Random] = None) -> None:
        self.kind = kind
        self.latency = latency
        self.status = (500, 502, 503)[rng.randrange(3) if rng else 0] if kind == "status" else 0
        self.retry_after = 1

    def early_response(self, route_kind: str, req: Request) -> Optional[Response]:
        if self.kind == "status":
            return html_response(f"<html><body><h1>{self.status} 服务暂不可用</h1></body></html>", self.status)
        if self.kind == "r429":
            resp = html_response("<html><body><h1>429 Too Many Requests</h1></body></html>", 429)
            resp.headers.append(("Retry-After", str(self.retry_after)))
            return resp
        if self.kind == "expire":
            return login_required_page(req) if route_kind == "page" else login_required_json()
        if self.kind == "busy":
            return fail("系统繁忙，请稍后重试")
        return None

    def late_response(self, resp: Response) -> Response:
        if self.kind == "missing":
            if resp.status == 200 and "text/html" in dict(resp.headers).get("Content-Type", ""):
                return html_response(MISSING_PAGE)
            return resp
        if self.kind in ("reset", "truncate"):
            resp.headers.append((FAULT_HEADER, self.kind))
        return resp


NO_FAULT = Fault()


class FaultPlan:
    """Parsed SPEC plus the request counter."""

    def __init__(
        self,
        rates: Dict[str, float],
        *,
        seed: int = 0,
        latency: Tuple[float, float] = (0.0, 0.0),
        retry_after: int = 1,
        paths: Tuple[str, ...] = (),
        writes: bool = True,
    ) -> None:
        self.rates = rates
        self.seed = seed
        self.latency = latency
        self.retry_after = retry_after
        self.paths = paths
        self.writes = writes
        self._n = 0
        self._lock = threading.Lock()

    @classmethod
    def parse(cls, spec: str, *, seed: int = 0, latency_ms: float = 0.0) -> FaultPlan:
        """Parse SPEC; raises ValueError with a readable message on a bad item."""
        rates: Dict[str, float] = {}
        latency = (latency_ms / 1000.0, latency_ms / 1000.0)
        retry_after, writes = 1, True
        paths: Tuple[str, ...] = ()
        for item in filter(None, (part.strip() for part in (spec or "").split(","))):
            name, sep, value = item.partition("=")
            name, value = name.strip().lower(), value.strip()
            if not sep or not value:
                raise ValueError(f"故障项 {item!r} 应为 name=value")
            if name == "latency":
                low, _, high = value.partition("-")
                latency = (_number(low, item) / 1000.0, _number(high or low, item) / 1000.0)
            elif name == "seed":
                seed = int(_number(value, item))
            elif name == "path":
                paths = tuple(p for p in value.split("|") if p)
            elif name == "writes":
                writes = value not in ("0", "false", "no", "off")
            elif name in KINDS:
                rate, _, extra = value.partition(":")
                rates[name] = _probability(rate, item)
                if name == "r429" and extra:
                    retry_after = int(_number(extra, item))
            else:
                raise ValueError(f"未知的故障类型 {name!r}(可用: latency, {', '.join(KINDS)}, seed, path, writes)")
        if sum(rates.values()) > 1.0 + 1e-9:
            raise ValueError("各故障概率之和不能大于 1")
        return cls(rates, seed=seed, latency=latency, retry_after=retry_after, paths=paths, writes=writes)

    @property
    def active(self) -> bool:
        return bool(self.rates) or self.latency[1] > 0

    def draw(self, path: str, write: bool) -> Fault:
        if not self.active or (self.paths and not path.startswith(self.paths)):
            return NO_FAULT
        with self._lock:
            self._n += 1
            n = self._n
        rng = random.Random(f"{self.seed}:{n}")
        low, high = self.latency
        latency = low + (high - low) * rng.random() if high > 0 else 0.0
        kind = None
        if not write or self.writes:
            u, acc = rng.random(), 0.0
            for name in KINDS:
                acc += self.rates.get(name, 0.0)
                if u < acc:
                    kind = name
                    break
        if write and kind == "missing":
            kind = None
        fault = Fault(kind, latency, rng)
        fault.retry_after = self.retry_after
        return fault


def _number(text: str, item: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"故障项 {item!r} 的数值不对") from None
    if value < 0:
        raise ValueError(f"故障项 {item!r} 不能为负数")
    return value


def _probability(text: str, item: str) -> float:
    value = _number(text, item)
    if value > 1:
        raise ValueError(f"故障项 {item!r} 的概率应在 0 到 1 之间")
    return value
