"""The staff links above every clerk and reviewer page come from the process's kept
rendering (archive_tags.staff_nav): each viewer still gets the links of their own roles."""

from __future__ import annotations

from django.urls import reverse

from tests.archives.conftest import World


def _links(client) -> str:  # noqa: ANN001
    page = client.get(reverse("archives:dashboard")).content.decode()
    return page[page.index('<nav class="app-staff-nav'):page.index("</nav>", page.index('<nav class="app-staff-nav'))]


def test_staff_links_follow_each_viewers_roles(client, world: World) -> None:
    client.force_login(world.edu_clerk)
    clerk = _links(client)
    assert reverse("archives:my_items") in clerk
    assert reverse("archives:review_queue") not in clerk
    client.force_login(world.edu_reviewer)
    reviewer = _links(client)
    assert reverse("archives:review_queue") in reviewer
    assert reverse("archives:my_items") not in reviewer
    assert reverse("city:filings") in clerk
    assert reverse("city:filings") in reviewer
