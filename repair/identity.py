"""Who a citizen is: the one Subject their account is linked to.

The link itself belongs to ``disclosure`` (identity verification, DESIGN §2); this
adapter only reads it, so there is one linking mechanism in the portal.
"""

from __future__ import annotations

from archives.models import Subject


def subject_for(user: object) -> Subject | None:
    """The subject ``user`` has proved to be, or None (not signed in, staff, or not
    verified yet)."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        from disclosure import selectors as disclosure_selectors  # type: ignore[attr-defined]

        finder = getattr(disclosure_selectors, "subject_for", None) or getattr(
            disclosure_selectors, "subject_of", None
        )
    except ImportError:
        finder = None
    if finder is not None:
        return finder(user)
    # Fallback: read the account link model once disclosure defines it.
    try:
        from disclosure.models import CitizenAccount  # type: ignore[attr-defined]
    except ImportError:
        return None
    link = CitizenAccount.objects.filter(user=user).select_related("subject").first()
    return link.subject if link is not None else None
