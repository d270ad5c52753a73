"""What the archive use case takes and gives back: seed files, options, the run summary and report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable, Dict, Iterable, Optional, Tuple

import attrs

from jqcli.application.ports import StoreHealth


@attrs.frozen
class SeedFile:
    """An old JSONL to import once: ``identity`` changes when the file does."""

    path: str
    identity: str
    records: Callable[[], Iterable[Mapping[str, Any]]]


@attrs.frozen
class SyncOptions:
    """The archive command's knobs (see the spec's 常用参数)."""

    walk_list: bool = True
    page_size: int = 50
    until: Optional[str] = None
    max_pages: Optional[int] = None  # the spec's 最多抓到指定页: no page beyond this number is read
    page_budget: Optional[int] = None  # at most this many pages that bring posts not stored yet, per run
    page_sleep: float = 0.0
    list_type: int = 1
    detail_workers: int = 4
    stats_workers: int = 4
    skip_detail: bool = False
    skip_stats: bool = False
    max_detail: Optional[int] = None
    max_stats: Optional[int] = None
    retries: int = 2
    retry_sleep: float = 1.0
    seeds: Tuple[SeedFile, ...] = ()
    checkpoint_seconds: float = 1.0
    breaker_threshold: int = 5  # consecutive site-down failures that stop the run
    damaged_lines: int = 0  # unreadable lines the store found when it was opened (posts may be lost)
    force: bool = False  # delete the store and the state first, then start again
    resume: bool = True  # False: forget the saved list coverage (walk from page 1 again), keep everything else


@attrs.define
class SyncSummary:
    """What a run did (the command prints it as JSON)."""

    posts_added: int = 0
    posts_updated: int = 0
    seeded: int = 0
    details_filled: int = 0
    stats_filled: int = 0
    detail_failures: int = 0
    stats_failures: int = 0
    pages: int = 0
    requests: int = 0
    stopped_by: str = ""
    list_error: Optional[Dict[str, Any]] = None
    site_down: Optional[Dict[str, Any]] = None  # the circuit breaker stopped the run
    store_damage: Optional[Dict[str, Any]] = None  # the store lost posts; what this run does about it

    def as_dict(self) -> Dict[str, Any]:
        data = attrs.asdict(self)
        data["failures"] = self.detail_failures + self.stats_failures
        return data


@attrs.frozen
class SyncReport:
    """A whole run: what it did, the store it left, and whether the coverage reaches ``until``."""

    summary: SyncSummary
    store_posts: int
    pending_detail: int
    pending_stats: int
    complete: bool
    health: StoreHealth
    removed_temps: Tuple[str, ...] = ()  # the store's and the state file's stale temp files, removed
