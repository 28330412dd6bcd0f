"""Security schemes drive the client's auth: the header, its value and the client setting that
fills it come from components.securitySchemes (x-relaykit-credential), so a new scheme needs
only a spec change; a scheme the client cannot send stops the generator with its pointer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from generator.security import auth_table

from .test_generator import ROOT_DOC, family, load_package, restore_relaykit, run, write_spec

__all__ = ["restore_relaykit"]  # the fixture, used by name

VENDOR = {
    # A header whose name says nothing of a credential: only the table marks it as one.
    "relayPass": {"type": "apiKey", "in": "header", "name": "X-Relay-Pass", "x-relaykit-credential": "api_key"},
    "adminToken": {"type": "http", "scheme": "bearer", "x-relaykit-credential": "access_token"},
    "member": {"type": "apiKey", "in": "header", "name": "X-Member", "x-relaykit-credential": "user_id"},
}


def root_with(schemes: dict[str, Any], security: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    base = ROOT_DOC["components"]["securitySchemes"]
    return {
        **ROOT_DOC,
        "security": security if security is not None else ROOT_DOC["security"],
        "components": {"securitySchemes": {**base, **schemes}},
    }


def test_the_table_follows_the_schemes() -> None:
    doc = root_with(VENDOR)
    assert auth_table(doc) == {
        "bearerAuth": ("authorization", "Bearer {value}", "api_key"),  # no extension: the relay key
        "relayPass": ("x-relay-pass", "{value}", "api_key"),
        "adminToken": ("authorization", "Bearer {value}", "access_token"),
        "member": ("x-member", "{value}", "user_id"),
    }


def test_the_repository_spec_declares_the_setting_of_every_scheme() -> None:
    import yaml

    from .conftest import ROOT

    root = yaml.safe_load((ROOT / "spec" / "openapi.yaml").read_text())
    schemes = root["components"]["securitySchemes"]
    assert all("x-relaykit-credential" in s for s in schemes.values())
    import relaykit._security as generated

    assert generated.AUTH_SCHEMES == auth_table(root)


BROKEN = [
    ("unknown setting", {"type": "apiKey", "in": "header", "name": "X-K", "x-relaykit-credential": "password"},
     "/x-relaykit-credential: 'password' is not a client setting; use one of: api_key, access_token, user_id"),
    ("apiKey in query", {"type": "apiKey", "in": "query", "name": "key"},
     "/in: security scheme 'odd' is not supported: apiKey in 'query'"),
    ("apiKey in cookie", {"type": "apiKey", "in": "cookie", "name": "sid"},
     "/in: security scheme 'odd' is not supported: apiKey in 'cookie'"),
    ("http basic", {"type": "http", "scheme": "basic"},
     "/scheme: security scheme 'odd' is not supported: http 'basic'"),
    ("oauth2", {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "https://tiny.example/token", "scopes": {}}}},
     "/type: security scheme 'odd' is not supported: type 'oauth2'"),
]


@pytest.mark.parametrize(("name", "scheme", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_scheme_the_client_cannot_send_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, scheme: dict[str, Any], message: str) -> None:
    # Declared but used by no operation: still refused, a table entry would be wrong.
    assert run(tmp_path, write_spec(tmp_path, family(), root_with({"odd": scheme}))) == 2
    err = capsys.readouterr().err
    assert "spec/openapi.yaml#/components/securitySchemes/odd" + message in err, err
    assert "nothing was written" in err and not (tmp_path / "out").exists()


def test_an_undeclared_scheme_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, write_spec(tmp_path, family(security=[{"ghost": []}]))) == 2
    err = capsys.readouterr().err
    assert "/post/security/0: security scheme 'ghost' is not declared in components.securitySchemes" in err, err
    assert not (tmp_path / "out").exists()


def test_a_new_scheme_needs_only_the_spec(tmp_path: Path, restore_relaykit: None) -> None:
    """A vendor header and an admin token declared in the spec alone reach the wire from the
    right settings, are refused before the network when their setting is missing, and never
    follow a redirect to another origin."""
    root = root_with(VENDOR, security=[{"relayPass": []}])
    fam = family(security=[{"adminToken": [], "member": []}])
    assert run(tmp_path, write_spec(tmp_path, fam, root)) == 0
    pkg = load_package(tmp_path / "out")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "tiny.example" and request.url.path == "/moved":
            return httpx.Response(307, headers={"location": "https://elsewhere.example/v1/x"})
        return httpx.Response(200, json={"id": "w1"})

    def client(**settings: Any) -> Any:
        return pkg.Client(gateway="tiny", http_client=httpx.Client(transport=httpx.MockTransport(handler)), **settings)

    full = client(api_key="relay-pass-1", access_token="admin-token-1", user_id=7)
    full.widgets.create("s", name="bolt")
    sent = seen[-1].headers
    assert sent["authorization"] == "Bearer admin-token-1" and sent["x-member"] == "7"
    assert "x-relay-pass" not in sent  # the operation's own security replaces the default

    # client.request() sends the spec's default requirement: the vendor header.
    full.request("GET", "/v1/ping")
    assert seen[-1].headers["x-relay-pass"] == "relay-pass-1" and "authorization" not in seen[-1].headers

    count = len(seen)
    with pytest.raises(pkg.RelaykitError, match="this call needs user_id"):
        client(api_key="relay-pass-1", access_token="admin-token-1").widgets.create("s", name="bolt")
    assert len(seen) == count

    with pytest.raises(pkg.ArgumentError, match="unknown security scheme 'bearer'"):
        full.request("GET", "/v1/ping", auth=("bearer",))
    assert len(seen) == count

    # The redirect leaves the origin: none of the table's headers goes with it.
    full.request("GET", "/moved", auth=("relayPass", "adminToken", "member"))
    there = seen[-1]
    assert there.url.host == "elsewhere.example"
    assert not {"x-relay-pass", "x-member", "authorization"} & set(there.headers)
    assert "relay-pass-1" not in str(there.headers.raw)
