"""The sandbox: a model of www.joinquant.com, written from protocol.md (§7), that jqcli ships and runs locally.

It is not one of jqcli's adapters: it stands where the real site stands, on the
far side of the JoinQuant adapter.  Two parts:

- ``site/``: the emulated site, a stdlib WSGI application (``site.app.SandboxApp``)
  whose state lives in one SQLite file, with the backtest engine in
  ``site/engine/`` (it runs uploaded strategies in a child process).  ``site/``
  imports nothing of jqcli (an import-linter contract and
  tests/unit/test_sandbox_site_imports.py hold it to that).
- ``embedded.py``: ``InProcessTransport`` and ``EmbeddedSandbox``, the one bridge
  to jqcli's ``HttpTransport`` (``jqcli --sandbox``) and the only module here that
  imports jqcli's domain or application.

Rules for changing ``site/``:

- a change follows the real site: it cites the protocol.md section it implements
  and comes with a fact test in tests/sandbox; never because a client changed;
- never in the same change as the client parser (adapters/joinquant) of the same
  page: the site and the client are checked against each other, not written together;
- a change to what the site serves may require re-recording the cassettes
  (``JQCLI_RECORD=sandbox pytest tests/contract``, see tests/contract/conftest.py).

The site is served three ways: ``jqcli sandbox serve`` on loopback
(``site.server``), in-process through ``embedded`` (no sockets), and as the
target when recording cassettes.  Its module map is in ``site/__init__.py``.
"""
