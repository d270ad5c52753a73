"""Cloning a strategy from a community post (pure rules; protocol.md §2.20–2.21).

``checkBacktestView`` tells what a clone would cost and hands out a one-time
``secret``/``random`` pair; ``dealCreditsHander`` spends the credits.  The
secret is carried only to the execute call: it is never printed, logged or
shown in a ``repr``.
"""

from __future__ import annotations

import re
from typing import Mapping, Optional

import attrs

RULE_KEY = "clone_algorithm"
CHECK_HINT = "传 --yes 才会执行克隆并可能扣除积分"
_ALGORITHM_ID = re.compile(r"[?&]algorithmId=([^&#]+)")


@attrs.frozen
class CloneCheck:
    """The answer of ``checkBacktestView`` (no credits spent)."""

    post_id: str
    backtest_id: str
    reply_id: str
    amount: int
    reduce: int
    usable: int
    reason: str
    is_view: bool
    url: str = ""
    redirect: str = ""
    secret: str = attrs.field(default="", repr=False)
    random: str = attrs.field(default="", repr=False)
    # Every field of the check's ``data``, resubmitted as-is to dealCreditsHander.
    echo: Mapping[str, str] = attrs.field(factory=dict, repr=False, eq=False)

    @property
    def can_clone(self) -> bool:
        """``reason=deny`` means not enough credits or not allowed."""
        return self.reason != "deny"

    @property
    def already_open(self) -> bool:
        """Free, own or already paid: the check itself points at the strategy."""
        return bool(self.url or self.redirect)


@attrs.frozen
class CloneOutcome:
    """The answer of ``dealCreditsHander`` (or of a check that already opened the strategy)."""

    url: str = ""
    redirect: str = ""
    source_present: bool = False
    credits: Optional[object] = None


def strategy_id_from_url(*urls: str) -> str:
    """The new strategy's edit id from ``/algorithm/index/edit?algorithmId=<id>&…`` ("" if absent)."""
    for url in urls:
        if not url:
            continue
        match = _ALGORITHM_ID.search(url)
        if match:
            return match.group(1)
    return ""


@attrs.frozen
class CloneResult:
    """What ``community clone --yes`` did: the check, the site's answer and the new strategy's edit id."""

    check: CloneCheck
    outcome: CloneOutcome
    strategy_id: str
    from_check: bool  # the check itself opened the strategy (free, own or paid before): nothing spent

    @property
    def cost(self) -> int:
        return 0 if self.from_check else self.check.reduce


def check_facts(check: CloneCheck) -> dict[str, object]:
    """What a check found, as errors name it (the secret only as ``secret_present``)."""
    return {
        "post_id": check.post_id,
        "backtest_id": check.backtest_id,
        "reply_id": check.reply_id,
        "rule_key": RULE_KEY,
        "can_clone": check.can_clone,
        "reason": check.reason,
        "amount": check.amount,
        "reduce": check.reduce,
        "usable": check.usable,
        "is_view": check.is_view,
        "secret_present": bool(check.secret),
        "random_present": bool(check.random),
        "url": check.url,
        "redirect": check.redirect,
    }
