"""The sandbox: a local emulator of www.joinquant.com (protocol.md §7).

A stdlib WSGI application (``app.SandboxApp``) whose state lives in one SQLite
file.  It is served three ways: ``jqcli sandbox serve`` on loopback
(``server``), in-process through a transport without sockets (``embedded``),
and as the target when recording cassettes.  It writes the site's markup and
JSON from protocol.md and never imports the client's adapter.

Backtest metrics, curves and logs are plainly synthetic: deterministic
functions of the code, the dates and the capital.  Nothing simulates a market.

Modules: ``app`` (config, routing, sessions), ``views`` (the route table),
``auth_views``, ``strategy_views``, ``build``, ``backtest_views``,
``community_views``, ``clone_views`` (one per area of protocol.md §2),
``markup`` (the HTML), ``runs`` (task states and synthetic output), ``seed`` /
``seed_text`` (the seeded data), ``ids`` (rotating aliases), ``faults``
(``--faults SPEC``), ``db`` (SQLite), ``web`` (request/response helpers),
``server`` (threaded HTTP/1.1), ``embedded`` (in-process transport), ``admin``
(``/__sandbox__/`` controls).
"""
