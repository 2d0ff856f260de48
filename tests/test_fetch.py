"""fetch_article against a real local HTTP(S) server: extraction, address vetting, limits."""

from __future__ import annotations

import gzip
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from summarizers import fetch
from summarizers.errors import FetchError
from summarizers.fetch import blocked_reason, fetch_article

PUBLIC_IP = "93.184.216.34"  # a public address the tests pretend news.example resolves to

ARTICLE_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>Harbour bridge reopens after repairs</title></head>
<body>
<nav><a href="/">Home</a> | <a href="/world">World</a> | <a href="/sport">Sport</a></nav>
<article>
<h1>Harbour bridge reopens after repairs</h1>
<p>The harbour bridge in Port Ellis reopened to traffic on Monday after eight months of repairs,
the city council said, ending long detours for thousands of commuters.</p>
<p>Engineers replaced the corroded steel cables that had forced the closure last spring, and the
council said the work was finished two weeks ahead of schedule and within its budget.</p>
<p>Mayor Lena Ortiz thanked residents for their patience and said the bridge would be inspected
every year from now on, so that the problem would not be found so late again.</p>
<p>Local shop owners said trade on the north side of the river had fallen by a third during the
closure, and they hoped customers would now come back in the weeks before the holidays.</p>
</article>
<footer>Copyright 2024 Port Ellis Gazette</footer>
</body></html>
"""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen_hosts: list[str] = []

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: bytes, ctype: str, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        type(self).seen_hosts.append(self.headers.get("Host", ""))
        path = self.path
        if path == "/article":
            self._send(200, ARTICLE_HTML.encode(), "text/html; charset=utf-8")
        elif path == "/gzip":
            self._send(
                200,
                gzip.compress(ARTICLE_HTML.encode()),
                "text/html; charset=utf-8",
                {"Content-Encoding": "gzip"},
            )
        elif path == "/latin1":
            html = ARTICLE_HTML.replace("Mayor Lena Ortiz", "Mayor Zoë Ortiz")
            self._send(200, html.encode("iso-8859-1"), "text/html; charset=iso-8859-1")
        elif path == "/text":
            text = "Harbour bridge reopens\n\n" + " ".join(
                p.strip() for p in ARTICLE_HTML.split("<p>")[1:5]
            ).replace("</p>", "")
            self._send(200, text.encode(), "text/plain")
        elif path == "/pdf":
            self._send(200, b"%PDF-1.4 not really", "application/pdf")
        elif path == "/image":
            self._send(200, b"\x89PNG\r\n\x1a\n", "image/png")
        elif path == "/big":
            self._send(
                200, b"<html><body>" + b"<p>word </p>" * 5000 + b"</body></html>", "text/html"
            )
        elif path == "/big-unsized":
            # No Content-Length: the size shows only while reading, so the cap applies mid-stream.
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Connection", "close")
            self.end_headers()
            for _ in range(200):
                self.wfile.write(b"<p>" + b"word " * 200 + b"</p>")
            self.close_connection = True
        elif path == "/slow":
            time.sleep(3)
            self._send(200, ARTICLE_HTML.encode(), "text/html")
        elif path == "/missing":
            self._send(404, b"not here", "text/plain")
        elif path == "/busy":
            self._send(429, b"slow down", "text/plain")
        elif path.startswith("/redirect?to="):
            self._send(302, b"", "text/plain", {"Location": path.split("=", 1)[1]})
        elif path == "/loop":
            self._send(301, b"", "text/plain", {"Location": "/loop"})
        else:
            self._send(500, b"?", "text/plain")


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadingHTTPServer]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def base(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch, server: ThreadingHTTPServer) -> dict:
    """news.example -> a public IP that is routed to the local server; internal.example -> 10.x."""
    table = {"news.example": [PUBLIC_IP], "internal.example": ["10.1.2.3"]}
    connects: list[tuple[str, int]] = []
    real_port = server.server_address[1]

    def opener(ip: str, port: int, timeout: float) -> socket.socket:
        connects.append((ip, port))
        assert ip == PUBLIC_IP, f"fetch tried to connect to {ip}"
        return socket.create_connection(("127.0.0.1", real_port), timeout)

    monkeypatch.setattr(fetch, "_open_socket", opener)
    return {"resolve": lambda host, port: table.get(host, []), "connects": connects}


# -- fetching and extracting ---------------------------------------------------------------------
def test_fetches_html_and_extracts_title_and_body(base: str) -> None:
    art = fetch_article(f"{base}/article", allow_private=True)
    assert art.title == "Harbour bridge reopens after repairs"
    assert "corroded steel cables" in art.body
    assert "Copyright 2024" not in art.body
    assert art.url == f"{base}/article"


def test_gzip_body_is_decoded(base: str) -> None:
    assert "Mayor Lena Ortiz" in fetch_article(f"{base}/gzip", allow_private=True).body


def test_declared_charset_is_used(base: str) -> None:
    assert "Zoë Ortiz" in fetch_article(f"{base}/latin1", allow_private=True).body


def test_plain_text_is_accepted(base: str) -> None:
    art = fetch_article(f"{base}/text", allow_private=True)
    assert "harbour bridge in Port Ellis" in art.body


def test_public_name_connects_to_vetted_ip_with_original_host_header(fake_dns: dict) -> None:
    _Handler.seen_hosts.clear()
    art = fetch_article("http://news.example/article", resolve=fake_dns["resolve"])
    assert "Harbour bridge" in art.title
    assert fake_dns["connects"] == [(PUBLIC_IP, 80)]
    assert _Handler.seen_hosts == ["news.example"]


# -- address vetting -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0x7f000001/",
        "http://2130706433/",
        "http://0.0.0.0/",
    ],
)
def test_internal_addresses_are_refused(url: str) -> None:
    with pytest.raises(FetchError) as err:
        fetch_article(url)
    assert "does not fetch" in str(err.value)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.9.8.7",
        "172.16.0.1",
        "192.168.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "224.0.0.1",
        "240.0.0.1",
        "0.0.0.0",
        "::",
        "::1",
        "fe80::1",
        "fc00::1",
        "fd00:ec2::254",
        "ff02::1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "2002:7f00:1::",  # 6to4 wrapping 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 wrapping 10.0.0.1
    ],
)
def test_blocked_reason_covers_internal_ranges(address: str) -> None:
    assert blocked_reason(address) is not None


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert blocked_reason(address) is None


def test_name_resolving_to_any_private_address_is_refused() -> None:
    with pytest.raises(FetchError, match="private"):
        fetch_article("http://mixed.example/", resolve=lambda h, p: [PUBLIC_IP, "10.0.0.7"])


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://news.example/a", "gopher://x/"])
def test_only_http_and_https(url: str) -> None:
    with pytest.raises(FetchError, match="only http"):
        fetch_article(url)


def test_redirect_to_private_name_is_refused_before_connecting(fake_dns: dict) -> None:
    with pytest.raises(FetchError, match="private"):
        fetch_article(
            "http://news.example/redirect?to=http://internal.example/admin",
            resolve=fake_dns["resolve"],
        )
    # Only the first, vetted hop was ever connected to.
    assert fake_dns["connects"] == [(PUBLIC_IP, 80)]


def test_redirect_to_metadata_literal_is_refused(fake_dns: dict) -> None:
    with pytest.raises(FetchError, match="metadata"):
        fetch_article(
            "http://news.example/redirect?to=http://169.254.169.254/latest/",
            resolve=lambda h, p: [h] if h[0].isdigit() else fake_dns["resolve"](h, p),
        )
    assert fake_dns["connects"] == [(PUBLIC_IP, 80)]


def test_redirect_to_public_page_is_followed(fake_dns: dict) -> None:
    art = fetch_article("http://news.example/redirect?to=/article", resolve=fake_dns["resolve"])
    assert "Port Ellis" in art.body
    assert art.url == "http://news.example/article"


def test_redirect_loop_stops(fake_dns: dict) -> None:
    with pytest.raises(FetchError, match="redirected more than"):
        fetch_article("http://news.example/loop", resolve=fake_dns["resolve"])
    assert len(fake_dns["connects"]) == fetch.MAX_REDIRECTS + 1


# -- limits and failures -------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/big", "/big-unsized"])
def test_oversize_body_is_refused(base: str, path: str) -> None:
    with pytest.raises(FetchError, match="larger than"):
        fetch_article(f"{base}{path}", allow_private=True, max_bytes=20_000)


@pytest.mark.parametrize(("path", "what"), [("/pdf", "PDF"), ("/image", "image/png")])
def test_wrong_content_type_is_refused(base: str, path: str, what: str) -> None:
    with pytest.raises(FetchError, match=what):
        fetch_article(f"{base}{path}", allow_private=True)


def test_http_error_status(base: str) -> None:
    with pytest.raises(FetchError, match="404"):
        fetch_article(f"{base}/missing", allow_private=True)


def test_what_may_work_later_is_told_apart_from_what_will_not(base: str) -> None:
    """A digest tries a page again only when the failure may pass: a timeout, a refused
    connection, a server error, 429; not a missing page or a name that does not exist."""
    from summarizers.errors import TransientFetchError

    for path in ("/busy", "/nope-500", "/slow"):
        with pytest.raises(TransientFetchError):
            fetch_article(f"{base}{path}", allow_private=True, timeout=0.3)
    with pytest.raises(FetchError) as err:
        fetch_article(f"{base}/missing", allow_private=True)
    assert not isinstance(err.value, TransientFetchError)

    def no_answer_now(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    def no_such_name(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(TransientFetchError, match="Could not find"):
        fetch_article("http://news.example/", resolve=no_answer_now)
    with pytest.raises(FetchError, match="Could not find") as err:
        fetch_article("http://news.example/", resolve=no_such_name)
    assert not isinstance(err.value, TransientFetchError)


def test_timeout(base: str) -> None:
    with pytest.raises(FetchError, match="too long"):
        fetch_article(f"{base}/slow", allow_private=True, timeout=0.3)


def test_unreachable_port() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    with pytest.raises(FetchError, match="Could not connect"):
        fetch_article(f"http://127.0.0.1:{port}/", allow_private=True, timeout=2)


def test_unknown_host() -> None:
    with pytest.raises(FetchError, match="Could not find"):
        fetch_article("http://nowhere.invalid/", resolve=lambda h, p: [])


# -- https: the TLS server name and certificate check use the URL's name, not the address -------
@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    tmp = tmp_path_factory.mktemp("tls")
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=news.example"]
        + ["-addext", "subjectAltName=DNS:news.example"],
        check=True,
        capture_output=True,
    )
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv.server_address[1], cert
    srv.shutdown()
    srv.server_close()


def _route_tls(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    def opener(ip: str, _port: int, timeout: float) -> socket.socket:
        assert ip == PUBLIC_IP
        return socket.create_connection(("127.0.0.1", port), timeout)

    monkeypatch.setattr(fetch, "_open_socket", opener)


def test_https_uses_hostname_for_sni_and_verification(
    tls_server: tuple[int, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, cert = tls_server
    _route_tls(monkeypatch, port)
    ctx = ssl.create_default_context(cafile=str(cert))
    table = {"news.example": [PUBLIC_IP], "other.example": [PUBLIC_IP]}
    art = fetch_article(
        "https://news.example/article", resolve=lambda h, p: table[h], ssl_context=ctx
    )
    assert "Port Ellis" in art.body
    # Same address, different name: the certificate does not match, so it must fail.
    with pytest.raises(FetchError, match="secure connection"):
        fetch_article(
            "https://other.example/article", resolve=lambda h, p: table[h], ssl_context=ctx
        )
