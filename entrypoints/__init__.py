"""jqcli command line: ``python -m jqcli.entrypoints`` or the ``jqcli`` script."""

__version__ = "0.1.0"
