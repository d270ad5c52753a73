"""Views of ``jqcli backtest`` for people: the ticking ``--wait`` line and the curve summary table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Tuple

if TYPE_CHECKING:
    from jqcli.application.ports import Clock
    from jqcli.entrypoints.render import Result


class WaitTicker:
    """The ``--wait`` progress line ticks every second on a TTY, not only at each (backed-off) poll.

    It stands in for the use case's clock: sleeps are cut into slices of at most one second, and
    after each slice the last progress line is shown again with the waited seconds brought up to date.
    """

    def __init__(self, show: Callable[[str], None], clock: Clock) -> None:
        self._show = show
        self._clock = clock
        self._text = ""
        self._since = 0.0

    def progress(self, text: str) -> None:
        self._text, self._since = text, self._clock.monotonic()
        self._show(text)

    def now(self) -> float:
        return float(self._clock.now())

    def monotonic(self) -> float:
        return float(self._clock.monotonic())

    def sleep(self, seconds: float) -> None:
        import re

        end = self._clock.monotonic() + seconds
        while True:
            left = end - self._clock.monotonic()
            if left <= 0:
                return
            self._clock.sleep(min(1.0, left))
            match = re.search(r"已等待 (\d+) 秒", self._text)
            if match:
                waited = int(match.group(1)) + self._clock.monotonic() - self._since
                self._show(f"{self._text[: match.start()]}已等待 {waited:.0f} 秒{self._text[match.end() :]}")


def curve_summary(data: Dict[str, Any]) -> Result:
    """``backtest result`` for people: one row per curve (points, first/last day, last value), not JSON blobs."""
    from jqcli.entrypoints.render import Result, Table

    rows = [
        {
            "series": name,
            "points": len(values),
            "first": _day(times[0]) if times else "",
            "last": _day(times[-1]) if times else "",
            "last_value": values[-1] if values else "",
            "min": min(numbers) if numbers else "",
            "max": max(numbers) if numbers else "",
        }
        for name, times, values in _curves(data.get("data"))
        for numbers in [[v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]]
    ]
    columns = [("series", "曲线"), ("points", "点数"), ("first", "起始"), ("last", "结束"), ("last_value", "最新值")]
    columns += [("min", "最小"), ("max", "最大")]
    head = f"回测 {data['id']}  状态 {data['status']}  页数 {data['pages']}  下一 offset {data['next_offset']}"
    footer = "收益曲线为百分比;完整数据用 --format json" + ("(已截断,见提示)" if data.get("truncated") else "")
    return Result(data, table=Table(columns, rows, footer=footer, preamble=head))


def _curves(node: object, path: str = "") -> Iterator[Tuple[str, List[Any], List[Any]]]:
    """Every ``{"time": [...], "value": [...]}`` in the reply, named by its path (``gains.earn``)."""
    if isinstance(node, dict):
        if isinstance(node.get("time"), list) and isinstance(node.get("value"), list):
            yield path or "value", node["time"], node["value"]
            return
        for key, value in node.items():
            if key == "state":
                continue
            child = key if not path or path == "result" else f"{path}.{key}"
            yield from _curves(value, child)


def _day(stamp: object) -> str:
    import datetime

    try:
        if not isinstance(stamp, (int, float, str)):
            raise TypeError(type(stamp).__name__)
        moment = datetime.datetime.fromtimestamp(float(stamp) / 1000, tz=datetime.timezone(datetime.timedelta(hours=8)))
    except (TypeError, ValueError, OverflowError, OSError):
        return str(stamp)
    return moment.strftime("%Y-%m-%d")
