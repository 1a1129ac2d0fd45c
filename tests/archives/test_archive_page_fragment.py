"""The staff archive page is one cached fragment but for its reveal forms, the units the
person is responsible for and the time of query (archives.views.presenters.archive_context):
every change of what its header, buttons and form table show gives a new key, a revealed
field is never written to the cache, and the Show buttons still submit their forms."""

from __future__ import annotations

import re

from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.urls import reverse

from archives import services
from tests.archives.conftest import World


def _page(client, world: World) -> str:  # noqa: ANN001
    return client.get(reverse("archives:archive", args=[world.archive.pk])).content.decode()


def test_edits_of_the_person_and_the_archive_show_on_the_next_page(client, world: World) -> None:
    client.force_login(world.edu_clerk)
    assert "示范市第一中学" in _page(client, world)
    assert "示范市第一中学" in _page(client, world)  # the cached fragment
    services.update_archive(world.archive, by=world.edu_clerk, employer="第二实验中学")
    assert "第二实验中学" in _page(client, world)
    services.update_subject(world.subject, by=world.edu_clerk, name="测试乙")
    assert "测试乙" in _page(client, world)
    services.close_archive(world.archive, reason="调离本市", by=world.edu_reviewer)
    page = _page(client, world)
    assert "调离本市" in page
    assert reverse("archives:record_new", args=[world.archive.pk]) not in page


def test_a_revealed_field_is_shown_once_and_never_cached(client, world: World) -> None:
    client.force_login(world.edu_clerk)
    number = world.subject.id_number
    page = _page(client, world)
    # The Show buttons submit the forms outside the fragment, which carry the CSRF token.
    for form, field in (("reveal-id-number", "id_number"), ("reveal-phone", "phone")):
        assert f'form="{form}"' in page
        found = re.search(rf'<form id="{form}"[^>]*>(.*?)</form>', page, re.S)
        assert found is not None
        assert 'name="csrfmiddlewaretoken"' in found.group(1)
        assert f'name="field" value="{field}"' in found.group(1)
    revealed = client.post(reverse("archives:archive_reveal", args=[world.archive.pk]), {"field": "id_number"})
    assert number in revealed.content.decode()
    assert number not in _page(client, world)
    # Every value kept in the cache (pickled; in memory, or in Redis under this run's
    # prefix when REDIS_URL is set): the full number is in none of them.
    if isinstance(caches["default"], LocMemCache):
        kept = list(cache._cache.values())  # noqa: SLF001
    else:
        client = cache._cache.get_client()  # noqa: SLF001
        kept = [client.get(key) for key in client.scan_iter(match=f"{cache.key_prefix}:*")]
    assert kept
    assert not any(number.encode() in value for value in kept)
