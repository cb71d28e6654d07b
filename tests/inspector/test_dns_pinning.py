"""DNS rebinding (issue 20, safe crawling): the crawler resolves a host once per request, checks the address
and connects to that very address, whatever a second lookup would answer; TLS still sends and verifies the
host name (SNI) and the Host header still carries it.

The test resolver answers the registered name with the local fixture server first, then with an address of
the "internal network" (192.0.2.0/24, TEST-NET-1, stands for it here: the test crawler refuses it and counts
127.0.0.1 as public, since nothing else can be served offline)."""

from __future__ import annotations

import ipaddress
import shutil
import socket
import ssl
import subprocess

import pytest
import requests
from pytest_httpserver import HTTPServer

from surveyapp.inspector.crawler import Crawler
from tests.inspector.test_fixture_sites import UA, page, serve

NAME = "pinned.test"
INTERNAL = ipaddress.ip_network("192.0.2.0/24")


class TestCrawler(Crawler):
    """Refuses the stand-in internal network only (the real rule refuses 127.0.0.1 as well)."""

    __test__ = False

    def refused(self, address) -> bool:
        return address in INTERNAL


@pytest.fixture
def rebinding(monkeypatch):
    """A resolver whose first answer for NAME is 127.0.0.1 and every later one 192.0.2.1 (every other name
    resolves as usual). Returns the list of answers given."""
    real = socket.getaddrinfo
    answers: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host != NAME:
            return real(host, port, *args, **kwargs)
        address = "127.0.0.1" if not answers else "192.0.2.1"
        answers.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port or 80)))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


def test_the_connection_goes_to_the_checked_address(httpserver, rebinding):
    serve(httpserver, "/robots.txt", "", status=404)
    serve(httpserver, "/", page("首页"))
    serve(httpserver, "/other.html", page("另一页"))
    host = f"{NAME}:{httpserver.port}"
    crawler = TestCrawler({host}, UA, timeout=3.0, min_interval=0.0)
    fetch = crawler.fetch(f"http://{host}/")
    # One lookup (checked: 127.0.0.1) served robots.txt and the page; the later answer was never used.
    assert fetch.ok and "首页" in fetch.body.decode("utf-8"), fetch.error
    assert rebinding == ["127.0.0.1"]
    assert [request.headers["Host"] for request, _ in httpserver.log] == [host, host]
    # The next request looks the name up again, gets the internal address and is refused before connecting.
    again = crawler.fetch(f"http://{host}/other.html")
    assert again.error == "private address 192.0.2.1 refused"
    assert rebinding == ["127.0.0.1", "192.0.2.1"] and len(httpserver.log) == 2


def test_a_name_that_resolves_to_a_refused_address_is_not_fetched(httpserver, rebinding):
    rebinding.append("used up")  # every answer is now the internal address
    host = f"{NAME}:{httpserver.port}"
    fetch = TestCrawler({host}, UA, timeout=3.0, min_interval=0.0).fetch(f"http://{host}/")
    assert fetch.error == "private address 192.0.2.1 refused" and len(httpserver.log) == 0


@pytest.fixture
def named_https_server(tmp_path):
    """A local https server whose certificate names NAME only (no IP address), recording the SNI it is sent."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is missing")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", f"/CN={NAME}", "-addext", f"subjectAltName=DNS:{NAME}"],
                   check=True, capture_output=True)  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    names: list[str | None] = []
    context.sni_callback = lambda _socket, name, _context: names.append(name)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    yield server, cert, names
    server.clear()
    server.stop()


def test_tls_keeps_the_name_for_sni_and_the_certificate(named_https_server, rebinding):
    server, cert, names = named_https_server
    serve(server, "/robots.txt", "", status=404)
    serve(server, "/", page("首页"))
    session = requests.Session()
    session.verify = str(cert)
    host = f"{NAME}:{server.port}"
    fetch = TestCrawler({host}, UA, timeout=3.0, min_interval=0.0, session=session).fetch(f"https://{host}/")
    # The certificate names NAME only: verified against the name, reached at the checked address.
    assert fetch.ok and "首页" in fetch.body.decode("utf-8"), fetch.error
    assert rebinding == ["127.0.0.1"] and set(names) == {NAME}
    assert {request.headers["Host"] for request, _ in server.log} == {host}


def test_a_failed_lookup_is_not_left_to_the_connection(httpserver, monkeypatch):
    """The first lookup fails, a second one would answer: the crawler does not let the connection look the
    name up (its answer would not have been checked)."""
    real, calls = socket.getaddrinfo, []

    def getaddrinfo(host, port, *args, **kwargs):
        if host != NAME:
            return real(host, port, *args, **kwargs)
        calls.append(host)
        if len(calls) == 1:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", int(port or 80)))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    host = f"{NAME}:{httpserver.port}"
    fetch = TestCrawler({host}, UA, timeout=3.0, min_interval=0.0).fetch(f"http://{host}/")
    assert fetch.error == "connection: name not resolved" and calls == [NAME] and len(httpserver.log) == 0
