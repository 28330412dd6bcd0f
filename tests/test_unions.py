"""The generator step that opens tagged unions (generator/unions.py), on small modules."""

from __future__ import annotations

import pytest

from generator.errors import SpecError
from generator.unions import open_unions

HEAD = '''from __future__ import annotations

from typing import Annotated, Literal, TypeAlias

from pydantic import Field

from ._models import BaseModel


class A(BaseModel):
    type: Literal["a"]


class B(BaseModel):
    type: Literal["b"]


class Plain(BaseModel):
    name: str
'''


def test_a_discriminated_union_is_opened_before_its_none() -> None:
    code = HEAD + '''

class Holder(BaseModel):
    item: Annotated[A | B, Field(discriminator="type", title="Item")]
    maybe: Annotated[A | B | None, Field(discriminator="type")] = None
'''
    out = open_unions(code, set())
    assert 'item: Annotated[A | B | UnknownVariant, OpenUnion("type")]' in out
    assert 'maybe: Annotated[A | B | UnknownVariant | None, OpenUnion("type")] = None' in out
    assert "from ._models import BaseModel, OpenUnion, UnknownVariant\n" in out
    compile(out, "models.py", "exec")


def test_a_stream_event_union_stays_closed() -> None:
    code = HEAD + '''
Event: TypeAlias = Annotated[A | B, Field(discriminator="type")]
Other: TypeAlias = Annotated[A | B, Field(discriminator="type")]
'''
    out = open_unions(code, {"Event"})
    assert 'Event: TypeAlias = Annotated[A | B, Field(discriminator="type")]' in out
    assert 'Other: TypeAlias = Annotated[A | B | UnknownVariant, OpenUnion("type")]' in out


def test_an_untagged_union_of_tagged_objects_is_opened() -> None:
    code = HEAD + '''

class Holder(BaseModel):
    choice: Literal["auto", "none"] | A | B | None = None
    items: list[str | A] | None = None
    mixed: A | Plain
    single: A | None = None
'''
    out = open_unions(code, set())
    assert 'choice: Annotated[Literal["auto", "none"] | A | B | UnknownVariant, OpenUnion("type")] | None = None' in out
    assert 'items: list[Annotated[str | A | UnknownVariant, OpenUnion("type")]] | None = None' in out
    assert "mixed: A | Plain\n" in out  # an object without a tag could be anything: left alone
    assert "single: A | None = None\n" in out  # one model is not a union
    compile(out, "models.py", "exec")


def test_a_tagged_union_with_unexpected_arguments_stops_the_generator() -> None:
    code = HEAD + '''

class Holder(BaseModel):
    item: Annotated[A | B, Field(discriminator="type", alias="it")]
'''
    with pytest.raises(SpecError, match="tagged union"):
        open_unions(code, set())
