"""The sandbox's backtest engine: runs a strategy's code against a SYNTHETIC market.

JoinQuant has no local runner; this is one, for the emulated site.  It
executes the uploaded code with a subset of the JoinQuant API (``api``,
``data_api``, ``fundamentals``) over deterministic synthetic bars
(``universe``, ``market``, ``minute``): no real market data is used anywhere, and
the same job gives byte-identical outputs on every machine.  Orders follow the
A-share rules in ``broker``; metrics are computed in ``stats``.  ``runner`` runs
one job (compile, execute, write the outputs), ``simulation`` is the simulated
day, ``feed`` what the strategy may see at each moment (no look-ahead),
``events`` the output files, ``errors`` the tracebacks, ``child`` the process entry.

Nothing here imports jqcli outside ``jqcli.adapters.sandbox.site.engine``.  numpy
and pandas (the ``sandbox`` extra: ``pip install "jqcli[sandbox]"``) are imported
only inside the engine's own process, never by this package's ``__init__``.

The job (one JSON object on the child's stdin)::

    {"code": str, "start": "YYYY-MM-DD", "end": "YYYY-MM-DD", "capital": float,
     "frequency": "day"|"minute", "trade_days": ["YYYY-MM-DD", ...], "out_dir": str,
     "memory_mb": int (optional, default 2048), "cpu_seconds": int (optional)}

``trade_days`` is the site's calendar for the range; bars before it (for
lookbacks) use weekdays back to 2005-01-04.  Run it with
``[sys.executable, "-m", "jqcli.adapters.sandbox.site.engine.child"]`` (or in-process
with ``runner.run_job(job)``).  Outputs, in ``out_dir``:

``events.ndjson`` — append-only, one JSON object per line, flushed at least once a
simulated day.  A reader must ignore a last line that has no newline yet (a
child killed mid-write leaves one).  Events:

- ``{"e":"progress","day_index":k,"days":n,"date":"YYYY-MM-DD"}`` first thing each day;
- ``{"e":"log","time":"YYYY-MM-DD HH:MM:SS","level":"INFO"|"WARNING"|"ERROR"|"DEBUG","msg":str}``
  (log.*, print, order warnings, and the traceback of a failure as one ERROR event);
- ``{"e":"trade", <transactionInfo row>}`` per filled or refused order: strings
  ``date``, ``tradeDate``, ``time`` (HH:MM:SS), ``security``, ``stock`` ("名称(代码)"),
  ``transaction`` (买/卖), ``type`` (市价单/限价单), ``status`` (全部成交/废单),
  ``matchTime`` ("" when refused), ``transactionPersent`` ("100.00%"); numbers
  ``amount`` (filled shares, 0 when refused), ``price``, ``total``, ``gains`` (sells:
  (price − avg cost) × amount − fees), ``commission`` (commission + tax),
  ``orderAmount``, ``limitPrice`` (0 for market orders), ``trueOrderAmount``,
  ``trueAmount``, ``trueLimitPrice``, ``truePrice``;
- ``{"e":"day","date","time_ms","returns","benchmark","earn","lose","buy","sell","total_value","cash"}``
  at each close: ``returns``/``benchmark`` cumulative in PERCENT, ``time_ms`` the
  day's 00:00 Beijing time in ms, ``earn``/``lose`` the day's profit (≥ 0) / loss
  (≤ 0) in yuan, ``buy``/``sell`` the day's filled order counts (both ≥ 0);
- ``{"e":"record","date","time_ms","values":{name: float}}`` the day's ``record()`` values;
- ``{"e":"positions","date","rows":[...]}`` at each close: positionInfo rows
  (``date``, ``security``, ``stock``, ``side`` 多, ``amount``, ``closeableAmount``,
  ``todayAmount``, ``price`` (close), ``value``, ``gain``, ``avgCost``, ``holdCost``,
  ``margin``, ``dailyGains``, ``gainPercent``, ``positionPersent``, ``totalValue``)
  then the cash row (``stock`` ``<span class="label label-cash">Cash</span>``, empty
  strings for the numbers, ``value`` the cash, ``totalValue`` 0).

``result.json`` — written atomically (temp file + rename) at the end::

    {"status": "done"|"failed", "stats": {§2.12 keys}, "risk": {§3.1 risk windows},
     "error": null | {"traceback": str, "exception": str, "phase": "compile"|"runtime",
                      "time": "YYYY-MM-DD HH:MM:SS"},
     "days_done": k}

Everything in it and in the events is deterministic except ``stats``'
``report_done_seconds`` and ``report_done_cpu_seconds`` (the run's real wall and
CPU time).  A child killed by a signal leaves no ``result.json``.
"""
