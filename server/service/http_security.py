"""Who may talk to the HTTP endpoint: the checks that keep web pages and strangers out.

A debugger that accepts POSTs runs code in the target (`call`), so a page in the user's
browser must never reach it:
- Host must name this server (loopback names or the listen address, with the port the
  request came in on): a DNS-rebinding page sends its own host name.
- Origin, which browsers add to cross-site requests, is refused unless --allow-origin names it.
- POST bodies must be application/json: the only types a page can post without a CORS
  preflight are forms and text/plain.
- With a token (--auth-token, PYDLV_AUTH_TOKEN) every request needs `Authorization: Bearer`.
Pure functions of the request's headers: the aiohttp layer turns a Refusal into a reply.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from dataclasses import field

from ..records import record
from .peercheck import is_loopback

MAX_BODY = 10 * 1024 * 1024
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})


@record(frozen=True)
class Refusal:
    status: int
    reason: str


@record(frozen=True)
class HttpPolicy:
    listen_hosts: frozenset[str] = frozenset()  # hosts of the listen addresses, as given
    allowed_origins: frozenset[str] = frozenset()
    token: str = ""
    max_body: int = MAX_BODY
    # On a non-loopback address the token (mandatory there) is the guard: remote users reach
    # the server under names it cannot know, so any Host with the right port is accepted.
    any_host: bool = False
    host_names: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        names = set(LOOPBACK_NAMES)
        for host in self.listen_hosts:
            h = host.strip("[]").lower()
            names.add(f"[{h}]" if ":" in h else h)
        object.__setattr__(self, "host_names", frozenset(names))


def make_policy(listens: Iterable[str], origins: Iterable[str], token: str) -> HttpPolicy:
    hosts = frozenset(addr.rpartition(":")[0] or "127.0.0.1" for addr in listens)
    non_loopback = any(not is_loopback(h.strip("[]") or "0.0.0.0") for h in hosts)
    return HttpPolicy(
        listen_hosts=hosts,
        allowed_origins=frozenset(normalize_origin(o) for o in origins if o),
        token=token,
        any_host=non_loopback,
    )


def normalize_origin(origin: str) -> str:
    return origin.strip().rstrip("/").lower()


def _split_host(host: str) -> tuple[str, str]:
    h = host.strip().lower()
    if h.startswith("["):
        end = h.find("]") + 1
        rest = h[end:]
        return h[:end], rest[1:] if rest.startswith(":") else ""
    name, _, port = h.partition(":")
    return name, port


def check_host(policy: HttpPolicy, host: str | None, port: int | None) -> Refusal | None:
    """port: the local port the request came in on; None on a unix socket (no browser there)."""
    if port is None:
        return None
    if not host:
        return Refusal(403, "missing Host header")
    name, given_port = _split_host(host)
    if given_port != str(port) or (not policy.any_host and name not in policy.host_names):
        return Refusal(403, f"Host {host!r} is not this debug server (use 127.0.0.1:{port}): "
                            "other host names are refused against DNS rebinding")
    return None


def check_origin(policy: HttpPolicy, origin: str | None) -> Refusal | None:
    if origin is None or normalize_origin(origin) in policy.allowed_origins:
        return None
    return Refusal(403, f"Origin {origin!r} is not allowed: requests from web pages are refused "
                        "unless --allow-origin names their origin")


def check_token(policy: HttpPolicy, authorization: str | None) -> Refusal | None:
    if not policy.token:
        return None
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), policy.token.encode()):
        return Refusal(401, "missing or wrong token: send 'Authorization: Bearer TOKEN' "
                            "(the server's --auth-token or PYDLV_AUTH_TOKEN)")
    return None


def check_content_type(content_type: str | None) -> Refusal | None:
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime == "application/json":
        return None
    return Refusal(403, f"Content-Type {content_type or '(none)'!r} is refused: send JSON-RPC as "
                        "application/json (curl: -H 'Content-Type: application/json')")


def check_request(policy: HttpPolicy, method: str, headers: Mapping[str, str], port: int | None) -> Refusal | None:
    """The first refusal that applies to a request's head, or None to serve it."""
    refusal = check_host(policy, headers.get("Host"), port) or check_origin(policy, headers.get("Origin"))
    if refusal is not None:
        return refusal
    if method == "OPTIONS" and headers.get("Origin") is not None:
        return None  # an allowed origin's CORS preflight carries no credentials
    refusal = check_token(policy, headers.get("Authorization"))
    if refusal is None and method == "POST":
        refusal = check_content_type(headers.get("Content-Type"))
    return refusal


def body_too_large(policy: HttpPolicy, content_length: int | None) -> Refusal | None:
    if content_length is not None and content_length > policy.max_body:
        return Refusal(413, f"request body of {content_length} bytes is over the limit of {policy.max_body}")
    return None
