"""``jqcli auth …``: status, login, import-token, import-cookie, logout.

``auth status`` is on the fast path: it reads only flags, ``.env``, the
environment and the config file, and imports nothing heavy unless
``--verify`` asks for a live check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jqcli.domain.errors import UsageError
from jqcli.domain.redaction import SECRETS
from jqcli.entrypoints.parser import add_subcommands

if TYPE_CHECKING:
    import argparse

    from jqcli.entrypoints.context import Context, Reply


def register(parser: argparse.ArgumentParser) -> None:
    sub = add_subcommands(parser, dest="command")

    status = sub.add_parser("status", help="查看本地凭据状态(默认不联网)", description="检查本地是否已有可用凭据。")
    status.add_argument("--verify", action="store_true", help="额外用只读接口 /user/index/isLogin 在线确认会话仍然有效")
    status.set_defaults(handler=status_command)

    login = sub.add_parser(
        "login",
        help="用账号密码登录并保存 cookie",
        description="使用聚宽登录接口登录,保存站点设置的全部会话 cookie。\n"
        "密码来自 --password-stdin 或环境变量 JQCLI_PASSWORD(交互终端下也可提示输入)。",
    )
    login.add_argument("--username", help="账号(默认取 JQCLI_USERNAME)")
    login.add_argument("--password-stdin", action="store_true", help="从 stdin 读取密码(只去掉末尾一个换行)")
    login.set_defaults(handler=login_command)

    token = sub.add_parser("import-token", help="保存 token 到本地配置", description="保存 token 到本地配置。")
    token.add_argument(
        "--token", dest="import_value", required=True, metavar="TOKEN", help="token 值;传 - 从 stdin 读取"
    )
    token.add_argument("--username", help="同时记录的账号名(可选)")
    token.set_defaults(handler=import_token_command)

    cookie = sub.add_parser(
        "import-cookie", help="保存 cookie 到本地配置", description="保存浏览器 cookie 到本地配置。"
    )
    cookie.add_argument(
        "--cookie",
        dest="import_value",
        required=True,
        metavar="COOKIE",
        help="完整 Cookie 头;传 - 从 stdin 读取",
    )
    cookie.add_argument("--username", help="同时记录的账号名(可选)")
    cookie.set_defaults(handler=import_cookie_command)

    logout = sub.add_parser(
        "logout",
        help="删除本地保存的 token/cookie/username",
        description="删除本地配置中保存的凭据,不影响环境变量。",
    )
    logout.set_defaults(handler=logout_command)


# -- handlers ------------------------------------------------------------------------------------


def status_command(ctx: Context) -> Reply:
    from jqcli.application.auth import AuthStatus
    from jqcli.entrypoints.presenters import auth_status

    settings = ctx.settings
    credential = ctx.services.credential() if settings.sandbox else settings.credential()
    username = settings.saved_credentials().username or settings.env_value("JQCLI_USERNAME")
    if settings.sandbox:
        username = settings.saved_credentials().username or ctx.services.embedded_sandbox().demo_username
    state = AuthStatus(ctx.services.auth_gateway).execute(
        credential,
        api_base=settings.api_base,
        username=username or "",
        config_path=settings.config_path,
        verify=ctx.args.verify,
    )
    return auth_status(state)


def login_command(ctx: Context) -> Reply:
    from jqcli.application.auth import Login
    from jqcli.entrypoints.presenters import logged_in

    username = ctx.args.username or ctx.settings.env_value("JQCLI_USERNAME")
    login = Login(lambda: ctx.services.auth_gateway(fresh=True), ctx.settings.store)
    # the site logged in to is the site the cookie is saved for
    return logged_in(login.execute(username, lambda: _password(ctx), site=lambda: _site_of(ctx)))


def import_token_command(ctx: Context) -> Reply:
    return _import(ctx, "token")


def import_cookie_command(ctx: Context) -> Reply:
    return _import(ctx, "cookie")


def _import(ctx: Context, kind: str) -> Reply:
    from jqcli.application.auth import ImportCredential
    from jqcli.entrypoints.presenters import credential_imported

    value = _secret_argument(ctx, kind)
    saved = ImportCredential(ctx.settings.store).execute(
        kind, value, username=ctx.args.username or "", site=lambda: _site_of(ctx)
    )
    return credential_imported(saved)


def logout_command(ctx: Context) -> Reply:
    from jqcli.application.auth import Logout
    from jqcli.entrypoints.presenters import logged_out

    outcome = Logout(ctx.settings.store).execute()
    if outcome.reset:
        ctx.warn(f"配置文件已损坏,已另存为 {outcome.backup} 并重置")
    return logged_out(outcome)


# -- helpers -------------------------------------------------------------------------------------


def _password(ctx: Context) -> str:
    if ctx.args.password_stdin:
        raw = ctx.read_stdin_text("--password-stdin")
        if raw.endswith("\r\n"):
            raw = raw[:-2]
        elif raw.endswith("\n"):
            raw = raw[:-1]
        if not raw:
            raise UsageError("--password-stdin 没有读到密码")
        return raw
    env_password = ctx.settings.env_value("JQCLI_PASSWORD")
    if env_password:
        return env_password
    if ctx.interactive:
        import getpass

        entered = getpass.getpass("聚宽密码: ", stream=ctx.stdio.stderr)
        if entered:
            return entered
    raise UsageError("缺少密码:请设置 JQCLI_PASSWORD 或使用 --password-stdin")


def _secret_argument(ctx: Context, what: str) -> str:
    value = ctx.args.import_value
    if value == "-":
        value = ctx.read_stdin_text(f"--{what}")
    if not value or not value.strip():
        raise UsageError(f"{what} 为空")
    SECRETS.add(value.strip())
    return str(value)


def _site_of(ctx: Context) -> str:
    """The site a new credential is saved for: the site every later command will send it to.

    That is the site this command resolves (``--api-base`` > ``JQCLI_API_BASE`` >
    the saved ``api_base`` > the real site), so a saved cookie and its site always
    change together: logging in or importing without ``--api-base`` keeps a saved
    custom site (and says so), ``--api-base https://www.joinquant.com`` clears it.
    The sandbox's own config never records a site.
    """
    from jqcli.entrypoints.settings import DEFAULT_API_BASE

    settings = ctx.settings
    if settings.sandbox:
        return ""
    base = settings.api_base
    if base == DEFAULT_API_BASE:
        return ""
    if not settings.api_base_is_explicit:
        ctx.warn(f"凭据将随已保存的站点地址 {base} 一起保存;若它属于聚宽主站,请加 --api-base {DEFAULT_API_BASE}")
    return base
