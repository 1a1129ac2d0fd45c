"""Who a citizen is, for the repair rules: the one Subject their account is linked to.

The link (``disclosure.CitizenProfile``) belongs to ``disclosure`` (identity
verification, DESIGN §2); this adapter only reads it through disclosure's selector, so
the portal has one linking mechanism. Tests of the repair rules replace this function.
"""

from __future__ import annotations

from archives.models import Subject
from credit_portal.models import User


def subject_for(user: User) -> Subject | None:
    """The subject ``user`` has proved to be, or None (not signed in, staff, not verified)."""
    from disclosure.selectors import subject_for as disclosure_subject_for

    return disclosure_subject_for(user)
