"""The MCP tools of ``jqcli mcp serve``: one table, no SDK.

Each row names a CLI command and says how a tool's validated arguments become
its argv; ``mcp_dispatch`` runs that argv through the CLI's own in-process
dispatch (``entrypoints.cli.run``), so a tool answers exactly the JSON the CLI
prints for the same call, with the same credentials and precedence.  The SDK
lives in ``mcp_sdk`` only: nothing here imports it.

Adding a command as a tool is one ``ToolSpec`` row in ``TOOLS``: its name, a
description written for a model (what it does, what it costs, which id it
wants), the argv words, the arguments (``Param``: the CLI option, ``""`` for a
positional, ``LOCAL`` for a tool-layer argument), and honest hints.  Tools
that delete, overwrite code, cancel or may spend credits set
``confirm=True``: they refuse without ``confirm: true`` and then pass ``--yes``
(``sends_yes=False`` for commands that have no ``--yes``: edit, push-and-run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, FrozenSet, Optional, Tuple

from jqcli.entrypoints.mcp_shapes import filter_logs, summarize_result

LOCAL = "<local>"  # a Param handled by the tool layer, never sent to the CLI

Shape = Callable[[Dict[str, Any], Dict[str, Any]], Dict[str, Any]]


@dataclass(frozen=True)
class Param:
    """One tool argument: its JSON type and where it goes on the command line."""

    name: str
    type: str  # "string" | "integer" | "number" | "boolean" | "array" (of strings: nargs="+")
    description: str
    option: str = ""  # "--limit"; "" = positional (in table order); LOCAL = tool layer only
    required: bool = False
    enum: Tuple[str, ...] = ()
    minimum: Optional[float] = None
    default: Any = None  # documented in the schema; never sent (the CLI has the same default)
    regex: bool = False  # a Python regular expression, checked before anything runs


@dataclass(frozen=True)
class Hints:
    """The MCP tool annotations (readOnlyHint, destructiveHint, idempotentHint, openWorldHint)."""

    read_only: bool
    destructive: bool
    idempotent: bool
    open_world: bool


READ_SITE = Hints(read_only=True, destructive=False, idempotent=True, open_world=True)
READ_LOCAL = Hints(read_only=True, destructive=False, idempotent=True, open_world=False)
CREATE = Hints(read_only=False, destructive=False, idempotent=False, open_world=True)
OVERWRITE = Hints(read_only=False, destructive=True, idempotent=True, open_world=True)
DELETE = Hints(read_only=False, destructive=True, idempotent=True, open_world=True)
SPEND = Hints(read_only=False, destructive=True, idempotent=False, open_world=True)


@dataclass(frozen=True)
class ToolSpec:
    name: str
    title: str
    description: str
    command: Tuple[str, ...]  # argv words after the global options: ("backtest", "run")
    params: Tuple[Param, ...]
    hints: Hints
    confirm: bool = False  # refuses without confirm: true
    sends_yes: bool = True  # a confirmed call passes --yes (commands that ask on the CLI: rm, clone)
    code: bool = False  # takes code (sent on stdin with --code-stdin) or file (--file)
    fixed: Tuple[str, ...] = ()  # argv words always appended (e.g. --verify)
    shape: Optional[Shape] = None  # tool-layer view of the CLI's JSON (documented per tool)
    ok_exits: FrozenSet[int] = field(default_factory=lambda: frozenset({0}))

    def all_params(self) -> Tuple[Param, ...]:
        extra: Tuple[Param, ...] = ()
        if self.code:
            extra += (CODE_PARAM, FILE_PARAM)
        if self.confirm:
            extra += (CONFIRM_PARAM,)
        return self.params + extra


CODE_PARAM = Param("code", "string", "策略源码全文(UTF-8);与 file 二选一", option="--code-stdin")
FILE_PARAM = Param("file", "string", "本机源码文件路径(相对 MCP 服务器的工作目录);与 code 二选一", option="--file")
CONFIRM_PARAM = Param(
    "confirm", "boolean", "必须为 true:表示已向用户说明后果并得到同意。缺省或 false 时工具拒绝执行", option=LOCAL
)

STRATEGY = Param("strategy", "string", "策略 id(strategy_list 的 id)或唯一的策略名称", required=True)
BACKTEST_ID = Param("backtest_id", "string", "回测 id(backtest_run 或 backtest_list 返回的 id)", required=True)
POST_ID = Param("post_id", "string", "社区文章 id(community_latest 返回的 id)", required=True)
LIMIT = Param("limit", "integer", "最多返回条数", option="--limit", minimum=1, default=50)
ALL = Param("all", "boolean", "不按 limit 截断,返回全部", option="--all")
COMPILE = Param("compile", "boolean", "编译运行记录(buildList)而不是正式回测", option="--compile")

RUN_PARAMS = (
    Param("start", "string", "开始日期 YYYY-MM-DD", option="--start", required=True),
    Param("end", "string", "结束日期 YYYY-MM-DD(默认前一个工作日;站点不接受更晚的日期)", option="--end"),
    Param("capital", "number", "初始资金", option="--capital"),
    Param("freq", "string", "回测频率", option="--freq", enum=("day", "minute"), default="day"),
    Param("compile", "boolean", "编译运行(只检查能否跑通,进入 buildList)而不是正式回测", option="--compile"),
    Param("wait", "boolean", "等待回测结束再返回(返回状态、指标和错误日志);调用会阻塞直到结束", option="--wait"),
    Param("wait_timeout", "number", "wait 的最长秒数(默认 1800)", option="--wait-timeout", minimum=1),
)

TOOLS: Tuple[ToolSpec, ...] = (
    ToolSpec(
        "auth_status",
        "凭据状态",
        "查看本机是否有可用的聚宽凭据、来源和站点地址。只读本地配置,不联网、"
        "不校验会话是否过期(要在线确认用 auth_verify)。",
        ("auth", "status"),
        (),
        READ_LOCAL,
    ),
    ToolSpec(
        "auth_verify",
        "在线确认会话",
        "查看凭据状态,并用只读接口在线确认会话仍然有效。会话过期时返回 not_authenticated,提示如何重新登录。",
        ("auth", "status"),
        (),
        READ_SITE,
        fixed=("--verify",),
    ),
    ToolSpec(
        "strategy_list",
        "列出策略",
        "列出当前账号的策略(id、名称、更新时间、回测次数)。只读。"
        "返回的 id 用于 strategy_show/edit/delete 和 backtest_run/list。",
        ("strategy", "ls"),
        (
            Param(
                "sort", "string", "本地排序", option="--sort", enum=("name", "created", "updated"), default="updated"
            ),
            LIMIT,
            ALL,
        ),
        READ_SITE,
    ),
    ToolSpec(
        "strategy_show",
        "查看策略",
        "查看一个策略的详情;include_code 为 true 时附带源码全文。只读。",
        ("strategy", "show"),
        (STRATEGY, Param("include_code", "boolean", "附带策略源码", option="--code")),
        READ_SITE,
    ),
    ToolSpec(
        "strategy_new",
        "新建策略",
        "新建一个策略(每次调用都新建一个,同名也会再建);不给 code/file 时用最小可运行模板。不花积分。返回新策略的 id。",
        ("strategy", "new"),
        (
            Param("name", "string", "策略名称", required=True),
            Param("type", "string", "策略类型", option="--type", enum=("stock", "futures"), default="stock"),
        ),
        CREATE,
        code=True,
    ),
    ToolSpec(
        "strategy_edit",
        "修改策略",
        "修改策略名称和/或用 code/file 替换源码。会覆盖站点上的原有源码,无法撤销:需要 confirm: true。"
        "先用 strategy_show include_code 取回旧代码以便恢复。",
        ("strategy", "edit"),
        (STRATEGY, Param("name", "string", "新的策略名称", option="--name")),
        OVERWRITE,
        confirm=True,
        sends_yes=False,
        code=True,
    ),
    ToolSpec(
        "strategy_delete",
        "删除策略",
        "删除一个策略及其回测,无法撤销:需要 confirm: true。同名策略有多个时拒绝并列出候选。",
        ("strategy", "rm"),
        (STRATEGY,),
        DELETE,
        confirm=True,
    ),
    ToolSpec(
        "backtest_run",
        "运行回测",
        "对已有策略发起正式回测或编译运行(compile: true)。消耗账号每日免费回测时长,从不消耗积分、从不修改源码;"
        "免费时长用完时失败(要用积分或先推送源码请用 backtest_push_run)。返回回测 id(用于 show/stats/result/logs)"
        "和 list_id(用于 backtest_delete)。",
        ("backtest", "run"),
        (STRATEGY, *RUN_PARAMS),
        CREATE,
    ),
    ToolSpec(
        "backtest_push_run",
        "推送源码并运行",
        "把 code/file 保存到策略(按 name 新建或覆盖同名策略的源码;或覆盖 strategy 指定的策略),然后立即回测。"
        "会覆盖已有源码;use_credit 为 true 时免费时长不足会消耗积分:需要 confirm: true。",
        ("backtest", "run"),
        (
            Param("strategy", "string", "要覆盖源码的策略 id(与 name 二选一)"),
            Param("name", "string", "按名称新建或更新策略(与 strategy 二选一)", option="--name"),
            *RUN_PARAMS,
            Param("use_credit", "boolean", "免费时长不足时同意消耗积分", option="--use-credit"),
        ),
        SPEND,
        confirm=True,
        sends_yes=False,
        code=True,
    ),
    ToolSpec(
        "backtest_list",
        "列出回测",
        "列出一个策略的正式回测(或 compile: true 时的编译运行)记录,含状态和 list_id。只读。",
        ("backtest", "ls"),
        (
            STRATEGY,
            Param(
                "status",
                "string",
                "按状态过滤",
                option="--status",
                enum=("all", "running", "done", "failed", "cancelled"),
                default="all",
            ),
            LIMIT,
            ALL,
            COMPILE,
        ),
        READ_SITE,
    ),
    ToolSpec(
        "backtest_show",
        "查看回测",
        "查看一个回测的详情、源码和指标。只读。",
        ("backtest", "show"),
        (BACKTEST_ID,),
        READ_SITE,
    ),
    ToolSpec(
        "backtest_stats",
        "回测指标",
        "读取回测的收益与风险指标(收益、年化、最大回撤、夏普等)。只读;公开社区回测无需登录。",
        ("backtest", "stats"),
        (BACKTEST_ID,),
        READ_SITE,
    ),
    ToolSpec(
        "backtest_result",
        "收益曲线",
        "读取回测的收益曲线。默认 summary: true 只返回每条曲线的点数、首末点和最小/最大值(不淹没上下文);"
        "summary: false 返回与 CLI 相同的完整曲线 JSON。offset/all/max_pages 分页。只读。",
        ("backtest", "result"),
        (
            BACKTEST_ID,
            Param("offset", "integer", "曲线起始 offset", option="--offset", minimum=0, default=0),
            Param(
                "user_record_offset", "integer", "record() 曲线起始 offset", option="--user-record-offset", minimum=0
            ),
            Param("all", "boolean", "读取并合并所有分页", option="--all"),
            Param("max_pages", "integer", "all 时最多读取的页数(默认 200)", option="--max-pages", minimum=1),
            Param("summary", "boolean", "只返回曲线摘要(默认 true)", option=LOCAL, default=True),
        ),
        READ_SITE,
        shape=summarize_result,
    ),
    ToolSpec(
        "backtest_logs",
        "回测日志",
        "读取回测运行日志(error: true 时读错误日志:编译错误、异常堆栈)。offset/all/max_pages 分页;"
        "grep(正则,不分大小写)和 tail(只留最后 N 行)在取回后过滤。只读。",
        ("backtest", "logs"),
        (
            BACKTEST_ID,
            Param("offset", "integer", "起始行 offset", option="--offset", minimum=0, default=0),
            Param("all", "boolean", "一直翻页直到读完", option="--all"),
            Param("max_pages", "integer", "all 时最多读取的页数(默认 50)", option="--max-pages", minimum=1),
            Param("error", "boolean", "读取错误日志", option="--error"),
            Param("grep", "string", "只保留匹配该正则的行(不分大小写)", option=LOCAL, regex=True),
            Param("tail", "integer", "只保留最后 N 行", option=LOCAL, minimum=1),
        ),
        READ_SITE,
        shape=filter_logs,
    ),
    ToolSpec(
        "backtest_delete",
        "删除回测",
        "删除一条回测记录(compile: true 时删除编译运行记录),无法撤销:需要 confirm: true。传 backtest_list 的 list_id。",
        ("backtest", "rm"),
        (Param("list_id", "string", "回测记录的 list_id(来自 backtest_list 或 backtest_run)", required=True), COMPILE),
        DELETE,
        confirm=True,
    ),
    ToolSpec(
        "community_latest",
        "社区最新文章",
        "读取聚宽社区最新文章列表(默认 1 页 50 条)。只读。返回的 id 用于 community_detail 和克隆。",
        ("community", "latest"),
        (
            Param("page_size", "integer", "每页条数", option="--page-size", minimum=1, default=50),
            Param(
                "max_pages", "integer", "最多读取页数(默认 1;有 until/since_id 时不限)", option="--max-pages", minimum=1
            ),
            Param("until", "string", "读到该发布时间为止(YYYY-MM-DD 或 YYYY-MM-DD HH:MM:SS)", option="--until"),
            Param("list_type", "integer", "分类:1 文章、2 问答、3 公告、4 精华、5 精选、0 全部", option="--list-type"),
            Param("tags", "string", "标签 id,逗号分隔", option="--tags"),
            Param("since_id", "string", "遇到该文章 id 后停止(不含)", option="--since-id"),
        ),
        READ_SITE,
    ),
    ToolSpec(
        "community_detail",
        "社区文章详情",
        "读取一篇社区文章的正文、文章内策略回测信息和讨论区。只读。",
        ("community", "detail"),
        (
            POST_ID,
            Param("reply_page", "integer", "讨论区起始页", option="--reply-page", minimum=1, default=1),
            Param("reply_pages", "integer", "读取讨论区页数", option="--reply-pages", minimum=1, default=1),
            Param("all_replies", "boolean", "读取全部讨论区页", option="--all-replies"),
            Param("with_backtest_stats", "boolean", "附带文章回测的收益/风险指标", option="--with-backtest-stats"),
        ),
        READ_SITE,
    ),
    ToolSpec(
        "community_clone_check",
        "克隆检查",
        "检查能否克隆文章中的回测策略:可用积分、预计扣除积分。只调用检查接口,不扣积分、不克隆。",
        ("community", "clone-strategy"),
        (
            POST_ID,
            Param("backtest_id", "string", "文章内回测 id(默认取文章详情中的回测)", option="--backtest-id"),
            Param("reply_id", "string", "克隆讨论区回复中的回测时传该回复 id", option="--reply-id"),
        ),
        READ_SITE,
    ),
    ToolSpec(
        "community_clone",
        "克隆策略(扣积分)",
        "把文章中的回测策略克隆到自己的账号,会扣除积分(先用 community_clone_check 查看扣多少):需要 confirm: true。",
        ("community", "clone-strategy"),
        (
            POST_ID,
            Param("backtest_id", "string", "文章内回测 id(默认取文章详情中的回测)", option="--backtest-id"),
            Param("reply_id", "string", "克隆讨论区回复中的回测时传该回复 id", option="--reply-id"),
        ),
        SPEND,
        confirm=True,
    ),
    # -- the fix loop (issue 13): verdict, compare, wait, quota, cancel, history, local files ----------
    ToolSpec(
        "backtest_verdict",
        "回测判定",
        "判定一次回测的结果:ok、compile_error、import_error、runtime_error、order_warnings、no_trades、cancelled"
        "、timeout,并给出 errors[](异常、消息、文件、行号、函数、模拟时间)和下单警告数。只读,不花回测分钟。"
        "传 backtest_run 返回的 id;file 给本地源码文件时错误按该文件的行号给出。",
        ("backtest", "verdict"),
        (
            BACKTEST_ID,
            Param("file", "string", "本机源码文件路径(错误按它的行号给出;不推送)", option="--file"),
            Param("max_pages", "integer", "最多读取的运行日志页数(每页 100 行)", option="--max-pages", minimum=1),
        ),
        READ_SITE,
    ),
    ToolSpec(
        "backtest_compare",
        "对比回测",
        "对比两个或更多回测(第一个为基准):设置并排(不同时给出警告)、每个指标的变化与哪个更好、源码的 unified diff。"
        "只读。传 backtest_run / backtest_list 返回的 id。",
        ("backtest", "compare"),
        (
            Param("backtest_ids", "array", "两个或更多回测 id,第一个为基准", required=True),
            Param("context", "integer", "源码 diff 的上下文行数", option="--context", minimum=0, default=3),
        ),
        READ_SITE,
    ),
    ToolSpec(
        "backtest_wait",
        "继续等待回测",
        "继续等待一个已提交的回测结束(backtest_run 的 wait 超时或被中断后用),返回与 backtest_run wait 相同的结果;"
        "从不发起新回测。调用会阻塞直到结束或 wait_timeout。",
        ("backtest", "wait"),
        (
            BACKTEST_ID,
            Param("compile", "boolean", "这是编译运行(没有指标)", option="--compile"),
            Param("wait_timeout", "number", "最长等待秒数(默认 1800)", option="--wait-timeout", minimum=1),
            Param("file", "string", "本机源码文件路径(失败时错误按它的行号给出)", option="--file"),
        ),
        READ_SITE,
    ),
    ToolSpec(
        "account_quota",
        "回测配额",
        "查看正在运行的回测、并行上限、今日已用与免费分钟、VIP 类型,以及现在能否发起回测(can_start 和原因)。"
        "只读;发起回测前先看这里。",
        ("account", "quota"),
        (Param("no_tier", "boolean", "不读取 VIP 类型(少一次请求)", option="--no-tier"),),
        READ_SITE,
    ),
    ToolSpec(
        "backtest_cancel",
        "取消回测",
        "取消一个正在运行的回测(只发送一次取消请求),然后确认它真的停了:confirmed 为 true 或 false。"
        "无法撤销:需要 confirm: true。传 backtest_run 返回的 id。",
        ("backtest", "cancel"),
        (
            BACKTEST_ID,
            Param("verify_timeout", "number", "取消后最多检查多少秒(默认 30)", option="--verify-timeout", minimum=1),
        ),
        DELETE,
        confirm=True,
        ok_exits=frozenset({0, 10}),
    ),
    ToolSpec(
        "backtest_history",
        "本机回测台账",
        "列出本机记录的回测提交(每次 backtest_run 在发送前写入):源码哈希、设置、id、状态和指标。"
        "只读本机文件,不访问聚宽。",
        ("backtest", "history"),
        (
            Param("strategy", "string", "只列出该策略(名称或发起时的 id)", option="--strategy"),
            Param(
                "status",
                "string",
                "按状态过滤",
                option="--status",
                enum=("running", "done", "failed", "cancelled", "unknown"),
            ),
            Param("since", "string", "只列出该日(北京时间,YYYY-MM-DD)及以后提交的", option="--since"),
            Param("until", "string", "只列出该日(北京时间,YYYY-MM-DD)及以前提交的", option="--until"),
            LIMIT,
            ALL,
        ),
        READ_LOCAL,
    ),
    ToolSpec(
        "strategy_pull",
        "拉取策略为本地文件",
        "把策略源码写成本机目录下的 <策略名>.py,并在目录的 .jqcli-manifest.json 记下拉取时的源码哈希"
        "(之后 strategy_push 用它检测网页上的修改)。不覆盖未跟踪或有本地修改的文件。",
        ("strategy", "pull"),
        (
            Param("strategies", "array", "策略 id 或唯一的策略名称(可给多个;与 all 二选一)"),
            Param("all", "boolean", "拉取账号下的全部策略", option="--all"),
            Param("dir", "string", "写入的目录(相对 MCP 服务器的工作目录;默认当前目录)", option="--dir"),
        ),
        Hints(read_only=False, destructive=False, idempotent=True, open_world=True),
    ),
    ToolSpec(
        "strategy_push",
        "推送本地文件",
        "把 strategy_pull 写出的 .py 文件保存回聚宽:只有站点上的代码仍是拉取时的版本才保存,否则拒绝并给出 diff"
        "(force: true 时仍覆盖)。会覆盖站点上的代码:需要 confirm: true。",
        ("strategy", "push"),
        (
            Param("files", "array", "strategy_pull 写出的 .py 文件路径(可给多个)", required=True),
            Param("force", "boolean", "站点代码已被修改时仍用本地文件覆盖", option="--force"),
        ),
        OVERWRITE,
        confirm=True,
        sends_yes=False,
    ),
    ToolSpec(
        "strategy_diff",
        "本地文件与站点的差异",
        "比较 strategy_pull 写出的文件、拉取时的版本和站点上的代码:state 为 same、local_changed、site_changed 或"
        " both_changed,附 unified diff。只读。",
        ("strategy", "diff"),
        (Param("file", "string", "strategy_pull 写出的 .py 文件路径", required=True),),
        READ_SITE,
    ),
)

TOOLS_BY_NAME: Dict[str, ToolSpec] = {spec.name: spec for spec in TOOLS}


def input_schema(spec: ToolSpec) -> Dict[str, Any]:
    """The JSON schema of a tool's arguments (closed: unknown arguments are refused)."""
    properties: Dict[str, Any] = {}
    for param in spec.all_params():
        prop: Dict[str, Any] = {"type": param.type, "description": param.description}
        if param.type == "array":
            prop["items"] = {"type": "string"}
            prop["minItems"] = 1
        if param.enum:
            prop["enum"] = list(param.enum)
        if param.minimum is not None:
            prop["minimum"] = param.minimum
        if param.default is not None:
            prop["default"] = param.default
        properties[param.name] = prop
    schema: Dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    required = [p.name for p in spec.all_params() if p.required]
    if spec.confirm:
        required.append(CONFIRM_PARAM.name)
    if required:
        schema["required"] = required
    return schema
