"""好差评 ratings of finished cases (国办发〔2019〕51号: five levels; a poor rating is
followed up, 差评整改)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.exceptions import TransitionNotAllowed
from credit_portal.models import User
from repair import case_types, permissions
from repair.models import Rating
from repair.services import common

Case = case_types.Case


def rate_case(case: Case, *, by: User, score: int, comment: str = "") -> Rating:
    """The citizen rates a finished case on the five-level scale; a poor rating (1 or
    2) becomes a follow-up task for the credit office."""
    if not permissions.is_case_subject(by, case):
        raise PermissionDenied(_("Only the person concerned rates the case."))
    if score not in Rating.Score.values:
        raise ValidationError({"score": _("Choose a rating from 1 to 5.")})
    poor = score in Rating.POOR
    if poor and not (comment or "").strip():
        raise ValidationError({"comment": _("Tell us what went wrong so that it can be put right.")})
    with transaction.atomic():
        locked = common.lock(case)
        if locked.is_open:
            raise TransitionNotAllowed(_("You can rate a case once it is finished."))
        owner = case_types.owner_kwargs(locked)
        if Rating.objects.filter(**owner).exists():
            raise TransitionNotAllowed(_("You have already rated this case."))
        rating = Rating.objects.create(
            score=score, comment=(comment or "").strip(), rated_at=timezone.now(), needs_follow_up=poor, **owner
        )
        common.step(locked, "rated", by, note=str(score))
    return rating


def follow_up_rating(rating: Rating, *, by: User, note: str) -> Rating:
    note = common.require_reason(note, "note")
    if not permissions.may_follow_up_ratings(by):
        raise PermissionDenied(_("Only the credit office follows up ratings."))
    with transaction.atomic():
        locked = Rating.objects.select_for_update().get(pk=rating.pk)
        if not locked.needs_follow_up or locked.followed_up_at is not None:
            raise TransitionNotAllowed(_("This rating needs no follow-up."))
        locked.follow_up_note = note
        locked.followed_up_at = timezone.now()
        locked.followed_up_by = by
        locked.save(update_fields=["follow_up_note", "followed_up_at", "followed_up_by"])
        common.step(case_types.case_of(locked), "rating_followed_up", by)
    return locked
