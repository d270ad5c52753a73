"""Site ids: what tells an id from a strategy name (protocol.md §1.6).

Its own module, without the strategy models, so that a command given an id does not build them.
"""

from __future__ import annotations

import re

_HEX_ID = re.compile(r"^[0-9a-fA-F]{32}$")


def looks_like_id(text: str) -> bool:
    """A 32-hex site id (as opposed to a strategy name)."""
    return bool(_HEX_ID.match(text.strip()))
