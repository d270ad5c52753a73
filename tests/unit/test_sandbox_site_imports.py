"""The emulated site stands alone: no import cycle, nothing of jqcli outside itself, one bridge.

grimp (import-linter's graph) reads the imports statically, ``TYPE_CHECKING`` blocks and
function-local imports included, so a cycle hidden behind a lazy import counts too.
"""

from __future__ import annotations

from typing import List, Tuple

import grimp

SITE = "jqcli.adapters.sandbox.site"
SANDBOX = "jqcli.adapters.sandbox"


def _graph() -> grimp.ImportGraph:
    return grimp.build_graph("jqcli.adapters", "jqcli.application", "jqcli.domain", "jqcli.entrypoints")


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_site_package_has_no_import_cycle() -> None:
    graph = _graph()
    modules = sorted(m for m in graph.modules if _inside(m, SITE))
    assert len(modules) > 30  # the views, the kernel, the engine… (a wrong root would find none)
    cycles: List[Tuple[str, str]] = [
        (module, imported)
        for module in modules
        for imported in sorted(graph.find_modules_directly_imported_by(module))
        if _inside(imported, SITE) and graph.chain_exists(importer=imported, imported=module)
    ]
    assert cycles == []


def test_the_site_imports_nothing_of_jqcli_outside_itself() -> None:
    graph = _graph()
    offenders = [
        (module, imported)
        for module in sorted(m for m in graph.modules if _inside(m, SITE))
        for imported in sorted(graph.find_modules_directly_imported_by(module))
        if _inside(imported, "jqcli") and not _inside(imported, SITE)
    ]
    assert offenders == []


def test_embedded_is_the_only_sandbox_module_that_reaches_into_jqcli() -> None:
    graph = _graph()
    reaching = sorted(
        module
        for module in graph.modules
        if _inside(module, SANDBOX)
        and any(
            _inside(imported, "jqcli") and not _inside(imported, SANDBOX)
            for imported in graph.find_modules_directly_imported_by(module)
        )
    )
    assert reaching == [f"{SANDBOX}.embedded"]
