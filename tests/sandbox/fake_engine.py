"""A stand-in engine child speaking the engine's job/event interface, for the process-management tests.

Run as ``python tests/sandbox/fake_engine.py`` with the job on stdin.  What it
does is chosen by a marker in the job's code: ``FAKE:sleep`` never ends,
``FAKE:crash`` exits 3 after two days without a result, ``FAKE:hog`` allocates
until the memory limit stops it; otherwise it reports every trade day (return
``0.1 %`` per day, one log line, a record, a trade and a positions snapshot)
and a done result.  The real engine's numbers are tested elsewhere; this one
lets the runner's timeouts, kills and crash handling be tested in a second.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime, timedelta, timezone

CN = timezone(timedelta(hours=8))


def main() -> int:
    job = json.loads(sys.stdin.read())
    out = job["out_dir"]
    code = job["code"]
    days = job["trade_days"]
    events = open(os.path.join(out, "events.ndjson"), "a", encoding="utf-8")  # noqa: SIM115

    def emit(event: dict) -> None:
        events.write(json.dumps(event, ensure_ascii=False) + "\n")

    for index, day in enumerate(days):
        if "FAKE:sleep" in code:
            while True:
                time.sleep(1)
        if "FAKE:crash" in code and index == 2:
            events.flush()
            os._exit(3)
        if "FAKE:hog" in code:
            hog = []
            while True:
                hog.append(bytearray(50 * 1024 * 1024))
        ms = int(datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=CN).timestamp() * 1000)
        emit({"e": "progress", "day_index": index, "days": len(days), "date": day})
        emit({"e": "log", "time": f"{day} 09:30:00", "level": "INFO", "msg": f"第 {index + 1} 天"})
        emit({"e": "record", "date": day, "time_ms": ms, "values": {"n": index}})
        emit(
            {"e": "trade", "date": day, "tradeDate": day, "time": "09:30:00", "security": "510300.XSHG",
             "stock": "沪深300ETF(510300.XSHG)", "transaction": "买", "amount": 100, "price": 3.5}
        )  # fmt: skip
        emit({"e": "positions", "date": day, "rows": [{"stock": '<span class="label label-cash">Cash</span>'}]})
        value = round(0.1 * (index + 1), 4)
        emit(
            {"e": "day", "date": day, "time_ms": ms, "returns": value, "benchmark": value / 2, "earn": 100.0,
             "lose": 0.0, "buy": 1, "sell": 0, "total_value": job["capital"], "cash": job["capital"]}
        )  # fmt: skip
        events.flush()
    result = {
        "status": "done",
        "stats": {"trading_days": len(days), "algorithm_return": 0.001 * len(days), "benchmark_return": 0.0,
                  "max_drawdown": 0.0, "sharpe": 1.0, "annual_algo_return": 0.1},
        "risk": {"alpha": []},
        "error": None,
        "days_done": len(days),
    }  # fmt: skip
    with open(os.path.join(out, "result.json.tmp"), "w", encoding="utf-8") as fh:
        json.dump(result, fh)
    os.replace(os.path.join(out, "result.json.tmp"), os.path.join(out, "result.json"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
