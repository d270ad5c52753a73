"""Ports of the local strategy files (``strategy pull/push/diff``, issue 13 item 7).

A folder holds ``.py`` files and one manifest (``domain.localfiles.MANIFEST_NAME``).  Folders are
absolute paths; files are plain names inside their folder (the adapter refuses anything else).
"""

from __future__ import annotations

from typing import ContextManager, Dict, Mapping, Optional, Protocol

from jqcli.domain.localfiles import Tracked


class StrategyFiles(Protocol):
    """Strategy code files and the manifest of a folder."""

    def manifest(self, folder: str) -> Dict[str, Tracked]:
        """The folder's tracked files (empty when there is no manifest; damaged entries left out)."""
        ...

    def save_manifest(self, folder: str, entries: Mapping[str, Tracked]) -> None:
        """Replace the folder's manifest atomically."""
        ...

    def read_code(self, folder: str, file: str) -> Optional[str]:
        """The UTF-8 text of ``folder/file`` byte for byte; ``None`` when it does not exist."""
        ...

    def write_code(self, folder: str, file: str, code: str) -> None:
        """Replace ``folder/file`` with ``code`` atomically (never a non-regular file)."""
        ...

    def locked(self, folder: str) -> ContextManager[None]:
        """Hold the folder's manifest lock (read-modify-write of the manifest by parallel commands)."""
        ...
