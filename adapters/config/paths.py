"""Where jqcli keeps its files, per platform (pure ``os``; on the fast path)."""

from __future__ import annotations

import os
import sys

APP_DIR = "jqcli"
CONFIG_NAME = "config.json"


def _home(environ: dict[str, str]) -> str:
    return environ.get("HOME") or os.path.expanduser("~")


def default_config_path(environ: dict[str, str], platform: str = sys.platform) -> str:
    """``~/.config/jqcli/config.json`` (honouring XDG_CONFIG_HOME); ``%APPDATA%\\jqcli\\config.json`` on Windows."""
    if platform.startswith("win"):
        base = environ.get("APPDATA") or os.path.join(_home(environ), "AppData", "Roaming")
        return os.path.join(base, APP_DIR, CONFIG_NAME)
    xdg = environ.get("XDG_CONFIG_HOME", "")
    base = xdg if xdg and os.path.isabs(xdg) else os.path.join(_home(environ), ".config")
    return os.path.join(base, APP_DIR, CONFIG_NAME)


def default_data_dir(environ: dict[str, str], platform: str = sys.platform) -> str:
    """The user data folder: ``$XDG_DATA_HOME/jqcli``, ``~/.local/share/jqcli`` or ``%LOCALAPPDATA%\\jqcli``."""
    if platform.startswith("win"):
        base = environ.get("LOCALAPPDATA") or environ.get("APPDATA") or _home(environ)
        return os.path.join(base, APP_DIR)
    xdg = environ.get("XDG_DATA_HOME", "")
    base = xdg if xdg and os.path.isabs(xdg) else os.path.join(_home(environ), ".local", "share")
    return os.path.join(base, APP_DIR)


def resolve_config_path(flag: str | None, environ: dict[str, str]) -> str:
    """``--config`` > ``JQCLI_CONFIG`` > the platform default."""
    chosen = flag or environ.get("JQCLI_CONFIG") or ""
    if chosen:
        return os.path.abspath(os.path.expanduser(chosen))
    return default_config_path(environ)
