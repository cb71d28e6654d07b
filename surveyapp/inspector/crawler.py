"""Safe, polite HTTP fetching for the inspector.

* Only registered hosts (``host[:port]``, lower case) are fetched; a redirect to any other host is
  reported, not followed.
* robots.txt is obeyed (``urllib.robotparser``; a robots.txt that cannot be read because the server
  fails means "disallow all", a missing one means "allow all", as RFC 9309 says).
* One request per host at most every ``min_interval`` seconds; a timeout per request; a page budget and a
  byte budget per crawler, and a cap on each body.
* An identifying User-Agent; no JavaScript is ever run (only the bytes are read).
* Hosts that resolve to a loopback, private, link-local or otherwise reserved address are refused unless
  ``allow_private`` (setting ``INSPECT_ALLOW_PRIVATE_HOSTS``; tests and the offline demo site): a registered
  URL must not become a way to read the server's own network (SSRF). The host is resolved once per request
  and the connection goes to the address that was checked (``PinnedAdapter``: requests' documented
  ``HTTPAdapter.build_connection_pool_key_attributes`` hook gives urllib3 the address as the pool's host and
  the name as ``server_hostname``, so TLS sends the name (SNI) and verifies the certificate against it; the
  ``Host`` header keeps the name). A DNS answer that changes after the check (DNS rebinding) is never used.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import requests
from requests.adapters import HTTPAdapter

from surveyapp.inspector import host_of, refused_error  # noqa: F401  (also named here, where they are used)

MAX_REDIRECTS = 5


class PinnedAdapter(HTTPAdapter):
    """Sends a prepared request that carries ``pinned_address`` (set by ``Crawler``) to that address instead of
    resolving its host again: the pool's host is the address, TLS keeps the host name for SNI and for
    checking the certificate (urllib3's ``server_hostname``), and the request's ``Host`` header the name."""

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        address = getattr(request, "pinned_address", None)
        if address:
            if host_params["scheme"] == "https":
                pool_kwargs["server_hostname"] = host_params["host"]
            host_params["host"] = address
        return host_params, pool_kwargs


@dataclass
class Fetch:
    """A fetch's outcome. ``error`` names why there is no (complete) answer: ``not registered``,
    ``robots.txt``, ``page budget``, ``byte budget``, ``timeout``, ``redirect to unregistered host …``, or a
    connection error. ``status`` is None when no HTTP answer came back."""

    url: str
    final_url: str | None = None
    status: int | None = None
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    content_type: str | None = None
    elapsed: float = 0.0
    error: str | None = None
    truncated: bool = False
    redirects: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and self.status < 400

    @property
    def refused(self) -> bool:
        """The crawler declined to fetch by its own rules (robots.txt, registration, budgets, private
        address): a fact about the crawl, not about the site answering."""
        return refused_error(self.error)


class Crawler:
    """Fetches pages of ``allowed_hosts`` only. Thread-safe budgets; one instance per inspection run."""

    def __init__(self, allowed_hosts, user_agent: str, timeout: float = 15.0, min_interval: float = 1.0,
                 max_pages: int = 200, max_bytes: int = 20 * 1024 * 1024, max_page_bytes: int = 3 * 1024 * 1024,
                 session: requests.Session | None = None, allow_private: bool = False):  # fmt: skip
        self.allowed_hosts = {h.lower() for h in allowed_hosts}
        self.user_agent = user_agent
        self.timeout = timeout
        self.min_interval = min_interval
        self.max_pages = max_pages
        self.max_bytes = max_bytes
        self.max_page_bytes = max_page_bytes
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = user_agent
        self.session.trust_env = False  # never a proxy from the environment: we talk to the registered host
        self.session.mount("http://", PinnedAdapter())
        self.session.mount("https://", PinnedAdapter())
        self.allow_private = allow_private
        self.pages = 0
        self.bytes = 0
        self._robots: dict[str, RobotFileParser] = {}
        self._robots_problem: dict[str, str] = {}  # why a robots.txt could not be read (then nothing is fetched)
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    # --- rules --------------------------------------------------------------------------------------------

    def allowed(self, url: str) -> bool:
        host = host_of(url)
        return bool(host) and urlsplit(url).scheme in ("http", "https") and host in self.allowed_hosts

    def resolve(self, url: str) -> tuple[str | None, str | None]:
        """(address to connect to, refusal): ``url``'s host resolved once. Refused (with the address) when any
        address it resolves to is loopback, private, link-local, reserved or multicast; otherwise the first
        address, to which the request is then pinned. With ``allow_private`` nothing is checked and nothing
        pinned (None, None). A host that does not resolve gives (None, None) too: ``fetch`` then refuses it."""
        if self.allow_private:
            return None, None
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        try:
            infos = [(str(literal),)] if literal else [info[4] for info in socket.getaddrinfo(
                host, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM)]  # fmt: skip
        except (socket.gaierror, UnicodeError):
            return None, None
        addresses = [info[0].split("%")[0] for info in infos]
        for text in addresses:
            if self.refused(ipaddress.ip_address(text)):
                return None, text
        return (addresses[0] if addresses else None), None

    def refused(self, address) -> bool:
        """Whether an address may not be fetched (``allow_private`` off): anything but a global unicast one."""
        return not address.is_global or address.is_multicast

    def private_address(self, url: str) -> str | None:
        """The first refused address ``url``'s host resolves to (None: none, or private hosts are allowed)."""
        return self.resolve(url)[1]

    def _send(self, method: str, url: str, address: str | None, stream: bool = False) -> requests.Response:
        """One request, without redirects, to ``address`` when given (the checked address: see ``PinnedAdapter``)."""
        prepared = self.session.prepare_request(requests.Request(method, url))
        if address:
            prepared.pinned_address = address  # read by PinnedAdapter
            prepared.headers["Host"] = urlsplit(url).netloc.rpartition("@")[2]  # the name, not the address
        return self.session.send(prepared, timeout=self.timeout, allow_redirects=False, stream=stream)

    def _wait_turn(self, host: str) -> None:
        with self._lock:
            last = self._last.get(host)
            now = time.monotonic()
            wait = 0.0 if last is None else max(0.0, last + self.min_interval - now)
            self._last[host] = now + wait
        if wait:
            time.sleep(wait)

    def robots(self, url: str, address: str | None = None) -> RobotFileParser:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{host_of(url)}"
        if key in self._robots:
            return self._robots[key]
        parser = RobotFileParser(key + "/robots.txt")
        self._wait_turn(host_of(url))
        try:
            answer = self._send("GET", key + "/robots.txt", address)
        except requests.Timeout:
            parser.disallow_all, self._robots_problem[key] = True, "robots.txt unreachable: timeout"
        except requests.RequestException as exc:
            parser.disallow_all = True
            self._robots_problem[key] = f"robots.txt unreachable: {type(exc).__name__}"
        else:
            if answer.status_code >= 500:
                parser.disallow_all = True
                self._robots_problem[key] = f"robots.txt unreachable: HTTP {answer.status_code}"
            elif answer.status_code >= 400 or answer.status_code in (301, 302, 303, 307, 308):
                parser.allow_all = True
            else:
                parser.parse(answer.content[: 512 * 1024].decode("utf-8", errors="replace").splitlines())
        parser.modified()  # marks it as read (can_fetch answers False for a parser never read)
        self._robots[key] = parser
        return parser

    def _budget(self, extra_bytes: int = 0) -> str | None:
        if self.pages >= self.max_pages:
            return "page budget"
        if self.bytes + extra_bytes >= self.max_bytes:
            return "byte budget"
        return None

    # --- fetching ----------------------------------------------------------------------------------------------

    def fetch(self, url: str, method: str = "GET") -> Fetch:
        """GET (or HEAD) ``url`` under every rule above. Never raises for network trouble: see ``Fetch.error``."""
        result = Fetch(url=url)
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            if not self.allowed(current):
                result.error = ("not registered" if current == url
                                else f"redirect to unregistered host {host_of(current)} (not followed)")  # fmt: skip
                return result
            address, private = self.resolve(current)  # once: the request goes to this address
            if private:
                result.error = f"private address {private} refused"
                return result
            if address is None and not self.allow_private:
                # Never let the connection look the name up itself: its answer would not have been checked.
                result.error = "connection: name not resolved"
                return result
            if not self.robots(current, address).can_fetch(self.user_agent, current):
                parts = urlsplit(current)
                result.error = self._robots_problem.get(f"{parts.scheme}://{host_of(current)}", "robots.txt")
                return result
            with self._lock:
                problem = self._budget()
                if problem is None:
                    self.pages += 1
            if problem:
                result.error = problem
                return result
            self._wait_turn(host_of(current))
            started = time.monotonic()
            try:
                answer = self._send(method, current, address, stream=True)
                try:
                    body = self._read(answer, started)
                finally:
                    answer.close()
            except TimeoutError:
                result.error, result.elapsed = "timeout", time.monotonic() - started
                return result
            except requests.Timeout:
                result.error, result.elapsed = "timeout", time.monotonic() - started
                return result
            except requests.RequestException as exc:
                result.error, result.elapsed = f"connection: {type(exc).__name__}", time.monotonic() - started
                return result
            result.elapsed += time.monotonic() - started
            result.status, result.reason = answer.status_code, answer.reason or ""
            result.headers = list(answer.headers.items())
            result.content_type = answer.headers.get("Content-Type")
            if answer.is_redirect and answer.headers.get("Location"):
                result.redirects.append(current)
                try:
                    current = urljoin(current, answer.headers["Location"])
                except ValueError:  # "http://[::1" and the like: no address to follow
                    result.error = "redirect to an invalid address (not followed)"
                    return result
                continue
            body, truncated = body
            result.body, result.truncated, result.final_url = body, truncated, current
            return result
        result.error = "too many redirects"
        return result

    def _read(self, answer: requests.Response, started: float) -> tuple[bytes, bool]:
        chunks, size, truncated = [], 0, False
        for chunk in answer.iter_content(64 * 1024):
            if time.monotonic() - started > self.timeout:
                raise TimeoutError
            chunks.append(chunk)
            size += len(chunk)
            if size > self.max_page_bytes:
                truncated = True
                break
        body = b"".join(chunks)[: self.max_page_bytes]
        with self._lock:
            self.bytes += len(body)
        return body, truncated

    def probe(self, url: str) -> Fetch:
        """One availability probe: the home page answered (below 400) within the timeout. Budgets and
        robots.txt apply as to any fetch."""
        return self.fetch(url)
