"""The emulated www.joinquant.com: a stdlib WSGI site with its state in one SQLite file.

Read ``jqcli.adapters.sandbox`` (the package above) for the rules of change.
Modules, from the bottom up (each imports only those above it in this list):

- ``web`` (request/response, the site's envelopes, ``call_wsgi``), ``db`` (SQLite), ``ids`` (rotating
  aliases), ``markup`` (the HTML), ``faults`` (``--faults SPEC``), ``curves``, ``seed_text``;
- ``supervise`` (the per-run supervisor process), ``outputs`` (a run's events), ``runner`` (the processes);
- ``kernel``: ``SandboxConfig``, clocks, ``RequestStats``, ``SiteState``, ``Call``, ``Route``;
- ``runs`` (calendar, task states, the engine job), ``launch`` (starting a run), ``run_view`` (a run as
  the endpoints see it);
- the views, one module per area of protocol.md §2: ``auth_views``, ``strategy_views``, ``build``,
  ``backtest_views``, ``ledger_views``, ``export_views``, ``community_views``, ``clone_views``;
- ``views`` (the route table), ``seed`` (the seeded data), ``admin`` (``/__sandbox__/`` controls);
- ``app`` (``SandboxApp``: routing, sessions, faults), ``server`` (threaded HTTP/1.1 on loopback).

``engine/`` is the backtest engine: it runs an uploaded strategy on deterministic synthetic market
data in a child process (``python -m jqcli.adapters.sandbox.site.engine.child``), the only process
that imports numpy and pandas.
"""
