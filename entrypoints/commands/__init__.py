"""Command groups: name, one-line help, and the module that registers its subcommands.

Modules are imported only for the group named on the command line (or all of
them when the man page / completions are generated), to keep startup lean.
Add a group by adding a row here and a module with ``register(parser)``.
"""

from __future__ import annotations

GROUPS: tuple[tuple[str, str, str], ...] = (
    ("auth", "登录、凭据导入与认证状态", "jqcli.entrypoints.commands.auth"),
    ("strategy", "策略管理:列表、详情、新建、修改、删除、拉取/推送本地文件", "jqcli.entrypoints.commands.strategy"),
    (
        "backtest",
        "回测:运行(可推送源码并等待)、列表、详情、指标、曲线、日志、删除",
        "jqcli.entrypoints.commands.backtest",
    ),
    ("community", "社区:最新文章、详情、克隆策略、增量归档", "jqcli.entrypoints.commands.community"),
    ("account", "账号:回测配额(正在运行的回测、并行上限、今日免费时长)", "jqcli.entrypoints.commands.account"),
    ("completion", "生成 shell 补全脚本(bash/zsh)", "jqcli.entrypoints.commands.completion"),
    ("sandbox", "本地聚宽模拟站点(沙盒)", "jqcli.entrypoints.commands.sandbox"),
    # branch mcp (issue 15)
    ("mcp", "作为 MCP 服务器为智能体宿主提供工具(需要 jqcli[mcp])", "jqcli.entrypoints.commands.mcp"),
)
