"""The site paths the page parsers and gateways share (protocol.md §2)."""

LIST_PATH = "/algorithm/index/list"
EDIT_PATH = "/algorithm/index/edit"
HISTORY_PATH = "/algorithm/backtest/list"
DETAIL_PATH = "/algorithm/backtest/detail"
