"""Store damage: a store that holds fewer posts than its state recorded lost some (pure rules).

The state records ``store_posts`` each time it is saved, always after the store
was fsynced, so a healthy store never holds fewer posts than that (records are
only ever added or merged; ``--force`` removes the state too).  Fewer posts, or
unreadable lines found when the store was opened, mean posts may be lost while
the coverage still claims them: the run forgets the coverage and the imported
seeds, so that it reads the list again from page 1 and imports the seeds again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Dict, Optional

ACTION_WALK = "已清除状态中的覆盖范围和种子导入记录:本次从第 1 页重新读取列表并重新导入种子,补回丢失的帖子"
ACTION_SEEDS = "已清除种子导入记录:本次重新导入种子;不在种子里的帖子需用翻列表的阶段(--phase list/sync)补回"


def store_damage(
    state: Mapping[str, Any], found: int, unreadable_lines: int, walks_list: bool
) -> Optional[Dict[str, Any]]:
    """What is wrong and what this run does about it, or None for a healthy store."""
    expected = state.get("store_posts")
    lost = isinstance(expected, int) and not isinstance(expected, bool) and found < expected
    if not lost and not unreadable_lines:
        return None
    damage: Dict[str, Any] = {"found_posts": found, "unreadable_lines": unreadable_lines}
    if lost:
        damage["expected_posts"] = expected
    damage["action"] = ACTION_WALK if walks_list else ACTION_SEEDS
    return damage
