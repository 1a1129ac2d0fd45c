"""The query API's serializer builds its fields anew for each instance (no deepcopy of
declared fields): the same fields, in the same order, validating and refusing exactly as
the declared ones did."""

from __future__ import annotations

import pytest
from rest_framework import serializers

from archives import validators
from disclosure.api import QuerySerializer, plain_query_data
from disclosure.models import Purpose


class _Declared(serializers.Serializer):
    """The serializer as it was declared before its fields were built per instance."""

    name = serializers.CharField(max_length=50, help_text="The person's full name.")
    id_number = serializers.CharField(max_length=30, help_text="The person's 18-character resident ID number.")
    code = serializers.CharField(max_length=30, help_text="The authorization code the person gave you.")
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    purpose_other = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    occupations = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
    categories = serializers.ListField(child=serializers.CharField(max_length=64), required=False)

    def validate_id_number(self, value: str) -> str:
        from django.core.exceptions import ValidationError

        try:
            return validators.validate_id_number(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


VALID = {"name": "张三", "id_number": "11010519491231002X", "code": "ABCD-1234", "purpose": "recruitment"}

BODIES = [
    VALID,
    {**VALID, "occupations": ["a", "b"], "categories": ["c"], "purpose_other": ""},
    {**VALID, "purpose": "other", "purpose_other": "x" * 201},
    {**VALID, "purpose": "nonsense"},
    {**VALID, "id_number": "123"},
    {**VALID, "code": "c" * 31, "name": ""},
    {**VALID, "occupations": "not a list", "categories": ["x" * 65, 3]},
    {"purpose": "recruitment"},
    {},
]


@pytest.mark.parametrize("body", BODIES)
def test_validates_and_refuses_as_the_declared_fields_did(body) -> None:
    new, old = QuerySerializer(data=body), _Declared(data=body)
    assert new.is_valid() == old.is_valid()
    assert new.errors == old.errors
    if not old.errors:
        assert new.validated_data == old.validated_data


def test_each_serializer_has_its_own_fields_in_the_declared_order() -> None:
    first, second = QuerySerializer(), QuerySerializer()
    assert list(first.fields) == ["name", "id_number", "code", "purpose", "purpose_other", "occupations", "categories"]
    assert all(first.fields[name] is not second.fields[name] for name in first.fields)
    assert all(field.parent is first for field in first.fields.values())
    assert first.fields["purpose"].choices == _Declared().fields["purpose"].choices


# Bodies the plain path takes, and bodies at each of its edges that it must leave to DRF
# (or take with exactly DRF's result).
PLAIN_EDGES = [
    *BODIES,
    {**VALID, "name": "  张三 ", "code": " ABCD-1234\t"},
    {**VALID, "id_number": "11010519491231002x"},
    {**VALID, "id_number": " 11010519491231002X "},
    {**VALID, "name": "n" * 50}, {**VALID, "name": "n" * 51}, {**VALID, "name": "   "},
    {**VALID, "name": "a\x00b"}, {**VALID, "code": "a\ud800b"}, {**VALID, "purpose_other": "a\x00"},
    {**VALID, "name": 12345}, {**VALID, "name": True}, {**VALID, "name": None}, {**VALID, "code": 1.5},
    {**VALID, "purpose": "other", "purpose_other": "  the reason  "},
    {**VALID, "purpose": "other", "purpose_other": "   "}, {**VALID, "purpose_other": "y" * 200},
    {**VALID, "purpose_other": None}, {**VALID, "purpose_other": 7},
    {**VALID, "purpose": " recruitment"}, {**VALID, "purpose": ""}, {**VALID, "purpose": None},
    {**VALID, "occupations": []}, {**VALID, "categories": [" a ", "b"]}, {**VALID, "categories": [""]},
    {**VALID, "categories": ["x" * 64]}, {**VALID, "categories": ["x" * 65]}, {**VALID, "occupations": None},
    {**VALID, "occupations": ("a",)}, {**VALID, "occupations": {"a": 1}}, {**VALID, "categories": [1, 2]},
    {**VALID, "extra": "ignored"},
    {k: v for k, v in VALID.items() if k != "code"},
    ["not", "a", "mapping"], "text",
]


@pytest.mark.parametrize("body", PLAIN_EDGES)
def test_plain_path_gives_the_serializers_data_or_leaves_the_body_to_it(body) -> None:
    serializer = QuerySerializer(data=body)
    valid = serializer.is_valid()
    plain = plain_query_data(body)
    if plain is not None:
        assert valid
        assert plain == serializer.validated_data
        assert list(plain) == list(serializer.validated_data)
        assert all(type(plain[k]) is type(serializer.validated_data[k]) for k in plain)


def test_plain_path_takes_the_common_bodies() -> None:
    for body in (VALID, {**VALID, "occupations": ["a"], "categories": ["c", "d"], "purpose_other": ""},
                 {**VALID, "name": " 张三 "}):
        assert plain_query_data(body) is not None
