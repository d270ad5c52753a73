"""Package data: the generated man page and the demo strategy."""
