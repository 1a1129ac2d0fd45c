"""A hostile-value pass over every HTML form each demo role reaches: no 5xx, ever.

For each demo account (and an anonymous visitor) the test follows the portal's own
links from the role's start page, collects every form on the pages it reaches, and
submits each form once per hostile value with that value in every text field:
overflowing numbers, full-width digits, 100,000 characters, NUL, markup, and a
1,000-character upload file name. Any answer of 500 or more fails, naming the page,
the form and the value.

The same pass runs over the Django admin for each administrative demo role
(``ADMIN_ROLES``): from ``/admin/`` it follows the admin's links and attacks every
add/change form, changelist action and custom admin page the role reaches, with bad
dates in date and time inputs as well.

Pages reached only after a valid first step (the code step of registration and of the
password reset, the check-your-answers pages of an authorization, an objection and a
repair application) are attacked too: ``STEPS`` drives the first step with valid values,
checks that it moved on, then submits the next page's forms with each hostile value,
driving the first step afresh before each.

Not covered: Swagger UI.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from credit_portal.models import User
from tests.factories import make_id_number

pytestmark = pytest.mark.django_db

HOSTILE = {
    "overflowing number": "99999999999999999999",
    "full-width digits": "１２３４５６７８９０",
    "100k characters": "长" * 100_000,
    "NUL": "a\x00b",
    "markup": '<script>alert(1)</script>"><img src=x>',
}
# Admin forms also take dates and times as text: a date that does not exist, and one
# beyond what the database stores.
ADMIN_HOSTILE = {
    **HOSTILE,
    "bad date": "2024-02-30",
    "far date": "99999-12-31",
}
ADMIN_ROLES = ("demo_credit_office", "demo_auditor", "demo_security_admin", "demo_system_admin")
# Log-out ends the session; a delete confirmation holds no field to attack and would
# remove the demo objects the other forms are reached through.
ADMIN_SKIP = ("/admin/logout/", "/admin/jsi18n/")
ADMIN_SKIP_SUFFIXES = ("/delete/",)
ROLES = (
    None,  # an anonymous visitor
    "demo_citizen",
    "demo_institution",
    "demo_education_clerk",
    "demo_education_reviewer",
    "demo_health_clerk",
    "demo_credit_office",
    "demo_auditor",
    "demo_security_admin",
    "demo_system_admin",
)
SKIP_PREFIXES = ("/admin/", "/api/", "/static/", "/accounts/logout/", "/i18n/", "/elderly-mode/")
SKIP_SUFFIXES = (".pdf", "/pdf/", ".xlsx", "/export/", ".json", "/download/", "/print/")
MAX_PAGES = 90
# Pages of one shape (/staff/subjects/<id>/) hold the same forms: visit two of each.
PER_SHAPE = 2
_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+")


class _Page(HTMLParser):
    """Links and forms of one page (inputs, textareas, selects with their first option)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {"action": a.get("action", ""), "method": (a.get("method") or "get").lower(), "fields": []}
            self.forms.append(self._form)
        elif self._form is not None and tag in {"input", "textarea", "button"} and a.get("name"):
            kind = a.get("type", "text" if tag != "button" else "submit").lower()
            self._form["fields"].append({"name": a["name"], "type": kind, "value": a.get("value", ""),
                                         "checked": "checked" in a})
        elif self._form is not None and tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form["fields"].append({"name": a["name"], "type": "select", "value": None})
        elif self._select and tag == "option" and self._form is not None:
            field = self._form["fields"][-1]
            if field["value"] in (None, "") and a.get("value"):
                field["value"] = a["value"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _data(form: dict, hostile: str) -> dict[str, object]:
    data: dict[str, object] = {}
    for field in form["fields"]:
        kind, name = field["type"], field["name"]
        if kind in {"hidden", "submit"}:
            if name != "csrfmiddlewaretoken":
                data.setdefault(name, field["value"])
        elif kind in {"radio", "checkbox"}:
            data.setdefault(name, field["value"] or "on")
        elif kind == "select":
            data[name] = field["value"] or hostile
        elif kind == "file":
            data[name] = SimpleUploadedFile("长" * 1000 + ".pdf", b"%PDF-1.4\n%hostile\n", content_type="application/pdf")
        elif name.endswith("_year") and hostile == HOSTILE["overflowing number"]:
            # A real year, so the overflowing month and day reach the date itself.
            data[name] = "2024"
        else:
            data[name] = hostile
    return data


def _follow(path: str, target_path: str, *, admin: bool) -> bool:
    if admin:
        return (path.startswith("/admin/") and not path.startswith(ADMIN_SKIP)
                and not target_path.endswith(ADMIN_SKIP_SUFFIXES))
    return not (path.startswith(SKIP_PREFIXES) or target_path.endswith(SKIP_SUFFIXES))


def _crawl(client: Client, start: str, *, admin: bool = False) -> dict[str, list[dict]]:
    """Pages reachable from ``start`` by following links (GET, same site), with their forms.

    ``admin``: stay inside the Django admin instead of outside it."""
    seen: set[str] = set()
    shapes: Counter[str] = Counter()
    forms: dict[str, list[dict]] = {}
    queue = deque([start])
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        shape = _ID.sub("N", urlsplit(url).path)
        if url in seen or shapes[shape] >= PER_SHAPE:
            continue
        seen.add(url)
        shapes[shape] += 1
        response = client.get(url, follow=True)
        assert response.status_code < 500, f"GET {url}: {response.status_code}"
        if "text/html" not in response.get("Content-Type", ""):
            continue
        page = _Page()
        page.feed(response.content.decode("utf-8", "replace"))
        final = response.request["PATH_INFO"]
        forms[final] = page.forms
        for href in page.links:
            target = urlsplit(urljoin(final, href))
            if target.netloc or not target.path.startswith("/"):
                continue
            path = target.path + (f"?{target.query}" if target.query else "")
            if not _follow(path, target.path, admin=admin) or path in seen:
                continue
            queue.append(path)
    return forms


@pytest.fixture
def demo(module_demo_data, settings):
    settings.SMS_BACKEND = "credit_portal.notify.MemorySMSBackend"


def _attack(client: Client, forms: dict[str, list[dict]], values: dict[str, str], *, admin: bool = False
            ) -> tuple[int, list[str]]:
    """Submit every form of ``forms`` once per hostile value; the submissions and the 5xx."""
    failures = []
    submitted = 0
    for page_url, page_forms in forms.items():
        for form in page_forms:
            action = urljoin(page_url, form["action"] or page_url)
            action_path = urlsplit(action).path
            if not _follow(action_path, action_path, admin=admin):
                continue
            for label, value in values.items():
                data = _data(form, value)
                if form["method"] == "post":
                    response = client.post(action, data)
                else:
                    response = client.get(action, {k: v for k, v in data.items() if isinstance(v, str)})
                submitted += 1
                if response.status_code >= 500:
                    error = response.exc_info[1] if getattr(response, "exc_info", None) else None
                    failures.append(f"{form['method'].upper()} {action} (form on {page_url}) with {label}: "
                                    f"{response.status_code} {type(error).__name__}: {str(error)[:200]}")
    return submitted, failures


@pytest.mark.parametrize("username", ROLES, ids=lambda u: u or "anonymous")
def test_no_form_answers_5xx_to_hostile_values(demo, username):
    client = Client(raise_request_exception=False)
    if username:
        client.force_login(User.objects.get(username=username))
    forms = _crawl(client, "/")
    assert forms, "the crawl reached no page"
    submitted, failures = _attack(client, forms, HOSTILE)
    assert submitted > 0
    print(f"{username}: {len(forms)} pages, {submitted} submissions")  # noqa: T201 - shown with -s
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("username", ADMIN_ROLES)
def test_no_admin_form_answers_5xx_to_hostile_values(demo, username):
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username=username))
    forms = _crawl(client, "/admin/", admin=True)
    assert any("/add/" in url or "/change/" in url for url in forms), "the crawl reached no add or change form"
    submitted, failures = _attack(client, forms, ADMIN_HOSTILE, admin=True)
    assert submitted > 0
    print(f"{username}: {len(forms)} admin pages, {submitted} submissions")  # noqa: T201 - shown with -s
    assert not failures, "\n".join(failures)


# --- Second steps ---------------------------------------------------------------------------
_VALID_TEXT = {
    "name": "测试人",
    "password": "Hostile-pass-2024",
    "password_again": "Hostile-pass-2024",
    "days": "30",
    "max_uses": "1",
}
_ips = (f"198.51.100.{n}" for n in itertools.cycle(range(1, 255)))


def _valid_data(form: dict, values: dict[str, str]) -> dict[str, object]:
    """A form filled as a person would: first choices, ``values`` by field name, plain text otherwise."""
    data: dict[str, object] = {}
    for field in form["fields"]:
        kind, name = field["type"], field["name"]
        if name == "csrfmiddlewaretoken":
            continue
        if name in values:
            data[name] = values[name]
        elif kind in {"hidden", "submit", "select"}:
            data.setdefault(name, field["value"] or "")
        elif kind == "radio":
            data.setdefault(name, field["value"] or "on")
        elif kind == "checkbox":
            # Every box ticked: a form may require some of them (mandatory contents).
            ticked = data.setdefault(name, [])
            if isinstance(ticked, list):
                ticked.append(field["value"] or "on")
        elif kind == "file":
            data[name] = SimpleUploadedFile("材料.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
                                            content_type="application/pdf")
        elif kind not in {"password"}:
            data[name] = "这条记录与事实不符，请核实并更正。"
    return data


def _main_form(forms: list[dict], page: str) -> dict:
    posts = [form for form in forms if form["method"] == "post"
             and not urlsplit(urljoin(page, form["action"] or page)).path.startswith(SKIP_PREFIXES)]
    assert posts, f"no form on {page}"
    return max(posts, key=lambda form: len(form["fields"]))


def _drive(client: Client, start: str, values: dict[str, str]) -> tuple[str, list[dict]]:
    """Submit the first step at ``start`` validly; the page it leads to and that page's forms."""
    ip = next(_ips)
    first = client.get(start, follow=True)
    page = _Page()
    page.feed(first.content.decode("utf-8", "replace"))
    url = first.request["PATH_INFO"]
    form = _main_form(page.forms, url)
    response = client.post(urljoin(url, form["action"] or url), _valid_data(form, values), follow=True,
                           REMOTE_ADDR=ip)
    assert response.status_code < 500, f"first step {start}: {response.status_code}"
    reached = response.request["PATH_INFO"]
    errors = re.findall(r'<a href="#[^"]*">([^<]*)</a>', response.content.decode("utf-8", "replace"))
    assert reached != url, f"the valid first step at {start} did not move on: {errors}"
    following = _Page()
    following.feed(response.content.decode("utf-8", "replace"))
    return reached, following.forms


def _demo_phone() -> str:
    from disclosure.models import CitizenProfile

    return CitizenProfile.objects.select_related("subject").get(user__username="demo_citizen").subject.phone


def _steps(client: Client, username: str | None) -> list[tuple[str, dict[str, str]]]:
    """The first steps this role can drive: (start page, field values)."""
    if username is None:
        registration = {**_VALID_TEXT, "id_number": make_id_number(seq=917), "phone": "13900009917"}
        return [("/register/", registration), ("/password-reset/", {"phone": _demo_phone()})]
    if username == "demo_citizen":
        steps: list[tuple[str, dict[str, str]]] = [("/my/authorizations/new/", _VALID_TEXT)]
        pages = _crawl(client, "/")
        for pattern in (r"/repair/my/records/\d+/object/$", r"/repair/my/records/\d+/repair/$"):
            found = [url for url in pages if re.search(pattern, url)]
            steps += [(url, {}) for url in found[:1]]
        assert len(steps) == 3, "the demo citizen has no record to object to or repair"
        return steps
    return []


@pytest.mark.parametrize("username", [None, "demo_citizen"], ids=lambda u: u or "anonymous")
def test_no_second_step_answers_5xx_to_hostile_values(demo, username):
    client = Client(raise_request_exception=False)
    if username:
        client.force_login(User.objects.get(username=username))
    failures = []
    submitted = 0
    steps = _steps(client, username)
    assert steps
    for start, values in steps:
        for label, hostile in HOSTILE.items():
            reached, forms = _drive(client, start, values)
            for form in forms:
                action = urljoin(reached, form["action"] or reached)
                if form["method"] != "post" or urlsplit(action).path.startswith(SKIP_PREFIXES):
                    continue
                response = client.post(action, _data(form, hostile), REMOTE_ADDR=next(_ips))
                submitted += 1
                if response.status_code >= 500:
                    error = response.exc_info[1] if getattr(response, "exc_info", None) else None
                    failures.append(f"POST {action} (after {start}) with {label}: {response.status_code} "
                                    f"{type(error).__name__}: {str(error)[:200]}")
    assert submitted >= 2 * len(HOSTILE)
    print(f"{username}: {submitted} second-step submissions")  # noqa: T201 - shown with -s
    assert not failures, "\n".join(failures)
