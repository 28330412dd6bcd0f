"""Base class of every generated model, and the open tagged unions.

Models keep fields they do not know (``extra="allow"``) so a gateway that adds a field never
breaks a user, and build their validators on first use (``defer_build``) so importing the
package stays cheap.

A tagged union is open: ``Annotated[A | B | UnknownVariant, OpenUnion("type")]`` validates a
known tag into its model, as a closed union would (one lookup, no extra work), and an object
with a tag the spec does not list into ``UnknownVariant``, which keeps it as it came.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Union, get_args

import pydantic
from pydantic_core import PydanticCustomError, core_schema

OPEN_UNION = "relaykit_open_union"  # metadata key marking an open union's core schema
KNOWN_VARIANT = "known variant"  # labels of the two branches (they appear in error locations)
UNKNOWN_VARIANT = "unknown variant"


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


class UnknownVariant(BaseModel):
    """A member of a tagged union whose tag this version of relaykit does not know: a new output
    item, tool, content part or block type. It holds the object as it arrived: every field is an
    attribute (``item.type``, ``item.call_id``) and ``to_dict()`` gives the object back unchanged.
    In a request, such an object is sent as given."""

    if TYPE_CHECKING:
        # Any field may be there: attribute access is typed as Any instead of refused.
        def __getattr__(self, name: str) -> Any: ...


@dataclass(frozen=True, slots=True)
class OpenUnion:
    """``Annotated[A | B | UnknownVariant, OpenUnion("type")]``: a union tagged by the field
    ``type`` that also takes tags it does not list (as ``UnknownVariant``)."""

    tag: str  # the Python name of the tag field

    def __get_pydantic_core_schema__(self, source: Any, handler: pydantic.GetCoreSchemaHandler) -> core_schema.CoreSchema:
        members = tuple(m for m in get_args(source) if m not in (UnknownVariant, type(None)))
        models = [m for m in members if isinstance(m, type) and issubclass(m, pydantic.BaseModel)]
        if len(members) == 1:
            known = handler.generate_schema(members[0])
        elif len(models) == len(members):  # a tagged union: one lookup by tag
            known = handler.generate_schema(Annotated[Union[members], pydantic.Field(discriminator=self.tag)])  # noqa: UP007
        else:  # tagged objects mixed with strings or lists: pydantic's smart union
            known = handler.generate_schema(Union[members])  # noqa: UP007
        tags: set[Any] = set()
        wire = self.tag
        for model in models:
            field = model.model_fields[self.tag]
            wire = field.alias or self.tag
            tags.update(get_args(field.annotation))
        unknown = core_schema.no_info_after_validator_function(
            _UnknownTag(wire, frozenset(tags)), handler.generate_schema(UnknownVariant)
        )
        schema = core_schema.union_schema(
            [(known, KNOWN_VARIANT), (unknown, UNKNOWN_VARIANT)],
            mode="left_to_right",
            metadata={OPEN_UNION: True},
        )
        return core_schema.nullable_schema(schema) if type(None) in get_args(source) else schema


@dataclass(frozen=True, slots=True)
class _UnknownTag:
    """Accepts an object as an unknown variant only if its tag is a string the union does not
    list: a known tag whose body does not fit stays an error (the known branch's)."""

    key: str
    known: frozenset[Any]

    def __call__(self, value: UnknownVariant) -> UnknownVariant:
        tag = (value.__pydantic_extra__ or {}).get(self.key)
        if not isinstance(tag, str):
            raise PydanticCustomError("union_tag_not_found", "no {key!r} tag naming the variant", {"key": self.key})
        if tag in self.known:
            raise PydanticCustomError("known_variant", "{tag!r} is a known variant (its fields did not fit)", {"tag": tag})
        return value


def error_list(exc: pydantic.ValidationError) -> list[Any]:
    """The errors of ``exc`` as a reader wants them: without the open unions' branch labels in
    the locations, and without the unknown branch's refusal of a known tag (the known branch's
    own errors say what is wrong)."""
    out = []
    for err in exc.errors(include_url=False):
        if err["type"] == "known_variant":
            continue
        err["loc"] = tuple(x for x in err["loc"] if x not in (KNOWN_VARIANT, UNKNOWN_VARIANT))
        out.append(err)
    return out or exc.errors(include_url=False)


class UnknownEvent(BaseModel):
    """A stream event whose type this version of relaykit does not know. Yielded, never dropped:
    ``event`` is the SSE event name (if any) and ``data`` the decoded JSON payload."""

    event: str | None = None
    type: str | None = None
    data: Any = None
