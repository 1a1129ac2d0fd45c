"""The page chrome: what every page repeats around its content (the header with the
language switch and elderly mode, the service navigation, the footer), rendered by the
template engine once per process for each combination of what it depends on, then
filled in per request.

The chrome templates (templates/components/header.html, navigation.html, footer.html)
were a sixth of a cached page's CPU: a few dozen ``{% url %}``, ``{% translate %}`` and
``{% if %}`` nodes giving the same text on every request. base.html's own text between its
blocks (document_start.html, document_head.html, document_body.html: the ``<html>`` tag,
the stylesheets' and script's ``{% static %}`` addresses, the ``<body>`` tag with the
keep-alive ``{% url %}``) is the same kind of text, and is kept the same way (a static
file's address changes only with a deployment, that is with new processes). What they
may depend on is fixed, and is the key of the rendering kept here:

* the active language, elderly mode (长辈版), whether someone is signed in, the menu's
  role flags (``departments.context_processors.navigation``: a revoked role changes
  them on the next request), the region's name and the URL prefix;

and what differs per request is never kept, but left as a marker and filled in for each
request by the code the template would have run:

* the CSRF token of each form (``{% csrf_token %}``: Django's own node renders it);
* the page's own address in the forms' ``next`` field (``{{ request.get_full_path }}``);
* which menu link is the current page (``{% nav_item %}``: both renderings are kept).

The templates are rendered with a context holding only those parts (``user`` has only
``is_authenticated``): a chrome template that used anything else, the viewer's name say,
would render it empty, never someone else's. Nothing personal is kept, so the renderings
live in the process, not the shared cache; there are a few dozen at most (languages ×
modes × role combinations). Under DEBUG nothing is kept, so an edited template shows at
once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.signals import setting_changed
from django.template import Context
from django.template.defaulttags import CsrfTokenNode
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

# Private-use characters: in no translation, address or token the chrome renders.
_MARK = "\ue000"
_CSRF = "csrf"
_PATH = "path"
# Bounds the process's memory should the key space ever grow (it is a few dozen entries).
_MAX_KEPT = 512
# The context variable through which {% nav_item %} reports its links while recording.
RECORDING = "_chrome_nav_items"


@dataclass(frozen=True)
class _NavItem:
    url: str
    exact: bool
    link: str
    current: str

    def render(self, path: str) -> str:
        return self.current if is_current_path(path, self.url, self.exact) else self.link


def is_current_path(path: str, url: str, exact: bool) -> bool:
    """Whether a request for ``path`` is on the menu link ``url`` (or below it, unless
    ``exact``): the rule of ``{% nav_item %}``."""
    if not url:
        return False
    return path == url if exact else path.startswith(url)


def nav_item_html(url: str, label: str, *, current: bool, style: str = "service") -> SafeString:
    """One menu link, marked current with ``aria-current="page"``: in GOV.UK's service
    navigation (``style="service"``), or as a plain link in a list of a section's pages
    (``style="list"``: the staff pages', the citizen's and the case pages' menus;
    portal.css shows the current one in bold black, not as a link)."""
    if style == "list":
        if current:
            return format_html('<li><a class="govuk-link" href="{}" aria-current="page">{}</a></li>', url, label)
        return format_html('<li><a class="govuk-link" href="{}">{}</a></li>', url, label)
    if style != "service":
        raise ValueError(f"unknown menu style {style!r}")
    if current:
        return format_html(
            '<li class="govuk-service-navigation__item govuk-service-navigation__item--active">\n'
            '  <a class="govuk-service-navigation__link" href="{}" aria-current="page">'
            '<strong class="govuk-service-navigation__active-fallback">{}</strong></a>\n</li>',
            url, label,
        )
    return format_html(
        '<li class="govuk-service-navigation__item">\n'
        '  <a class="govuk-service-navigation__link" href="{}">{}</a>\n</li>',
        url, label,
    )


def record_nav_item(items: list[_NavItem], url: str, label: str, exact: bool, style: str = "service") -> SafeString:
    """Called by ``{% nav_item %}`` while a chrome template is recorded: keep both
    renderings of the link and leave a marker where it goes."""
    items.append(_NavItem(
        url, exact, nav_item_html(url, label, current=False, style=style),
        nav_item_html(url, label, current=True, style=style),
    ))
    return mark_safe(f"{_MARK}{len(items) - 1}{_MARK}")  # noqa: S308 - a marker of our own, replaced before output


class _Viewer:
    """The only part of the user a chrome template sees."""

    def __init__(self, is_authenticated: bool) -> None:
        self.is_authenticated = is_authenticated


class _Request:
    """The only part of the request a chrome template sees: its address, as a marker."""

    path = f"{_MARK}{_PATH}{_MARK}"

    def get_full_path(self) -> str:
        return self.path


_kept: dict[tuple[object, ...], tuple[object, ...]] = {}


def _record(template_name: str, *, elderly: bool, authenticated: bool, nav: dict[str, object]) -> tuple[object, ...]:
    """Render ``template_name`` with markers for the per-request parts; return its pieces:
    text, and the markers' kinds (the CSRF input, the address, a menu link)."""
    items: list[_NavItem] = []
    marker_token = f"{_MARK}{_CSRF}{_MARK}"
    context = Context({
        "elderly_mode": elderly,
        "PORTAL_REGION": settings.PORTAL_REGION,
        "nav": nav,
        "user": _Viewer(authenticated),
        "request": _Request(),
        "csrf_token": marker_token,
        RECORDING: items,
    })
    rendered = get_template(template_name).template.render(context)
    # The whole <input> of {% csrf_token %} becomes one marker: Django's node renders it
    # per request (and renders nothing where no token is provided).
    csrf_input = CsrfTokenNode().render(Context({"csrf_token": marker_token}))
    rendered = rendered.replace(csrf_input, marker_token)
    parts = rendered.split(_MARK)
    pieces: list[object] = []
    for index, part in enumerate(parts):
        if index % 2 == 0:
            pieces.append(part)
        elif part in (_CSRF, _PATH):
            pieces.append(part)
        else:
            pieces.append(items[int(part)])
    return tuple(pieces)


def render_chrome(context: Context, template_name: str) -> SafeString:
    """``template_name`` as the template engine renders it for this request's context."""
    user = context.get("user")
    authenticated = bool(getattr(user, "is_authenticated", False))
    elderly = bool(context.get("elderly_mode"))
    nav = dict(context.get("nav") or {})
    key = (
        template_name, get_language(), elderly, authenticated, tuple(sorted(nav.items())), settings.PORTAL_REGION,
        get_script_prefix(),
    )
    pieces = _kept.get(key)
    if pieces is None:
        pieces = _record(template_name, elderly=elderly, authenticated=authenticated, nav=nav)
        if not settings.DEBUG:
            if len(_kept) >= _MAX_KEPT:
                _kept.clear()
            _kept[key] = pieces
    request = context.get("request")
    path = getattr(request, "path", "") if request is not None else ""
    out: list[str] = []
    for index, piece in enumerate(pieces):
        if index % 2 == 0:
            out.append(piece)  # type: ignore[arg-type]
        elif piece == _CSRF:
            out.append(CsrfTokenNode().render(context))
        elif piece == _PATH:
            out.append(conditional_escape(request.get_full_path()) if request is not None else "")
        else:
            out.append(piece.render(path))  # type: ignore[union-attr]
    return mark_safe("".join(out))  # noqa: S308 - template output and escaped values only


def forget(**kwargs: object) -> None:
    """Drop the kept renderings: a changed setting (tests) may change what they show."""
    _kept.clear()


setting_changed.connect(forget, dispatch_uid="credit_portal.chrome.forget")
