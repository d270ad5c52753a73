"""The JoinQuant session: cookies, headers, retries and expiry detection.

Every gateway talks to the site through one ``JoinQuantSession``.  Rules it
enforces (architecture §5):
- only idempotent GETs are retried (connection errors, 502/503/504, 429 with
  Retry-After), with capped exponential backoff and full jitter; POSTs never;
- a dead session in any of its shapes becomes ``NotAuthenticated``, never an
  empty success;
- redirects are not followed blindly: a redirect to the login page is an
  expired session, others are returned to the caller (or followed on the same
  origin for GETs that ask for it);
- credentials go only to joinquant.com hosts and loopback unless allowed.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Mapping
from typing import Callable, Optional, Sequence, Tuple, Union
from urllib.parse import quote, urlencode, urljoin, urlsplit

import attrs

from jqcli.adapters.http import HttpRequest, HttpResponse, HttpTransport
from jqcli.adapters.joinquant.cookies import CookieJar
from jqcli.adapters.joinquant.debuglog import NullLog, RequestLog, redact_query
from jqcli.adapters.joinquant.expiry import (
    THROTTLE_HINT,
    THROTTLE_MESSAGE,
    is_geo_blocked,
    is_login_page,
    is_throttled,
    json_says_expired,
    redirect_to_login,
    redirect_to_not_found,
)
from jqcli.domain.errors import ApiError, NetworkError, NotAuthenticated, NotFound, UsageError
from jqcli.domain.redaction import excerpt as redacted_excerpt
from jqcli.domain.sites import BadSite, parse_site

Params = Union[Mapping[str, object], Sequence[Tuple[str, object]], None]
EXPIRED_MESSAGE = "未登录或登录已过期,请重新登录"
EXPIRED_HINT = "运行 jqcli auth login,或用 auth import-cookie 导入新的 cookie"
USER_AGENT = "Mozilla/5.0 (compatible; jqcli/0.1; +https://www.joinquant.com)"
RETRY_BUDGET_FACTOR = 2  # a GET with its retries and waits ends within 2 × timeout
MIN_ATTEMPT_SHARE = 0.25  # a retry is only made when a quarter of a timeout (≥ 0.5 s) of the budget is left


# What makes a URL ambiguous to some parser: control characters and space (≤ 0x20), DEL, a backslash.
_UNSAFE_URL_CHAR = re.compile(r"[\x00-\x20\x7f\\]")


@attrs.frozen
class RetryPolicy:
    """How idempotent GETs are retried."""

    max_retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 120.0
    statuses: frozenset = frozenset({429, 502, 503, 504})

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full-jitter exponential backoff for retry number ``attempt`` (1-based)."""
        return rng.uniform(0, min(self.max_delay, self.base_delay * (2 ** (attempt - 1))))


def credentials_allowed(api_base: str) -> bool:
    """joinquant.com over https, or loopback (any scheme), read by the one strict parse.

    ``parse_site`` accepts only addresses that urllib3 and ``urlsplit`` read the
    same way, so the host checked here is the host connected to; anything else
    is never allowed.
    """
    try:
        return parse_site(api_base).credentials_allowed
    except BadSite:
        return False


class JoinQuantSession:
    """One command's conversation with the site (thread-safe for concurrent GETs)."""

    def __init__(
        self,
        *,
        api_base: str,
        transport: HttpTransport,
        cookie: str = "",
        timeout: float = 30.0,
        retry: RetryPolicy = RetryPolicy(),
        allow_custom_api_base: bool = False,
        sleep: Callable[[float], None] = time.sleep,
        log: Optional[RequestLog] = None,
        rng: Optional[random.Random] = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        try:
            self.site = parse_site(api_base)
        except BadSite as exc:
            raise UsageError(f"站点地址无效({exc.reason}): {api_base!r}", details={"api_base": api_base}) from None
        self.api_base = str(self.site)
        self.transport = transport
        self.timeout = timeout
        self.retry = retry
        self.jar = CookieJar(cookie)
        self._sleep = sleep
        self._log: RequestLog = log or NullLog()
        self._rng = rng or random.Random()
        self._clock = clock
        self._allowed = allow_custom_api_base or credentials_allowed(self.api_base)

    # -- public helpers ----------------------------------------------------------------------
    @property
    def has_credentials(self) -> bool:
        return bool(self.jar)

    def url(self, path: str, params: Params = None) -> str:
        if path.startswith(("http://", "https://")):
            url = path
        else:  # a relative path always starts the path part: nothing of it can reach the host part
            url = self.api_base + (path if path.startswith("/") else "/" + path)
        if params:
            url += ("&" if "?" in url else "?") + form_encode(params)
        return url

    def get_text(
        self,
        path: str,
        params: Params = None,
        *,
        referer: str = "",
        xhr: bool = True,
        auth: str = "required",
        follow: bool = False,
    ) -> str:
        """GET an HTML page; a login page or login redirect raises NotAuthenticated."""
        response = self.request("GET", path, params=params, referer=referer, xhr=xhr, auth=auth, follow=follow)
        text = decode(response)
        if text.lstrip().startswith("{"):  # an XHR page request answered with the JSON expiry envelope
            try:
                payload = json.loads(text)
            except ValueError:
                payload = None
            if json_says_expired(payload):
                raise NotAuthenticated(EXPIRED_MESSAGE, details={"path": path, "shape": "json"}, hint=EXPIRED_HINT)
        if is_login_page(text):
            raise NotAuthenticated(EXPIRED_MESSAGE, details={"path": path, "shape": "login_page"}, hint=EXPIRED_HINT)
        return text

    def get_json(
        self, path: str, params: Params = None, *, referer: str = "", auth: str = "required", retry: bool = True
    ) -> dict:
        """GET a JSON endpoint and return the whole envelope (a dict); ``retry=False`` for side-effecting GETs."""
        response = self.request("GET", path, params=params, referer=referer, auth=auth, retry=retry)
        return self.parse_json(response, path)

    def post_form(
        self,
        path: str,
        form: Params,
        params: Params = None,
        *,
        referer: str = "",
        xhr: bool = True,
        auth: str = "required",
    ) -> HttpResponse:
        """POST a urlencoded form once (never retried)."""
        body = form_encode(form).encode("ascii")
        response = self.request("POST", path, params=params, body=body, referer=referer, xhr=xhr, auth=auth)
        if response.status == 200 and not response.body.lstrip().startswith(b"{") and is_login_page(decode(response)):
            # the write did not happen: the site rendered its login page instead (a dead session)
            raise NotAuthenticated(EXPIRED_MESSAGE, details={"path": path, "shape": "login_page"}, hint=EXPIRED_HINT)
        return response

    def post_json(
        self, path: str, form: Params, params: Params = None, *, referer: str = "", auth: str = "required"
    ) -> dict:
        return self.parse_json(self.post_form(path, form, params, referer=referer, auth=auth), path)

    def parse_json(self, response: HttpResponse, path: str) -> dict:
        text = decode(response)
        try:
            payload = json.loads(text) if text and not text.isspace() else None  # strip() would copy the page
        except ValueError:
            payload = None
        if isinstance(payload, dict):
            if json_says_expired(payload):
                raise NotAuthenticated(EXPIRED_MESSAGE, details={"path": path, "shape": "json"}, hint=EXPIRED_HINT)
            return payload
        if is_login_page(text):
            raise NotAuthenticated(EXPIRED_MESSAGE, details={"path": path, "shape": "login_page"}, hint=EXPIRED_HINT)
        if is_geo_blocked(text):
            raise ApiError("聚宽拒绝了当前地区的访问(当前地区暂不支持访问)", details={"path": path})
        if is_throttled(text):
            raise ApiError(THROTTLE_MESSAGE, details={"path": path, "throttled": True}, hint=THROTTLE_HINT)
        raise ApiError(
            "聚宽返回的不是预期的 JSON",
            details={
                "path": path,
                "status": response.status,
                "content_type": response.header("Content-Type"),
                "body_excerpt": excerpt(text),
            },
        )

    # -- the one request path ---------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params = None,
        body: Optional[bytes] = None,
        referer: str = "",
        xhr: bool = True,
        auth: str = "required",
        follow: bool = False,
        extra_headers: Sequence[Tuple[str, str]] = (),
        retry: bool = True,
    ) -> HttpResponse:
        """One request; GETs are retried unless ``retry=False`` (a GET with side effects, e.g. addExportZip)."""
        url = self.url(path, params)
        headers = self._headers(method, referer, xhr, auth, path, body is not None) + tuple(extra_headers)
        if not self._same_origin(url):  # an absolute URL elsewhere never carries the session
            headers = tuple(h for h in headers if h[0] != "Cookie")
        request = HttpRequest(method=method, url=url, headers=headers, body=body)
        response = self._send(request, retry=retry)
        if follow and method == "GET":
            response = self._follow_same_origin(response, headers)
        return self._check(response, path)

    def _headers(
        self, method: str, referer: str, xhr: bool, auth: str, path: str, has_body: bool
    ) -> Tuple[Tuple[str, str], ...]:
        headers = [("User-Agent", USER_AGENT), ("Accept", "application/json, text/html;q=0.9, */*;q=0.8")]
        if xhr:
            headers.append(("X-Requested-With", "XMLHttpRequest"))
        if referer:
            headers.append(("Referer", header_url(referer if referer.startswith("http") else self.api_base + referer)))
        if has_body:
            headers.append(("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8"))
        if self.jar and self._allowed:
            headers.append(("Cookie", self.jar.header()))
        elif self.jar and auth == "required":
            raise UsageError(
                f"拒绝把凭据发送到非聚宽站点: {self.api_base}",
                details={"api_base": self.api_base},
                hint="确认该地址可信时加 --allow-custom-api-base 或设置 JQCLI_ALLOW_CUSTOM_API_BASE=1",
            )
        elif auth == "required":
            raise NotAuthenticated("未登录,请先配置 token/cookie", details={"path": path}, hint=EXPIRED_HINT)
        return tuple(headers)

    def _send(self, request: HttpRequest, *, retry: bool = True) -> HttpResponse:
        """Send with the retry rules; ``timeout`` bounds each attempt, ``2 × timeout`` all of them.

        An attempt that ran out of time is not retried (the site hangs or trickles); other
        connection failures and 429/502/503/504 answers to GETs are, unless the retry (with
        its backoff or Retry-After wait) would end past the budget.  ``retry=False`` sends a GET with side
        effects (addExportZip) exactly once.
        """
        idempotent = retry and request.method in ("GET", "HEAD")
        budget_end = self._clock() + self.timeout * RETRY_BUDGET_FACTOR
        attempt = 0
        while True:
            attempt += 1
            started = time.perf_counter()
            try:
                response = self.transport.send(request, timeout=self._attempt_timeout(budget_end, attempt))
            except NetworkError as exc:
                self._log_request(request, "error", started, attempt)
                if not idempotent:
                    exc.details.setdefault("hint", "写操作不会自动重试;请先确认它是否已在站点上生效,再决定是否重试")
                    raise
                delay = self.retry.backoff(attempt, self._rng)
                if exc.details.get("timed_out") or not self._may_retry(attempt, delay, budget_end):
                    exc.details["attempts"] = attempt
                    raise
                self._sleep(delay)
                continue
            self._log_request(request, response.status, started, attempt)
            self.jar.update_from(response.header_list("Set-Cookie"))
            if idempotent and response.status in self.retry.statuses:
                delay = self._delay(response, attempt)
                if self._may_retry(attempt, delay, budget_end):
                    self._sleep(delay)
                    continue
            return response

    def _attempt_timeout(self, budget_end: float, attempt: int) -> float:
        if attempt == 1:
            return self.timeout
        return max(self._min_attempt(), min(self.timeout, budget_end - self._clock()))

    def _min_attempt(self) -> float:
        return min(self.timeout, max(0.5, self.timeout * MIN_ATTEMPT_SHARE))

    def _may_retry(self, attempt: int, delay: float, budget_end: float) -> bool:
        """Another attempt is allowed, and it can start (after ``delay``) with time left for it."""
        if attempt > self.retry.max_retries:
            return False
        return self._clock() + delay + self._min_attempt() <= budget_end

    def _delay(self, response: HttpResponse, attempt: int) -> float:
        retry_after = parse_retry_after(response.header("Retry-After"))
        if retry_after is not None:
            return min(retry_after, self.retry.max_retry_after)
        return self.retry.backoff(attempt, self._rng)

    def _follow_same_origin(self, response: HttpResponse, headers: Tuple[Tuple[str, str], ...]) -> HttpResponse:
        for _ in range(5):
            if not (300 <= response.status < 400) or redirect_to_login(response):
                return response
            target = urljoin(response.url, response.header("Location"))
            if not self._same_origin(target):
                return response  # never carry cookies to another origin
            cookie_free = tuple(h for h in headers if h[0] != "Cookie")
            if self.jar and self._allowed:
                cookie_free += (("Cookie", self.jar.header()),)
            response = self._send(HttpRequest(method="GET", url=target, headers=cookie_free))
        return response

    def _same_origin(self, url: str) -> bool:
        """``url`` is on this session's site, read the strict way (no parser may see another host)."""
        origin = self.site.origin
        if not url.startswith(origin) or url[len(origin) : len(origin) + 1] not in ("", "/", "?", "#"):
            return False
        return _UNSAFE_URL_CHAR.search(url) is None

    def _check(self, response: HttpResponse, path: str) -> HttpResponse:
        status = response.status
        if redirect_to_login(response) or status in (401, 403):
            raise NotAuthenticated(
                EXPIRED_MESSAGE, details={"path": path, "status": status, "shape": "http"}, hint=EXPIRED_HINT
            )
        if status == 404 or redirect_to_not_found(response):
            raise NotFound(f"聚宽返回 404:{path} 不存在", details={"path": path, "status": status})
        if status == 429:
            raise ApiError(
                "请求过于频繁,聚宽限流(429),请稍后再试",
                details={"path": path, "status": status, "retry_after": response.header("Retry-After")},
            )
        if status >= 400:
            raise ApiError(
                f"聚宽返回 HTTP {status}",
                details={"path": path, "status": status, "body_excerpt": excerpt(decode(response))},
            )
        return response

    def _log_request(self, request: HttpRequest, status: object, started: float, attempt: int) -> None:
        parts = urlsplit(request.url)
        query = redact_query(parts.query)
        self._log.request(
            method=request.method,
            path=parts.path + (f"?{query}" if query else ""),
            status=status,
            ms=round((time.perf_counter() - started) * 1000, 1),
            attempt=attempt,
            retries=attempt - 1,
        )


def parse_retry_after(value: str) -> Optional[float]:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    value = value.strip()
    if not value:
        return None
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return None


def form_encode(params: Params) -> str:
    """``application/x-www-form-urlencoded`` in UTF-8; text that is not valid Unicode is a usage error.

    Undecodable bytes on the command line reach Python as lone surrogates (``\\udcff``); they
    have no UTF-8 form, so nothing sensible can be sent for them.
    """
    pairs = _pairs(params)
    try:
        return urlencode(pairs)
    except UnicodeEncodeError:
        bad = [key for key, value in pairs if not _encodable(key) or not _encodable(value)]
        raise UsageError(
            "参数含有无法按 UTF-8 编码的字节(命令行或文件里的文字不是有效的 UTF-8)",
            details={"fields": bad},
            hint="检查终端/脚本的编码,传入 UTF-8 文字",
        ) from None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def header_url(url: str) -> str:
    """A URL safe for a header: non-ASCII and control characters percent-encoded (UTF-8), the rest kept."""
    return quote(url, safe="!#$%&'()*+,/:;=?@[]~", errors="surrogateescape")


def decode(response: HttpResponse) -> str:
    charset = "utf-8"
    content_type = response.header("Content-Type").lower()
    if "charset=" in content_type:
        charset = content_type.split("charset=", 1)[1].split(";")[0].strip() or "utf-8"
    try:
        return response.body.decode(charset, errors="replace")
    except LookupError:
        return response.body.decode("utf-8", errors="replace")


def excerpt(text: str, limit: int = 200) -> str:
    """A short, secret-free look at an unexpected body (every secret the process holds, cookie-shaped
    pairs and long hex runs are redacted)."""
    return redacted_excerpt(text, limit)


def _pairs(params: Params) -> list:
    if params is None:
        return []
    items = params.items() if isinstance(params, Mapping) else params
    return [(key, "" if value is None else str(value)) for key, value in items]
