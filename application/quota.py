"""``account quota`` and the slot check of ``backtest run`` (protocol.md §9.3).

The statistics endpoint lists the account's running runs and today's minutes.  ``backtest run``
reads it (one GET) before it builds, so that a full account is refused before anything is saved
or sent; when the read fails the check is skipped and the build decides, as before.
"""

from __future__ import annotations

from typing import Mapping, Optional, Tuple

import attrs

from jqcli.application.ports_account import AccountGateway
from jqcli.domain.errors import ApiError, JqcliError, NotAuthenticated
from jqcli.domain.quota import Quota

QUOTA_HINT = "用 jqcli account quota 查看正在运行的回测、并行上限和今日免费时长"


@attrs.frozen
class QuotaView:
    quota: Quota
    can_start: bool
    reason: str
    response: Mapping[str, object]


@attrs.frozen
class ReadQuota:
    """``account quota``: the running runs, the concurrency cap, today's minutes, the tier."""

    account: AccountGateway

    def execute(self, *, tier: bool = True) -> QuotaView:
        quota, response = self.account.statistics()
        if tier:
            quota = attrs.evolve(quota, vip_type=self._tier())
        allowed, why = quota.can_start()
        return QuotaView(quota=quota, can_start=allowed, reason=why, response=response)

    def _tier(self) -> Optional[str]:
        try:
            return self.account.vip_type()
        except NotAuthenticated:
            raise
        except JqcliError:  # the tier is a nicety: the quota itself was read
            return None


def check_slots(account: AccountGateway) -> Tuple[bool, Optional[Quota]]:
    """Refuse a build when every running slot is taken; ``(checked, quota)`` otherwise.

    A failed read (the endpoint missing, a refusal, a network error) skips the check: the build
    itself is then the judge, as without the check.  An expired session is raised.
    """
    try:
        quota, _ = account.statistics()
    except NotAuthenticated:
        raise
    except JqcliError:
        return False, None
    allowed, why = quota.can_start()
    if not allowed and len(quota.running) >= quota.concurrency:
        raise ApiError(
            f"未发起回测:{why}",
            details={
                "reason": "concurrency_cap",
                "running": [{"id": r.id, "name": r.name, "started_at": r.started_at} for r in quota.running],
                "concurrency_cap": quota.concurrency,
            },
            hint=f"{QUOTA_HINT};等待其中一个结束或用 jqcli backtest cancel 停止,或加 --no-quota-check 仍然发送",
        )
    return True, quota
