"""The one error hierarchy of jqcli.

The core decides the *kind* of a failure; the exit status of each kind is
mapped once, in ``jqcli.entrypoints.exit_codes``.  Messages are Chinese, like
the spec; ``details`` carries machine-readable context (never secrets: message
and details pass through the process's redactor, ``jqcli.domain.redaction``).
"""

from __future__ import annotations

from jqcli.domain.redaction import SECRETS


class JqcliError(Exception):
    """Base of every error jqcli raises on purpose."""

    code = "internal_error"

    def __init__(self, message: str, *, details: dict[str, object] | None = None, hint: str = "") -> None:
        message = SECRETS.redact(message)
        super().__init__(message)
        self.message = message
        self.details: dict[str, object] = SECRETS.redact_value(dict(details or {}))
        if hint:
            self.details.setdefault("hint", SECRETS.redact(hint))

    def __str__(self) -> str:
        return self.message


class NotAuthenticated(JqcliError):
    """No credentials, or the site says the session is not (or no longer) valid."""

    code = "not_authenticated"


class NotFound(JqcliError):
    """The strategy, backtest or post does not exist (or is not visible)."""

    code = "not_found"


class UsageError(JqcliError):
    """The command line or its input is wrong."""

    code = "usage_error"


class ApiError(JqcliError):
    """The site answered, but with a refusal or something jqcli cannot read."""

    code = "api_error"


class NetworkError(JqcliError):
    """The site could not be reached, or the connection broke mid-answer."""

    code = "network_error"


class FileError(JqcliError):
    """A local file could not be read or written."""

    code = "file_error"


class ConfirmationRequired(JqcliError):
    """A destructive or credit-spending action needs ``--yes`` in non-interactive mode."""

    code = "confirmation_required"


class WaitTimeout(JqcliError):
    """``--wait`` gave up before the run reached a final state."""

    code = "timeout"


class Interrupted(JqcliError):
    """The user pressed Ctrl-C."""

    code = "interrupted"


class InternalError(JqcliError):
    """A bug in jqcli."""

    code = "internal_error"


ERROR_CLASSES: tuple[type[JqcliError], ...] = (
    NotAuthenticated,
    NotFound,
    UsageError,
    ApiError,
    NetworkError,
    FileError,
    ConfirmationRequired,
    WaitTimeout,
    Interrupted,
    InternalError,
)
