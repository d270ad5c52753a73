"""An in-memory ``StrategyFiles`` (application/ports_localfiles.py) for the use-case tests."""

from __future__ import annotations

import contextlib
from typing import Dict, Iterator, List, Mapping, Optional

from jqcli.domain.localfiles import Tracked


class MemoryStrategyFiles:
    def __init__(self) -> None:
        self.code: Dict[str, Dict[str, str]] = {}  # folder -> file -> text
        self.manifests: Dict[str, Dict[str, Tracked]] = {}
        self.writes: List[tuple] = []
        self.held: List[str] = []

    def manifest(self, folder: str) -> Dict[str, Tracked]:
        return dict(self.manifests.get(folder, {}))

    def save_manifest(self, folder: str, entries: Mapping[str, Tracked]) -> None:
        assert folder in self.held, "the manifest is written only under the folder's lock"
        self.manifests[folder] = dict(entries)
        self.writes.append(("manifest", folder))

    def read_code(self, folder: str, file: str) -> Optional[str]:
        return self.code.get(folder, {}).get(file)

    def write_code(self, folder: str, file: str, code: str) -> None:
        self.code.setdefault(folder, {})[file] = code
        self.writes.append(("code", folder, file))

    @contextlib.contextmanager
    def locked(self, folder: str) -> Iterator[None]:
        assert folder not in self.held, "the lock is not re-entrant (flock on a second descriptor would block)"
        self.held.append(folder)
        try:
            yield
        finally:
            self.held.remove(folder)
