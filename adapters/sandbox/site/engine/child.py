"""The engine's process: ``python -m jqcli.adapters.sandbox.site.engine.child`` with one JSON job on stdin.

It applies the job's limits to itself (``memory_mb`` → RLIMIT_AS, default
2048; ``cpu_seconds`` → RLIMIT_CPU, a backstop for the site's wall-clock
limit), then runs the job (``runner.run_job``), which writes ``events.ndjson``
and ``result.json`` into the job's ``out_dir``.  Exit status 0 whenever
``result.json`` was written (a failed strategy included), 2 for a bad job.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import Any, Dict

DEFAULT_MEMORY_MB = 2048


class CpuLimitExceeded(Exception):
    pass


def apply_limits(job: Dict[str, Any]) -> None:
    import resource

    memory_mb = int(job.get("memory_mb") or DEFAULT_MEMORY_MB)
    if memory_mb > 0:
        soft = memory_mb * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY and soft > hard:
            soft = hard
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    cpu = int(job.get("cpu_seconds") or 0)
    if cpu > 0:
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        soft = cpu if hard == resource.RLIM_INFINITY else min(cpu, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))

        def on_cpu(_signum: int, _frame: Any) -> None:
            raise CpuLimitExceeded(f"回测 CPU 时间超出限制（{cpu} 秒）")

        signal.signal(signal.SIGXCPU, on_cpu)


def main() -> int:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # no thread pools: less memory, same numbers
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")
    try:
        job = json.loads(sys.stdin.buffer.read().decode("utf-8"))
        if not isinstance(job, dict) or "out_dir" not in job:
            raise ValueError("the job must be a JSON object with out_dir")
    except ValueError as exc:
        sys.stderr.write(f"engine: bad job: {exc}\n")
        return 2
    apply_limits(job)
    from jqcli.adapters.sandbox.site.engine.runner import run_job

    run_job(job)
    return 0


if __name__ == "__main__":
    sys.exit(main())
