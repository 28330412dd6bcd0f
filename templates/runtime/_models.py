"""Base class of every generated model.

Models keep fields they do not know (``extra="allow"``) so a gateway that adds a field never
breaks a user, and build their validators on first use (``defer_build``) so importing the
package stays cheap.
"""

from __future__ import annotations

from typing import Any

import pydantic


class BaseModel(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(
        extra="allow",
        populate_by_name=True,
        defer_build=True,
        protected_namespaces=(),
    )

    def to_dict(self) -> dict[str, Any]:
        """The JSON-compatible dict with the wire names, leaving out fields that were not set."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)

    def to_json(self) -> str:
        """The JSON text with the wire names, leaving out fields that were not set."""
        return self.model_dump_json(by_alias=True, exclude_unset=True)


class UnknownEvent(BaseModel):
    """A stream event whose type this version of relaykit does not know. Yielded, never dropped:
    ``event`` is the SSE event name (if any) and ``data`` the decoded JSON payload."""

    event: str | None = None
    type: str | None = None
    data: Any = None
