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

    def view(self) -> dict[str, object]:
        """The spec's check output (the secret only as ``secret_present``)."""
        return {
            "post_id": self.post_id,
            "backtest_id": self.backtest_id,
            "reply_id": self.reply_id,
            "rule_key": RULE_KEY,
            "can_clone": self.can_clone,
            "reason": self.reason,
            "amount": self.amount,
            "reduce": self.reduce,
            "usable": self.usable,
            "is_view": self.is_view,
            "secret_present": bool(self.secret),
            "random_present": bool(self.random),
            "url": self.url,
            "redirect": self.redirect,
            "execute": False,
            "hint": CHECK_HINT,
        }


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


def execution_view(check: CloneCheck, outcome: CloneOutcome, *, from_check: bool) -> dict[str, object]:
    """The ``--yes`` result: what it cost and the new strategy's id."""
    data: dict[str, object] = {
        "ok": True,
        "execute": True,
        "post_id": check.post_id,
        "backtest_id": check.backtest_id,
        "reply_id": check.reply_id,
        "rule_key": RULE_KEY,
        "reason": check.reason,
        "cost": 0 if from_check else check.reduce,
        "amount_before": check.amount,
        "strategy_id": strategy_id_from_url(outcome.url, outcome.redirect),
        "url": outcome.url,
        "redirect": outcome.redirect,
        "source_present": outcome.source_present,
        "credits": outcome.credits,
    }
    if from_check:
        data["from_check"] = True
    return data
