"""``credit_portal.fragments.LazyReads``: what a cached fragment shows is read only when the
template asks (never on a cache hit), each value once, one value from another."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from credit_portal.fragments import LazyReads


def test_nothing_is_read_until_asked_and_each_value_once() -> None:
    calls: list[str] = []

    def reader(name: str, value: object):  # type: ignore[no-untyped-def]
        return lambda: calls.append(name) or value

    reads = LazyReads({"drafts": reader("drafts", [1, 2])}, returned=reader("returned", []))
    assert calls == []
    assert reads.drafts == [1, 2]
    assert reads.drafts == [1, 2]
    assert reads.returned == []
    assert calls == ["drafts", "returned"]


def test_one_value_from_another_reads_once() -> None:
    calls: list[int] = []
    reads = LazyReads(
        rows=lambda: calls.append(1) or [1, 2, 3],
        shown=lambda: reads.rows[:2],
        more=lambda: len(reads.rows) > 2,
    )
    assert (reads.shown, reads.more) == ([1, 2], True)
    assert calls == [1]


def test_unknown_names_are_attribute_errors_and_templates_see_nothing() -> None:
    reads = LazyReads(rows=lambda: [1])
    with pytest.raises(AttributeError):
        reads.other  # noqa: B018
    assert Template("{{ reads.other }}|{{ reads.rows|length }}").render(Context({"reads": reads})) == "|1"


def test_a_cache_hit_never_reads() -> None:
    from django.core.cache import cache

    def fail() -> list[int]:
        raise AssertionError("read on a cache hit")

    template = Template("{% load cache %}{% cache 60 lazy-reads-test %}{{ reads.rows|length }}{% endcache %}")
    cache.clear()
    assert template.render(Context({"reads": LazyReads(rows=lambda: [1, 2])})) == "2"
    assert template.render(Context({"reads": LazyReads(rows=fail)})) == "2"
