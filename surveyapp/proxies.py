"""Trust ``X-Forwarded-For`` / ``X-Forwarded-Proto`` only from the configured reverse proxies.

Werkzeug's ProxyFix takes the client address from the last ``PROXY_COUNT`` entries of
``X-Forwarded-For``; it is applied only when the direct peer is one of ``PROXY_ADDRESSES``
(addresses or networks, comma-separated), so a client reaching the app directly cannot pass
a made-up address. With ``PROXY_COUNT = 0`` (the default) the headers are ignored.
"""

from __future__ import annotations

from ipaddress import ip_address, ip_network

from werkzeug.middleware.proxy_fix import ProxyFix


class TrustedProxyFix:
    """WSGI middleware: ProxyFix for requests whose direct peer is a configured proxy."""

    def __init__(self, wsgi_app, count: int, addresses: str | list[str]):
        if isinstance(addresses, str):
            addresses = [part.strip() for part in addresses.split(",")]
        self.wsgi_app = wsgi_app
        self.count = int(count)
        self.networks = [ip_network(part, strict=False) for part in addresses if part]
        self.fixed = ProxyFix(wsgi_app, x_for=self.count, x_proto=1) if self.count > 0 else None

    def _from_proxy(self, peer: str | None) -> bool:
        try:
            address = ip_address(peer or "")
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def __call__(self, environ, start_response):
        if self.fixed is not None and self._from_proxy(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        return self.wsgi_app(environ, start_response)
