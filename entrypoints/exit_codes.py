"""Exit statuses: the spec's table, plus 9 for ``--exit-status``, 130 for Ctrl-C and 70 for bugs."""

from __future__ import annotations

EXIT_OK = 0
EXIT_RUN_FAILED = 9  # --exit-status: the output is printed, and the run ended failed or cancelled

EXIT_CODES: dict[str, int] = {
    "not_authenticated": 1,
    "not_found": 2,
    "usage_error": 3,
    "api_error": 4,
    "network_error": 5,
    "file_error": 6,
    "confirmation_required": 7,
    "timeout": 8,
    "internal_error": 70,
    "interrupted": 130,
}


# Exit statuses of commands that succeeded but report an outcome the caller must not miss: the
# output is printed on stdout as usual (no error object), and the process exits with this status.
OUTCOME_EXIT_CODES: dict[str, int] = {
    # fixb: `backtest cancel` — the site accepted the cancel, but the run was still seen running
    "cancel_unconfirmed": 10,
}


def exit_code_for(code: str) -> int:
    """The process exit status for an error code (unknown codes are bugs: 70)."""
    return EXIT_CODES.get(code, EXIT_CODES["internal_error"])
