"""The green channel check (绿色通道): a licensing or approving department asks, for a
stated procedure, whether a person has three or more consecutive clean years.

Seeds: 001 §四 ("连续3年以上无不良信用记录的个人依法采取‘绿色通道’和‘容缺受理’等便利措施"),
003 item 5, 004 item 23 (行政许可、行政确认、行政备案、补助申请、税收减免). Like every
read of a person's record by someone else it is a logged query the person sees in
their query log (《征信业管理条例》 art. 18, 20: a stated purpose, used for nothing else;
002 §二(三)1 query registration), and audited. The answer is yes or no with why; it
never hands over the records themselves.

Follows ``services.queries``: bad input is refused before anything is written; a
check that names nobody (unknown number, or a name that does not match) is logged as
refused and answered the same way whether the person exists or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from archives import validators
from archives.levels.green_channel import GreenChannelStanding, green_channel_standing, licensing_department
from archives.models import Subject
from archives.services.subjects import subject_index_for
from credit_portal import audit, ratelimit
from credit_portal.http import client_ip
from disclosure import conf
from disclosure.models import Institution, Purpose, QueryLog
from disclosure.services import log_check

if TYPE_CHECKING:
    from credit_portal.models import User

Matter = QueryLog.Matter


@dataclass(frozen=True)
class GreenChannelAnswer:
    met: bool
    standing: GreenChannelStanding | None
    log: QueryLog
    # Why, when no standing could be read (the name and number matched nobody).
    message: str = ""


def check_green_channel(
    *, by: User, name: str, id_number: str, matter: str, detail: str, request: HttpRequest | None = None,
) -> GreenChannelAnswer:
    """Check the green channel condition for the person named, for ``matter``.

    Callers: staff of a government department (``permissions.can_use_green_channel``).
    Raises ``ValidationError`` (nothing logged) when the procedure or its description
    is missing or the ID number is malformed, ``PermissionDenied`` for anyone else.
    Every answered check writes one QueryLog row (kind green channel, the department,
    the procedure, the answer) and its audit entry in one transaction."""
    department = licensing_department(by)
    if department is None:
        raise PermissionDenied(_("Only staff of a licensing or approving department use the green channel."))
    errors: dict[str, str] = {}
    if matter not in Matter.values:
        errors["matter"] = _("Choose the procedure the check is for.")
    detail = (detail or "").strip()
    if not detail:
        errors["detail"] = _("Describe the application the check is for, such as its name or number.")
    try:
        number = validators.validate_id_number(id_number)
    except ValidationError:
        errors["id_number"] = _("Enter a valid 18-digit ID number.")
        number = ""
    if not (name or "").strip():
        errors["name"] = _("Enter the person's full name.")
    if errors:
        raise ValidationError(errors)
    user_key = str(getattr(by, "pk", "anonymous"))
    if not ratelimit.hit("queries", user_key, limit=conf.get("DISCLOSURE_QUERIES_PER_USER_HOUR"), window=3600):
        raise ValidationError(_("Too many queries. Try again in an hour."))
    subject = Subject.objects.filter(id_number_index=subject_index_for(number)).first()
    matched = subject is not None and subject.name == name.strip()
    standing = green_channel_standing(subject, on=timezone.localdate()) if matched and subject else None
    with transaction.atomic():
        log = QueryLog.objects.create(
            actor=by if getattr(by, "is_authenticated", False) else None,
            institution=Institution.objects.filter(department=department, is_active=True).first(),
            department=department, subject=subject, kind=QueryLog.Kind.GREEN_CHANNEL, matter=matter,
            purpose=Purpose.LICENSING if matter == Matter.LICENSING else Purpose.OTHER, purpose_other=detail[:200],
            outcome=QueryLog.Outcome.GRANTED if standing else QueryLog.Outcome.REFUSED,
            reason=QueryLog.Reason.OK if standing else QueryLog.Reason.NOT_MATCHED,
            channel=QueryLog.Channel.WEB, ip_address=client_ip(request) if request is not None else None,
            green_channel_met=standing.met if standing else None,
        )
        audit.record(
            "disclosure.green_channel.checked", actor=by, target=log, subject_ref=str(subject.pk) if subject else "",
            detail={"matter": matter, "department": department.code, "matched": bool(standing),
                    "met": standing.met if standing else None, **log_check.vouched(log)},
            request=request,
        )
    if standing is None:
        return GreenChannelAnswer(False, None, log, _(
            "No credit archive matches this name and ID number, so the green channel conditions cannot be confirmed."
        ))
    return GreenChannelAnswer(standing.met, standing, log)
