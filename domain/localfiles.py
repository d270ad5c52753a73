"""Strategies as local files, with a guard against overwriting what the web IDE changed (protocol.md §9.5).

``strategy pull`` writes each strategy as ``<name>.py`` plus one manifest per folder that remembers, per
file, the strategy's ids and the hash of the code as pulled.  ``strategy push`` saves a file only while the
site's code still has that hash; the web editor autosaves, so timestamps say nothing and only code hashes
are compared.  A read→save race window remains (the site has no version or lock token).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from typing import Dict, Iterable, Mapping, Optional, Tuple

import attrs

from jqcli.domain.errors import UsageError
from jqcli.domain.ledger import code_hash

MANIFEST_NAME = ".jqcli-manifest.json"
MANIFEST_VERSION = 1
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
)
MAX_STEM = 120
# file systems cap a name at 255 bytes (UTF-8 on Linux; a CJK character is 3): the stem leaves room for
# the collision suffix ".<32 id chars>" and ".py"
MAX_STEM_BYTES = 255 - 33 - 3


@attrs.frozen
class Tracked:
    """One pulled file: which strategy it is and the code hash it was pulled (or last pushed) at."""

    file: str
    strategy_id: str
    name: str
    code_hash: str
    save_id: str = ""
    pulled_at: str = ""


def file_stem(name: str) -> str:
    """A file name for a strategy name that is safe on every platform (Chinese kept, separators replaced)."""
    text = unicodedata.normalize("NFC", name).strip()
    text = _UNSAFE.sub("_", text).strip(" .")
    if not text or text.lower() in _RESERVED or set(text) <= {"_"}:
        text = f"strategy_{text}" if text else "strategy"
    text = text[:MAX_STEM]
    while len(text.encode("utf-8")) > MAX_STEM_BYTES:
        text = text[:-1]
    return text


def assign_files(names: Iterable[Tuple[str, str]]) -> Dict[str, str]:
    """``{strategy id: file name}`` for ``(id, name)`` pairs: names that collide get the id as a suffix."""
    pairs = list(names)
    stems: Dict[str, int] = {}
    for _, name in pairs:
        key = file_stem(name).lower()
        stems[key] = stems.get(key, 0) + 1
    files = {}
    for strategy_id, name in pairs:
        stem = file_stem(name)
        if stems[stem.lower()] > 1:
            stem = f"{stem}.{_UNSAFE.sub('_', strategy_id)[:32]}"
        files[strategy_id] = stem + ".py"
    return files


@attrs.frozen
class PushDecision:
    """What ``strategy push`` should do with one file."""

    action: str  # "save", "unchanged" (site already has this code), "conflict" (the site changed since pull)
    local_hash: str
    site_hash: str
    base_hash: str


def decide_push(tracked: Tracked, local_code: str, site_code: str, *, force: bool = False) -> PushDecision:
    """Save only when the site's code is still what was pulled (or ``force``); nothing when it is already equal."""
    if not local_code.strip():
        raise UsageError(
            f"{tracked.file} 是空文件,拒绝用空代码覆盖策略「{tracked.name}」", details={"file": tracked.file}
        )
    local, site = code_hash(local_code), code_hash(site_code)
    if local == site:
        return PushDecision("unchanged", local, site, tracked.code_hash)
    if site == tracked.code_hash or force:
        return PushDecision("save", local, site, tracked.code_hash)
    return PushDecision("conflict", local, site, tracked.code_hash)


def manifest_entries(data: object) -> Dict[str, Tracked]:
    """The manifest's files, read leniently: a damaged entry is left out, never guessed."""
    files = data.get("files") if isinstance(data, Mapping) else None
    found: Dict[str, Tracked] = {}
    if not isinstance(files, Mapping):
        return found
    for file, item in files.items():
        if not isinstance(item, Mapping) or not isinstance(file, str) or not is_plain_file_name(file):
            continue  # a hand-edited "../x" key must never become a path outside the folder
        strategy_id, digest = item.get("strategy_id"), item.get("code_hash")
        if not isinstance(strategy_id, str) or not isinstance(digest, str) or not strategy_id or len(digest) != 64:
            continue
        found[file] = Tracked(
            file=file,
            strategy_id=strategy_id,
            name=str(item.get("name") or ""),
            code_hash=digest,
            save_id=str(item.get("save_id") or ""),
            pulled_at=str(item.get("pulled_at") or ""),
        )
    return found


def manifest_data(entries: Mapping[str, Tracked]) -> Dict[str, object]:
    """The manifest as plain data, files sorted (a stable file for version control)."""
    return {
        "version": MANIFEST_VERSION,
        "files": {
            file: {
                "strategy_id": t.strategy_id,
                "name": t.name,
                "code_hash": t.code_hash,
                "save_id": t.save_id,
                "pulled_at": t.pulled_at,
            }  # fmt: skip
            for file, t in sorted(entries.items())
        },
    }


def tracked_by_id(entries: Mapping[str, Tracked], strategy_id: str) -> Optional[Tracked]:
    return next((t for t in entries.values() if t.strategy_id == strategy_id), None)


# -- states and diffs (strategy diff / push / pull) -----------------------------------------------

SAME, LOCAL_CHANGED, SITE_CHANGED, BOTH_CHANGED = "same", "local_changed", "site_changed", "both_changed"


def sync_state(base_hash: str, local_hash: str, site_hash: str) -> str:
    """Where a tracked file stands: ``same``, ``local_changed``, ``site_changed`` or ``both_changed``."""
    if local_hash == site_hash:
        return SAME
    if site_hash == base_hash:
        return LOCAL_CHANGED
    if local_hash == base_hash:
        return SITE_CHANGED
    return BOTH_CHANGED


def code_diff(site_code: str, local_code: str, *, site_label: str, local_label: str) -> str:
    """A unified diff from the site's code to the local file (what a push would change); "" when equal."""
    lines = difflib.unified_diff(
        site_code.splitlines(keepends=True),
        local_code.splitlines(keepends=True),
        fromfile=site_label,
        tofile=local_label,
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def is_plain_file_name(file: str) -> bool:
    """A plain file name in its folder: no separator, not ``.``/``..``, no NUL, not the manifest itself."""
    return bool(file) and file not in (".", "..", MANIFEST_NAME) and not any(c in file for c in "/\\\x00")


def check_file_name(file: str) -> str:
    """``file`` if it is a plain file name (see ``is_plain_file_name``), else a usage error."""
    if not is_plain_file_name(file):
        raise UsageError(f"不是同一目录下的普通文件名: {file!r}", details={"file": file})
    return file


@attrs.frozen
class PullPlan:
    """What ``strategy pull`` does with one target file."""

    action: str  # "created", "updated", "unchanged", or "refused" (a local file would be lost)
    reason: str = ""  # for "refused": "untracked" (a file jqcli did not write) or "local_changes"


def plan_pull(
    tracked: Optional[Tracked], local_code: Optional[str], site_code: str, *, force: bool = False
) -> PullPlan:
    """Never overwrite work: an untracked file, or a tracked one edited since its pull, needs ``force``."""
    if local_code is None:
        return PullPlan("created")
    if local_code == site_code:
        return PullPlan("unchanged")
    if force:
        return PullPlan("updated")
    if tracked is None:
        return PullPlan("refused", "untracked")
    if code_hash(local_code) != tracked.code_hash:
        return PullPlan("refused", "local_changes")
    return PullPlan("updated")
