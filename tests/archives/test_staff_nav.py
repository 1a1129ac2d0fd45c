"""The staff links above every clerk and reviewer page come from the process's kept
rendering (archive_tags.staff_nav): each viewer still gets the links of their own roles."""

from __future__ import annotations

import re

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


def test_staff_links_mark_the_page_the_person_is_on(client, world: World, settings) -> None:
    # Kept once per process (DEBUG off): one rendering serves every page, and each page
    # still marks itself, exactly (every address here begins with /staff/).
    settings.DEBUG = False
    client.force_login(world.edu_clerk)
    for name in ("archives:dashboard", "archives:find_subject", "archives:my_items", "archives:intake_archives",
                 "listing:listings", "units:units"):
        url = reverse(name)
        page = client.get(url).content.decode()
        start = page.index('<nav class="app-staff-nav')
        menu = page[start:page.index("</nav>", start)]
        assert re.findall(r'href="([^"]+)" aria-current="page"', menu) == [url], name
    # A page below one of them is none of them.
    page = client.get(reverse("archives:archive", args=[world.archive.pk])).content.decode()
    start = page.index('<nav class="app-staff-nav')
    assert 'aria-current="page"' not in page[start:page.index("</nav>", start)]
