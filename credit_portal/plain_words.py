"""Plainer words for 长辈版 (elderly mode) on the citizen's own pages.

MIIT's 适老化 rules (《互联网网站适老化通用设计规范》) ask for short, plain wording in the
elderly version, not only larger text. A page keeps one template: where a citizen page
says something technical, it writes ``{% plain "Who queried me" %}`` (credit_portal
templatetags), which renders the usual translation, or in 长辈版 the plain one below.
Keys are the usual msgids (marked for extraction, so the catalogue keeps them); values
are the plain msgids, translated like any other string.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as usual

PLAIN: dict[str, Promise] = {
    usual("My credit archive"): _("My record"),
    usual("My archives"): _("My records"),
    usual("Yearly findings"): _("How I was rated each year"),
    usual("Who queried me"): _("Who looked me up"),
    usual("Recent queries of my archive"): _("Who looked me up lately"),
    usual("See every query"): _("See everyone who looked me up"),
    usual("Nobody has queried your archive."): _("Nobody has looked you up."),
    usual("Reports issued about me"): _("Reports about me"),
    usual("Reports issued about you"): _("Reports about me"),
    usual("My authorizations"): _("Who I let look me up"),
    usual("Authorize a query"): _("Let someone look me up"),
    usual("Share my record"): _("Let someone look me up"),
    usual("Check your answers before authorizing"): _("Check before you say yes"),
    usual("Consent receipt"): _("What I said yes to"),
    usual("Objections and credit repair"): _("Wrong or old bad records"),
    usual("Objections and repair"): _("Wrong or old bad records"),
    usual("Object to this record"): _("This record is wrong"),
    usual("Object to a record"): _("Tell us a record is wrong"),
    usual("Can it be repaired?"): _("Can this bad record be cleared?"),
    usual("Apply for credit repair"): _("Ask to clear a bad record"),
    usual("Kept by"): _("Kept by which office"),
}
