"""The auth table: for each security scheme of the spec, the header it puts on a request, the
value's template and the client setting that fills it (``x-relaykit-credential``)."""

from __future__ import annotations

from typing import Any

from .errors import SpecError, pointer

CREDENTIAL = "x-relaykit-credential"
# The client settings a scheme can draw on (constructor arguments of Client and AsyncClient).
CREDENTIAL_SETTINGS = ("api_key", "access_token", "user_id")
SUPPORTED = "relaykit sends http bearer and apiKey in header"


def auth_table(doc: dict[str, Any], locate: Any = None) -> dict[str, tuple[str, str, str]]:
    """{scheme name: (header name, value template with ``{value}``, client setting)} from
    ``components.securitySchemes``. A scheme relaykit cannot send stops the generator with its
    JSON pointer; ``locate`` turns the pointer into ``file#pointer``."""
    locate = locate or (lambda ptr: "#" + ptr)
    table: dict[str, tuple[str, str, str]] = {}
    for name, scheme in (doc.get("components", {}).get("securitySchemes") or {}).items():
        entry, problem = _entry(name, scheme)
        if problem is not None:
            raise SpecError(locate(pointer("components", "securitySchemes", name, problem[0])), problem[1])
        table[name] = entry
    return table


def scheme_names(doc: dict[str, Any], requirements: list[dict[str, Any]], where: str) -> list[list[str]]:
    """The scheme names of each requirement object, each checked against the table."""
    known = (doc.get("components", {}).get("securitySchemes") or {}).keys()
    out = []
    for i, requirement in enumerate(requirements):
        for scheme in requirement:
            if scheme not in known:
                raise SpecError(f"{where}/{i}", f"security scheme {scheme!r} is not declared in components.securitySchemes")
        out.append(list(requirement))
    return out


def _entry(name: str, scheme: dict[str, Any]) -> tuple[tuple[str, str, str], tuple[str, str] | None]:
    """The table entry of one scheme, or (where in it, what is wrong)."""
    setting = scheme.get(CREDENTIAL, "api_key")
    none = ("", "", "")
    if setting not in CREDENTIAL_SETTINGS:
        return none, (CREDENTIAL, f"{setting!r} is not a client setting; use one of: {', '.join(CREDENTIAL_SETTINGS)}")
    kind = scheme.get("type")
    if kind == "http":
        if str(scheme.get("scheme", "")).lower() != "bearer":
            return none, ("scheme", f"security scheme {name!r} is not supported: http {scheme.get('scheme')!r} ({SUPPORTED})")
        return ("authorization", "Bearer {value}", setting), None
    if kind == "apiKey":
        if scheme.get("in") != "header":
            return none, ("in", f"security scheme {name!r} is not supported: apiKey in {scheme.get('in')!r} ({SUPPORTED})")
        return (str(scheme["name"]).lower(), "{value}", setting), None
    return none, ("type", f"security scheme {name!r} is not supported: type {kind!r} ({SUPPORTED})")
