"""``strategy pull/push/diff`` and the manifest update of ``backtest run --file`` (issue 13 item 7).

Every write to the site (a push) is one save per file, never retried, and only after every file of the
command passed the conflict guard: a refused push saves nothing.  The manifest is re-read and written
under the folder's lock, so parallel commands on one folder do not lose each other's entries.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

import attrs

from jqcli.application.ports_localfiles import StrategyFiles
from jqcli.domain.errors import ConfirmationRequired, FileError, JqcliError, UsageError
from jqcli.domain.ledger import code_hash
from jqcli.domain.localfiles import (
    MANIFEST_NAME,
    Tracked,
    assign_files,
    check_file_name,
    code_diff,
    decide_push,
    plan_pull,
    sync_state,
)
from jqcli.domain.strategy import StrategyDetail, looks_like_id, single_by_name

if TYPE_CHECKING:
    from jqcli.application.ports import Clock, StrategyGateway

Location = Tuple[str, str]  # (absolute folder, plain file name)


def _stamp(clock: Clock) -> str:
    return datetime.datetime.fromtimestamp(clock.now(), tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _site_label(tracked: Tracked) -> str:
    return f"站点/{tracked.name or tracked.strategy_id}"


@attrs.frozen
class FileOutcome:
    """One file of a pull or push: what was done and the manifest entry it left."""

    folder: str
    file: str
    action: str  # pull: created|updated|unchanged; push: saved|forced|unchanged
    tracked: Tracked


@attrs.frozen
class PullStrategies:
    """``strategy pull``: write strategies as files of one folder and track them in its manifest."""

    strategies: StrategyGateway
    files: StrategyFiles
    clock: Clock

    def execute(
        self, targets: Sequence[str], folder: str, *, every: bool = False, force: bool = False
    ) -> List[FileOutcome]:
        details = self._details(targets, every)
        names = assign_files((d.id, d.name) for d in details)
        with self.files.locked(folder):
            entries = self.files.manifest(folder)
            plans = []
            for detail in details:
                file = check_file_name(names[detail.id])
                local = self.files.read_code(folder, file)
                plan = plan_pull(entries.get(file), local, detail.code, force=force)
                if plan.action == "refused":
                    raise _refused_pull(folder, file, detail, plan.reason)
                plans.append((detail, file, plan.action))
            stamp, done = _stamp(self.clock), []
            try:
                for detail, file, action in plans:  # every check passed: now write
                    if action != "unchanged":
                        self.files.write_code(folder, file, detail.code)
                    entry = Tracked(file, detail.id, detail.name, code_hash(detail.code), detail.save_id, stamp)
                    entries[file] = entry
                    done.append(FileOutcome(folder, file, action, entry))
            finally:  # a write that failed midway: the files already written stay tracked
                self.files.save_manifest(folder, entries)
        return done

    def _details(self, targets: Sequence[str], every: bool) -> List[StrategyDetail]:
        wanted = [t.strip() for t in targets]
        if every == bool(wanted):
            raise UsageError("请给出要拉取的策略 id/名称,或用 --all 拉取全部策略(二者选一)")
        if any(not t for t in wanted):
            raise UsageError("策略 id 或名称不能为空")
        if every:
            ids = [row.id for row in self.strategies.list_strategies()]
        else:
            rows = self.strategies.list_strategies() if any(not looks_like_id(t) for t in wanted) else []
            ids = [t if looks_like_id(t) else single_by_name(rows, t, action="拉取").id for t in wanted]
        details = []
        for strategy_id in dict.fromkeys(ids):
            details.append(attrs.evolve(self.strategies.get_strategy(strategy_id), id=strategy_id))
        return details


def _refused_pull(folder: str, file: str, detail: StrategyDetail, reason: str) -> FileError:
    what = "不是 jqcli 拉取的文件" if reason == "untracked" else "有尚未推送的本地修改"
    return FileError(
        f"{file} 已存在且{what},拒绝覆盖(未写入任何文件)",
        details={"folder": folder, "file": file, "strategy_id": detail.id, "name": detail.name, "reason": reason},
        hint="先 jqcli strategy diff 查看差异、用 strategy push 推送,或加 --force 覆盖本地文件",
    )


def _tracked(files: StrategyFiles, folder: str, file: str) -> Tuple[Tracked, str]:
    """The manifest entry of ``folder/file`` and the file's code; usage/file errors when untracked/missing."""
    entry = files.manifest(folder).get(check_file_name(file))
    if entry is None:
        raise UsageError(
            f"{file} 没有被跟踪(所在目录的 {MANIFEST_NAME} 中没有它)",
            details={"folder": folder, "file": file},
            hint="先用 jqcli strategy pull <策略> --dir <目录> 拉取",
        )
    code = files.read_code(folder, file)
    if code is None:
        raise FileError(f"文件不存在: {file}", details={"folder": folder, "file": file})
    return entry, code


@attrs.frozen
class PushStrategies:
    """``strategy push``: save each file only while the site still has the code it was pulled at."""

    strategies: StrategyGateway
    files: StrategyFiles
    clock: Clock

    def execute(self, locations: Sequence[Location], *, force: bool = False) -> List[FileOutcome]:
        checked, conflicts = [], []
        for folder, file in dict.fromkeys(locations):
            tracked, local = _tracked(self.files, folder, file)
            site = self.strategies.get_strategy(tracked.strategy_id)
            decision = decide_push(tracked, local, site.code, force=force)
            conflict = code_hash(site.code) != tracked.code_hash and decision.action == "save"
            if decision.action == "conflict":
                conflicts.append((folder, tracked, local, site.code))
            checked.append((folder, tracked, local, decision.action, conflict))
        if conflicts:
            raise _conflict_error(conflicts)
        done: List[FileOutcome] = []
        stamp = _stamp(self.clock)
        for folder, tracked, local, action, forced in checked:
            save_id = tracked.save_id
            if action == "save":  # one save, never retried
                try:
                    save_id = self.strategies.save_strategy(tracked.strategy_id, code=local).save_id or save_id
                except JqcliError as exc:  # say which files did get saved before this one failed
                    exc.details.setdefault("file", tracked.file)
                    exc.details.setdefault("saved", [o.tracked.file for o in done if o.action != "unchanged"])
                    exc.details.setdefault("not_saved", [c[1].file for c in checked[len(done) :]])
                    raise
            entry = attrs.evolve(tracked, code_hash=code_hash(local), save_id=save_id, pulled_at=stamp)
            _update_entry(self.files, folder, entry)
            shown = "unchanged" if action == "unchanged" else ("forced" if forced else "saved")
            done.append(FileOutcome(folder, tracked.file, shown, entry))
        return done


def _update_entry(files: StrategyFiles, folder: str, entry: Tracked) -> None:
    with files.locked(folder):
        entries = files.manifest(folder)
        entries[entry.file] = entry
        files.save_manifest(folder, entries)


def _conflict_error(conflicts: List[Tuple[str, Tracked, str, str]]) -> ConfirmationRequired:
    rows, diffs = [], []
    for folder, tracked, local, site in conflicts:
        state = sync_state(tracked.code_hash, code_hash(local), code_hash(site))
        rows.append({"file": tracked.file, "folder": folder, "name": tracked.name, "strategy_id": tracked.strategy_id,
                     "state": state})  # fmt: skip
        diffs.append(code_diff(site, local, site_label=_site_label(tracked), local_label=tracked.file))
    files = "、".join(row["file"] for row in rows)
    return ConfirmationRequired(
        f"站点上的代码在拉取之后已被修改(网页编辑器会自动保存),拒绝推送 {files};没有保存任何文件",
        details={"conflicts": rows, "saved": [], "diff": "".join(diffs)},
        hint="details.diff 是站点代码到本地文件的差异;合并后重新 pull,或加 --force 用本地文件覆盖站点",
    )


@attrs.frozen
class DiffOutcome:
    folder: str
    tracked: Tracked
    state: str  # domain.localfiles.sync_state
    local_hash: str
    site_hash: str
    diff: str


@attrs.frozen
class DiffStrategy:
    """``strategy diff``: the site's current code against a tracked local file (reads only)."""

    strategies: StrategyGateway
    files: StrategyFiles

    def execute(self, folder: str, file: str) -> DiffOutcome:
        tracked, local = _tracked(self.files, folder, file)
        site = self.strategies.get_strategy(tracked.strategy_id).code
        local_hash, site_hash = code_hash(local), code_hash(site)
        diff = code_diff(site, local, site_label=_site_label(tracked), local_label=tracked.file)
        return DiffOutcome(folder, tracked, sync_state(tracked.code_hash, local_hash, site_hash), local_hash, site_hash,
                           diff)  # fmt: skip


@attrs.frozen
class TrackRunPush:
    """``backtest run --file``: when the file is tracked and the run saved it into its strategy, the site
    now has the file's code, so the manifest's hash moves to it (a later push is then not a conflict)."""

    files: StrategyFiles
    clock: Clock

    def execute(self, folder: str, file: str, code: str, *, pushed_id: str, pushed_name: str,
                save_id: str = "") -> Optional[Tracked]:  # fmt: skip
        with self.files.locked(folder):
            entries: Dict[str, Tracked] = self.files.manifest(folder)
            tracked = entries.get(file)
            if tracked is None or (pushed_id != tracked.strategy_id and pushed_name != tracked.name):
                return None
            entry = attrs.evolve(tracked, code_hash=code_hash(code), save_id=save_id or tracked.save_id,
                                 pulled_at=_stamp(self.clock))  # fmt: skip
            entries[file] = entry
            self.files.save_manifest(folder, entries)
            return entry
