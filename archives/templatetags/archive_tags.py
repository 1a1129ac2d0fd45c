"""Template helpers of the clerk and reviewer pages: they ask ``archives.permissions``
and decide nothing themselves."""

from __future__ import annotations

import html
from typing import Any

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

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


# One row of the find page's results (templates/archives/find_subject.html).
_FOUND_ROW = (
    '\n    <tr class="govuk-table__row">\n'
    '      <td class="govuk-table__cell"><a class="govuk-link" href="{}">{}</a></td>\n'
    '      <td class="govuk-table__cell">{}</td>\n'
    '      <td class="govuk-table__cell"><a class="govuk-link" href="{}">{}</a></td>\n'
    '      <td class="govuk-table__cell">{}</td>\n'
    '      <td class="govuk-table__cell">{}</td>\n'
    "    </tr>"
)


@register.simple_tag
def found_archive_rows(rows: list[dict[str, Any]]) -> SafeString:
    """The rows of the name search's results (``presenters.name_search_rows``), each
    value escaped as ``format_html`` escapes it. A tag rather than a loop of the
    template: up to fifty rows of seven values each were a fifth of the page's CPU
    through the template engine."""
    return mark_safe("".join(  # noqa: S308 - every value escaped as format_html escapes it
        _FOUND_ROW.format(*map(_escaped, (
            row["subject_url"], row["name"], row["id_number_masked"], row["archive_url"], row["occupation"],
            row["employer"], row["department"],
        )))
        for row in rows
    ))


def _escaped(value: object) -> str:
    # Plain text (every value here) straight through the standard library's escape,
    # which Django's ``escape`` calls: its lazy-argument check was most of a row's time.
    return html.escape(value) if type(value) is str else conditional_escape(value)
