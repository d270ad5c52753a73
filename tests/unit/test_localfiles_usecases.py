"""strategy pull/push/diff and the backtest run --file hook, on fakes (issue 13 item 7)."""

from __future__ import annotations

import pytest

from jqcli.application.localfiles import DiffStrategy, PullStrategies, PushStrategies, TrackRunPush
from jqcli.domain.errors import ConfirmationRequired, FileError, NotFound, UsageError
from jqcli.domain.ledger import code_hash
from tests.support.fakes_localfiles import MemoryStrategyFiles
from tests.support.fakes_strategies import FakeClock, FakeStrategyGateway

DIR = "/work/d"


@pytest.fixture
def site() -> FakeStrategyGateway:
    return FakeStrategyGateway()


@pytest.fixture
def files() -> MemoryStrategyFiles:
    return MemoryStrategyFiles()


def pull(site, files, *targets, **kw):
    return PullStrategies(site, files, FakeClock()).execute(list(targets), DIR, **kw)


def push(site, files, *names, **kw):
    return PushStrategies(site, files, FakeClock()).execute([(DIR, n) for n in names], **kw)


def test_pull_writes_each_strategy_and_remembers_ids_and_the_code_hash(site, files) -> None:
    site.add("甲", "a = 1\n")
    sid = site.add("乙", "b = 2\r\n\tc\n")
    done = pull(site, files, "甲", sid)
    assert [(o.file, o.action) for o in done] == [("甲.py", "created"), ("乙.py", "created")]
    assert files.code[DIR] == {"甲.py": "a = 1\n", "乙.py": "b = 2\r\n\tc\n"}  # byte for byte
    entry = files.manifests[DIR]["乙.py"]
    assert entry.strategy_id == sid and entry.name == "乙" and entry.code_hash == code_hash("b = 2\r\n\tc\n")
    assert entry.save_id and entry.pulled_at == "1970-01-01T00:16:40Z"


def test_names_that_would_escape_the_folder_become_plain_file_names(site, files) -> None:
    for name in ("../x", "a/../../b", "..", ".jqcli-manifest.json", "c\\d"):
        site.add(name)
    done = pull(site, files, every=True)
    names = sorted(o.file for o in done)
    assert names == ["_x.py", "a_.._.._b.py", "c_d.py", "jqcli-manifest.json.py", "strategy.py"]
    assert all("/" not in n and "\\" not in n for n in files.code[DIR])


def test_pull_never_overwrites_an_untracked_file_or_unpushed_edits(site, files) -> None:
    site.add("甲", "a = 1\n")
    files.code[DIR] = {"甲.py": "mine\n"}
    with pytest.raises(FileError) as refused:
        pull(site, files, "甲")
    assert refused.value.details["reason"] == "untracked" and files.writes == []
    assert pull(site, files, "甲", force=True)[0].action == "updated"
    files.code[DIR]["甲.py"] = "edited locally\n"
    with pytest.raises(FileError) as again:
        pull(site, files, "甲")
    assert again.value.details["reason"] == "local_changes" and files.code[DIR]["甲.py"] == "edited locally\n"


def test_a_refused_pull_writes_none_of_the_files(site, files) -> None:
    site.add("甲", "a\n")
    site.add("乙", "b\n")
    files.code[DIR] = {"乙.py": "mine\n"}
    with pytest.raises(FileError):
        pull(site, files, "甲", "乙")
    assert files.code[DIR] == {"乙.py": "mine\n"} and DIR not in files.manifests


def test_a_re_pull_refreshes_an_unedited_file_with_the_sites_code(site, files) -> None:
    sid = site.add("甲", "a = 1\n")
    pull(site, files, "甲")
    site.save_strategy(sid, code="a = 2\n")
    assert pull(site, files, "甲")[0].action == "updated"
    assert files.code[DIR]["甲.py"] == "a = 2\n" and files.manifests[DIR]["甲.py"].code_hash == code_hash("a = 2\n")
    assert pull(site, files, "甲")[0].action == "unchanged"


def test_pull_needs_targets_or_all_but_not_both(site, files) -> None:
    site.add("甲")
    with pytest.raises(UsageError):
        pull(site, files)
    with pytest.raises(UsageError):
        pull(site, files, "甲", every=True)
    with pytest.raises(NotFound):
        pull(site, files, "没有这个")


def test_push_saves_while_the_site_still_has_the_pulled_code(site, files) -> None:
    sid = site.add("甲", "a = 1\n")
    pull(site, files, "甲")
    files.code[DIR]["甲.py"] = "a = 2\n"
    done = push(site, files, "甲.py")
    assert done[0].action == "saved" and site.records[sid]["code"] == "a = 2\n"
    assert files.manifests[DIR]["甲.py"].code_hash == code_hash("a = 2\n")
    saves = len(site.saves)
    assert push(site, files, "甲.py")[0].action == "unchanged" and len(site.saves) == saves  # nothing to send


def test_push_refuses_with_a_diff_when_the_web_changed_the_code_and_saves_nothing(site, files) -> None:
    a = site.add("甲", "a = 1\n")
    site.add("乙", "b = 1\n")
    pull(site, files, "甲", "乙")
    files.code[DIR]["甲.py"] = "a = 2\n"
    files.code[DIR]["乙.py"] = "b = 2\n"
    site.save_strategy(a, code="a = 1  # autosaved on the web\n")
    saves = len(site.saves)
    with pytest.raises(ConfirmationRequired) as refused:
        push(site, files, "甲.py", "乙.py")
    details = refused.value.details
    assert len(site.saves) == saves  # all or nothing: 乙 was clean but is not saved either
    assert [c["file"] for c in details["conflicts"]] == ["甲.py"] and details["conflicts"][0]["state"] == "both_changed"
    assert "-a = 1  # autosaved on the web\n+a = 2\n" in details["diff"] and "--force" in details["hint"]
    assert files.manifests[DIR]["甲.py"].code_hash == code_hash("a = 1\n")  # the manifest is untouched

    done = push(site, files, "甲.py", "乙.py", force=True)
    assert [o.action for o in done] == ["forced", "saved"] and site.records[a]["code"] == "a = 2\n"


def test_push_of_an_untracked_or_missing_file_is_refused_before_any_request(site, files) -> None:
    with pytest.raises(UsageError):
        push(site, files, "x.py")
    with pytest.raises(UsageError):
        push(site, files, "../x.py")
    site.add("甲")
    pull(site, files, "甲")
    del files.code[DIR]["甲.py"]
    with pytest.raises(FileError):
        push(site, files, "甲.py")


def test_diff_says_who_changed_what(site, files) -> None:
    sid = site.add("甲", "a = 1\n")
    pull(site, files, "甲")
    diff = DiffStrategy(site, files)
    assert diff.execute(DIR, "甲.py").state == "same" and diff.execute(DIR, "甲.py").diff == ""
    files.code[DIR]["甲.py"] = "a = 2"
    outcome = diff.execute(DIR, "甲.py")
    assert outcome.state == "local_changed"
    assert outcome.diff == "--- 站点/甲\n+++ 甲.py\n@@ -1 +1 @@\n-a = 1\n+a = 2\n\\ No newline at end of file\n"
    site.save_strategy(sid, code="a = 3\n")
    assert diff.execute(DIR, "甲.py").state == "both_changed"
    files.code[DIR]["甲.py"] = "a = 1\n"
    assert diff.execute(DIR, "甲.py").state == "site_changed"


def test_a_run_that_saved_a_tracked_file_moves_its_hash(site, files) -> None:
    sid = site.add("甲", "a = 1\n")
    pull(site, files, "甲")
    track = TrackRunPush(files, FakeClock())
    assert track.execute(DIR, "甲.py", "a = 9\n", pushed_id="other", pushed_name="别的策略") is None
    assert files.manifests[DIR]["甲.py"].code_hash == code_hash("a = 1\n")
    assert track.execute(DIR, "未跟踪.py", "x\n", pushed_id=sid, pushed_name="甲") is None
    entry = track.execute(DIR, "甲.py", "a = 9\n", pushed_id="new-id", pushed_name="甲", save_id="s9")
    assert entry is not None and entry.code_hash == code_hash("a = 9\n") and entry.save_id == "s9"
    site.save_strategy(sid, code="a = 9\n")  # what the run saved
    files.code[DIR]["甲.py"] = "a = 10\n"
    assert push(site, files, "甲.py")[0].action == "saved"  # not a conflict


def test_a_save_that_fails_midway_says_which_files_were_saved(site, files) -> None:
    from jqcli.domain.errors import NetworkError

    site.add("甲", "a\n")
    site.add("乙", "b\n")
    pull(site, files, "甲", "乙")
    files.code[DIR].update({"甲.py": "a2\n", "乙.py": "b2\n"})
    real_save = site.save_strategy
    calls = []

    def flaky(strategy_id, **kw):
        calls.append(strategy_id)
        if len(calls) == 2:
            raise NetworkError("连接中断")
        return real_save(strategy_id, **kw)

    site.save_strategy = flaky
    with pytest.raises(NetworkError) as failed:
        push(site, files, "甲.py", "乙.py")
    assert failed.value.details["saved"] == ["甲.py"] and failed.value.details["not_saved"] == ["乙.py"]
    assert len(calls) == 2  # never retried
    assert files.manifests[DIR]["甲.py"].code_hash == code_hash("a2\n")
    assert files.manifests[DIR]["乙.py"].code_hash == code_hash("b\n")


def test_files_written_before_a_failed_write_stay_tracked(site, files) -> None:
    site.add("甲", "a\n")
    site.add("乙", "b\n")
    real_write = files.write_code

    def full_disk(folder, file, code):
        if file == "乙.py":
            raise FileError("磁盘已满")
        real_write(folder, file, code)

    files.write_code = full_disk
    with pytest.raises(FileError):
        pull(site, files, "甲", "乙")
    assert list(files.manifests[DIR]) == ["甲.py"] and files.code[DIR] == {"甲.py": "a\n"}
