"""Fetching an article from a link a chat user sent, without letting it reach our own network.

A link in a chat message is untrusted input that makes the bot open a connection (server-side
request forgery). So: only http and https; the host is resolved once and every address must be
public (no loopback, private, link-local, multicast, reserved, unspecified, shared or cloud-metadata
address, IPv4-mapped and 6to4/Teredo forms included); the connection goes to the vetted address
itself, with the original Host header and TLS server name, so a second DNS answer cannot switch it
(DNS rebinding); redirects are followed by hand and every hop is vetted the same way. Time and size
are bounded: a per-operation timeout, an overall deadline, and a cap on the (decompressed) body.

Standard library only.
"""

from __future__ import annotations

import html
import http.client
import ipaddress
import re
import socket
import ssl
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from summarizers.article import Article, article_from_html, article_from_text, decode_bytes
from summarizers.errors import FetchError, TransientFetchError
from summarizers.feeds import (
    FEED_HINT,
    FEED_TYPES,
    MAX_FEED_BYTES,
    Feed,
    FeedError,
    parse_feed,
)

MAX_REDIRECTS = 5
_TOO_SLOW = "The site took too long to answer. Try again later."
USER_AGENT = "newsbrief/0.1 (+https://github.com/newsbrief; article summarizer)"
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain"})
_CHUNK = 64 * 1024

# Cloud instance-metadata endpoints; most are link-local anyway, listed so the intent is explicit.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)
# Shared address space (carrier-grade NAT) and NAT64 prefixes that embed private IPv4 targets.
_EXTRA_BLOCKED = tuple(
    ipaddress.ip_network(n) for n in ("100.64.0.0/10", "64:ff9b::/96", "64:ff9b:1::/48")
)

Resolver = Callable[[str, int], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _default_resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        addr = str(sockaddr[0]).split("%", 1)[0]  # drop an IPv6 zone id
        if addr not in seen:
            seen.append(addr)
    return seen


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _EXTRA_BLOCKED[1] or ip in _EXTRA_BLOCKED[2]:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def blocked_reason(address: str | IPAddress) -> str | None:
    """Why the bot must not connect to `address`, or None if it is a public address."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            reason = blocked_reason(inner)
            if reason:
                return reason
    checks = (
        ("is_unspecified", "an unspecified address"),
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_private", "a private network address"),
        ("is_reserved", "a reserved address"),
    )
    for attr, reason in checks:
        if getattr(ip, attr):
            return reason
    if ip in _EXTRA_BLOCKED[0]:
        return "a shared (carrier-grade NAT) address"
    if not ip.is_global:
        return "a non-public address"
    return None


def _vet(host: str, port: int, resolve: Resolver, allow_private: bool) -> list[str]:
    try:
        addresses = resolve(host, port)
    except socket.gaierror as err:
        # EAI_AGAIN: the name server did not answer this time; anything else: no such site.
        kind = TransientFetchError if err.errno == socket.EAI_AGAIN else FetchError
        raise kind(f"Could not find the site {host!r}. Check the link and try again.") from err
    except (OSError, UnicodeError) as err:
        raise FetchError(
            f"Could not find the site {host!r}. Check the link and try again."
        ) from err
    if not addresses:
        raise FetchError(f"Could not find the site {host!r}. Check the link and try again.")
    if not allow_private:
        # Refuse if any answer is internal: a mixed answer is how rebinding tricks start.
        for addr in addresses:
            reason = blocked_reason(addr)
            if reason:
                raise FetchError(
                    f"That link points to {reason}, which newsbrief does not fetch. "
                    "Send a link to a public news site."
                )
    return addresses


def _open_socket(ip: str, port: int, timeout: float) -> socket.socket:
    """The one place a socket is opened (tests route a made-up public address to a local server)."""
    return socket.create_connection((ip, port), timeout)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to a given IP address while `host` (and so the Host header) stays the name."""

    def __init__(self, host: str, port: int, ip: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._ip = ip

    def connect(self) -> None:
        self.sock = _open_socket(self._ip, self.port, self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(
        self, host: str, port: int, ip: str, timeout: float, context: ssl.SSLContext
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._ip = ip
        self._ctx = context

    def connect(self) -> None:
        sock = _open_socket(self._ip, self.port, self.timeout)
        # SNI and certificate checking use the name from the URL, not the address.
        self.sock = self._ctx.wrap_socket(sock, server_hostname=self.host)


def _split(url: str) -> tuple[str, str, int, str]:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as err:
        raise FetchError("That link is not a valid web address.") from err
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError("newsbrief fetches only http:// and https:// links.")
    host = parts.hostname or ""
    if not host:
        raise FetchError("That link has no site name in it.")
    if parts.username or parts.password:
        raise FetchError("newsbrief does not fetch links that carry a user name or password.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, host, port or (443 if scheme == "https" else 80), path


class _Deadline:
    def __init__(self, timeout: float, total: float) -> None:
        self.timeout = timeout
        self.end = time.monotonic() + total

    def left(self) -> float:
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            raise TransientFetchError(_TOO_SLOW)
        return min(self.timeout, remaining)


def _read_body(
    resp: http.client.HTTPResponse, sock: socket.socket | None, max_bytes: int, deadline: _Deadline
) -> bytes:
    encoding = (resp.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding in ("gzip", "x-gzip"):
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        inflater = zlib.decompressobj()
    elif encoding == "identity":
        inflater = None
    else:
        raise FetchError("The site sent the page in an encoding newsbrief cannot read.")
    too_big = FetchError(
        f"That page is larger than {max_bytes:,} bytes, more than newsbrief reads at once."
    )
    declared = resp.getheader("Content-Length")
    if inflater is None and declared and declared.isdigit() and int(declared) > max_bytes:
        raise too_big
    out = bytearray()
    while True:
        if sock is not None:
            sock.settimeout(deadline.left())
        else:
            deadline.left()
        # read1: at most one recv per call, so a server dripping bytes cannot outlast the deadline.
        chunk = resp.read1(_CHUNK)
        if not chunk:
            break
        if inflater is not None:
            try:
                # max_length bounds what one chunk may inflate to (decompression bombs).
                chunk = inflater.decompress(chunk, max_bytes + 1 - len(out))
            except zlib.error as err:
                raise TransientFetchError("The site sent a damaged page. Try again later.") from err
        out += chunk
        if len(out) > max_bytes:
            raise too_big
    return bytes(out)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def _sniff_charset(head: bytes) -> str | None:
    match = _META_CHARSET.search(head[:4096])
    return match.group(1).decode("ascii") if match else None


@dataclass
class Fetched:
    """A page as the site sent it, after redirects."""

    url: str
    host: str
    content_type: str  # "" when the site did not say
    charset: str | None
    body: bytes


def fetch(
    url: str,
    *,
    accept: frozenset[str],
    what: str = "a web page",
    hint: str = "newsbrief reads HTML and plain-text articles; paste the text instead.",
    timeout: float = 10,
    max_bytes: int = 5_000_000,
    allow_private: bool = False,
    total_timeout: float | None = None,
    resolve: Resolver | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> Fetched:
    """GET `url`, refusing any content type outside `accept` (`what` names them for the user,
    and `hint` says what to do instead).

    `timeout` bounds each connect and read; `total_timeout` (default 3 x timeout) the whole fetch,
    redirects included. `allow_private` lets tests reach a server on 127.0.0.1 and must never be
    set from user input. `resolve(host, port) -> [ip, ...]` and `ssl_context` exist for tests.
    Raises FetchError with a message for the user.
    """
    resolve = resolve or _default_resolve
    deadline = _Deadline(timeout, total_timeout if total_timeout is not None else 3 * timeout)
    context = ssl_context or ssl.create_default_context()
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        scheme, host, port, path = _split(current)
        addresses = _vet(host, port, resolve, allow_private)
        resp, conn = _request(scheme, host, port, path, addresses, deadline, context)
        try:
            if resp.status in (301, 302, 303, 307, 308):
                location = resp.getheader("Location")
                if not location:
                    raise FetchError("The site redirected without saying where to.")
                current = urljoin(current, location.strip())
                continue
            if resp.status >= 400:  # a server error, 408 or 429 may be over by the next try
                raise (TransientFetchError if resp.status >= 500 or resp.status in (408, 429)
                       else FetchError)(
                    f"The site answered {resp.status} {resp.reason or ''}".rstrip()
                    + f". Check the link. {hint}"
                )
            if resp.status != 200:
                raise FetchError(f"The site answered with status {resp.status}, not a page.")
            ctype = resp.headers.get_content_type() if resp.getheader("Content-Type") else ""
            if ctype and ctype not in accept:
                found = "a PDF" if ctype == "application/pdf" else f"a file of type {ctype}"
                raise FetchError(
                    f"That link leads to {found}, not {what}. {hint}")
            charset = resp.headers.get_content_charset()
            body = _read_body(resp, conn.sock, max_bytes, deadline)
        except TimeoutError as err:
            raise TransientFetchError(_TOO_SLOW) from err
        except (OSError, http.client.HTTPException) as err:
            raise TransientFetchError(
                "The connection to the site broke off. Try again later.") from err
        finally:
            conn.close()
        return Fetched(current, host, ctype, charset, body)
    raise FetchError(f"The link redirected more than {MAX_REDIRECTS} times; newsbrief gave up.")


def fetch_article(url: str, **options: Any) -> Article:
    """Fetch `url` and extract its article (options as for `fetch`). Raises FetchError, or
    InputError when the page holds no article."""
    page = fetch(url, accept=HTML_TYPES | TEXT_TYPES, **options)
    if page.content_type in HTML_TYPES or (not page.content_type
                                           and page.body.lstrip()[:1] == b"<"):
        text = decode_bytes(page.body, page.charset or _sniff_charset(page.body))
        return article_from_html(text, source=page.host, url=page.url)
    return article_from_text(decode_bytes(page.body, page.charset), source=page.host)


_FEED_LINK = re.compile(
    r"""<link\b[^>]*\btype\s*=\s*["']application/(?:rss|atom|feed)\+(?:xml|json)["'][^>]*>""",
    re.I)
_HREF = re.compile(r"""\bhref\s*=\s*["']([^"']+)["']""", re.I)


def fetch_feed(url: str, **options: Any) -> Feed:
    """Fetch and read the feed at `url` (options as for `fetch`). A web page that names its
    feed (<link rel="alternate" type="application/rss+xml" href=...>) leads to that feed."""
    page = fetch(url, accept=FEED_TYPES | HTML_TYPES, what="a news feed", hint=FEED_HINT,
                 **options)
    if page.content_type in HTML_TYPES:
        head = decode_bytes(page.body[:200_000], page.charset or _sniff_charset(page.body))
        link = _FEED_LINK.search(head)
        href = _HREF.search(link.group(0)) if link else None
        if href is None:
            raise FeedError("That link is a web page that names no news feed. " + FEED_HINT)
        page = fetch(urljoin(page.url, html.unescape(href.group(1))),
                     accept=FEED_TYPES, what="a news feed", hint=FEED_HINT, **options)
    if len(page.body) > MAX_FEED_BYTES:  # a page may be bigger; a feed that big is no feed
        raise FeedError(f"That feed is over {MAX_FEED_BYTES:,} bytes, more than newsbrief reads.")
    return parse_feed(page.body, url=page.url, charset=page.charset)


def _request(
    scheme: str,
    host: str,
    port: int,
    path: str,
    addresses: list[str],
    deadline: _Deadline,
    context: ssl.SSLContext,
) -> tuple[http.client.HTTPResponse, http.client.HTTPConnection]:
    last: Exception | None = None
    for ip in addresses:
        if scheme == "https":
            conn: http.client.HTTPConnection = _PinnedHTTPSConnection(
                host, port, ip, deadline.left(), context
            )
        else:
            conn = _PinnedHTTPConnection(host, port, ip, deadline.left())
        try:
            conn.request(
                "GET",
                path,
                headers={
                    "User-Agent": USER_AGENT,
                    "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1",
                    "Accept-Encoding": "gzip, deflate",
                    "Connection": "close",
                },
            )
            if conn.sock is not None:
                conn.sock.settimeout(deadline.left())
            return conn.getresponse(), conn
        except ssl.SSLError as err:
            conn.close()
            raise FetchError(
                f"The secure connection to {host} failed ({err.reason or 'TLS error'}). "
                "newsbrief only reads sites with a valid certificate."
            ) from err
        except TimeoutError as err:
            conn.close()
            last = TransientFetchError(_TOO_SLOW)
            last.__cause__ = err
        except (OSError, http.client.HTTPException) as err:
            conn.close()
            last = TransientFetchError(
                f"Could not connect to {host}. The site may be down; try later.")
            last.__cause__ = err
    assert last is not None
    raise last
