"""Template helpers of the clerk and reviewer pages: they ask ``archives.permissions``
and decide nothing themselves."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from archives import permissions
from credit_portal import chrome

register = template.Library()


@register.simple_tag(takes_context=True)
def staff_nav(context: template.Context) -> SafeString:
    """The staff links above every clerk and reviewer page (archives/includes/nav.html),
    from the process's kept rendering (``credit_portal.chrome``) for the language and the
    viewer's two role flags, asked here of ``archives.permissions`` on every request:
    its ten links and their translations were ≈ 1 ms of CPU on each staff page."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    nav = {
        **(context.get("nav") or {}),
        "staff_clerk": permissions.is_clerk(user),
        "staff_reviewer": permissions.can_use_review_queue(user),
    }
    with context.push(nav=nav):
        return chrome.render_chrome(context, "archives/includes/nav.html")
