"""Authorizations: the subject's consent to a third-party query (DESIGN §5).

``pending → active → used_up | expired | revoked`` (a declined request ends
``declined``). Law: a third party needs the person's written consent for a stated
purpose and may use the result for nothing else (《征信业管理条例》 art. 18, 20); the
seeds: queries only by the person or with the person's authorization (001 §三(六);
003 item 4; 004 item 20).

The code the grantee presents is random (60 bits), shown once, stored only as a keyed
HMAC-SM3 digest (unique, so it also finds the authorization).
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from archives import validators
from archives.models import Notice, Subject
from archives.services.notices import notify_subject
from archives.services.subjects import subject_index_for
from credit_portal import audit
from credit_portal.crypto import blind_index
from credit_portal.exceptions import TransitionNotAllowed
from departments.models import Occupation, RecordCategory
from disclosure import conf, permissions
from disclosure.models import Authorization, Institution, Purpose
from disclosure.selectors import acting_institution
from disclosure.services.mandatory import mandatory_for, missing_categories, missing_message
from exchange.outbox import emit, fit

if TYPE_CHECKING:
    from credit_portal.models import User

State = Authorization.State
# Crockford's base32: no I, L, O, U, so a code read aloud or retyped survives.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalize_code(value: str) -> str:
    """Canonical form of a typed code: full-width folded, separators dropped, upper
    case, the letters Crockford reads as digits mapped (O→0, I/L→1)."""
    text = unicodedata.normalize("NFKC", value or "").upper()
    text = "".join(ch for ch in text if ch.isalnum())
    return text.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


def code_digest(code: str) -> str:
    return blind_index(normalize_code(code), purpose="authorization_code")


def _new_reference() -> str:
    # Ten random digits: with six, a few hundred grants a day already risked a clash.
    return f"SQ{timezone.localdate():%Y%m%d}{secrets.randbelow(10**10):010d}"


@dataclass(frozen=True)
class Terms:
    """What the subject consents to; validated by :func:`check_terms`."""

    grantee: Institution | None
    purpose: str
    purpose_other: str
    occupations: tuple[Occupation, ...]
    categories: tuple[RecordCategory, ...]
    days: int
    max_uses: int
    include_points: bool = False


def check_terms(
    subject: Subject | None,
    *,
    grantee: Institution | None,
    purpose: str,
    purpose_other: str = "",
    occupations: Iterable[Occupation] = (),
    categories: Iterable[RecordCategory] = (),
    days: int,
    max_uses: int,
    include_points: bool = False,
) -> Terms:
    """Validate the terms of a consent; raises ``ValidationError`` keyed by field.

    The period is at most ``DISCLOSURE_AUTHORIZATION_MAX_DAYS`` (90 by default);
    the occupations must be ones the subject has an archive in; the categories, when
    narrowed, keep every category the purpose makes mandatory (``services.mandatory``).
    """
    errors: dict[str, list[str]] = {}
    if purpose not in Purpose.values:
        errors["purpose"] = [_("Choose what the query is for.")]
    purpose_other = (purpose_other or "").strip()
    if purpose == Purpose.OTHER and not purpose_other:
        errors["purpose_other"] = [_("Say what the query is for.")]
    if purpose != Purpose.OTHER:
        purpose_other = ""
    max_days = conf.get("DISCLOSURE_AUTHORIZATION_MAX_DAYS")
    if not isinstance(days, int) or not 1 <= days <= max_days:
        errors["days"] = [_("The period must be between 1 and %(max)s days.") % {"max": max_days}]
    max_max_uses = conf.get("DISCLOSURE_AUTHORIZATION_MAX_USES")
    if not isinstance(max_uses, int) or not 1 <= max_uses <= max_max_uses:
        errors["max_uses"] = [_("The number of uses must be between 1 and %(max)s.") % {"max": max_max_uses}]
    if grantee is not None and not grantee.is_active:
        errors["grantee"] = [_("This institution can no longer query.")]
    occupations = tuple(dict.fromkeys(occupations))
    categories = tuple(dict.fromkeys(categories))
    if purpose in Purpose.values:
        mandatory = mandatory_for(purpose)
        missing = missing_categories(mandatory, categories)
        if missing:
            errors["categories"] = [missing_message(mandatory, missing)]
    if subject is not None and occupations:
        held = set(subject.archives.values_list("occupation_id", flat=True))
        if any(occ.pk not in held for occ in occupations):
            errors["occupations"] = [_("Choose only archives kept for you.")]
    if errors:
        raise ValidationError(errors)
    return Terms(grantee, purpose, purpose_other, occupations, categories, days, max_uses, bool(include_points))


def _scope_codes(authorization: Authorization) -> dict[str, list[str]]:
    return {
        "occupations": sorted(o.code for o in authorization.occupations.all()),
        "categories": sorted(c.code for c in authorization.categories.all()),
    }


def consent_receipt(authorization: Authorization) -> dict[str, Any]:
    """The consent receipt, after the Kantara Initiative Consent Receipt Specification
    v1.1 fields (consentReceiptID, jurisdiction, consentTimestamp, collectionMethod,
    piiPrincipalId, piiControllers, services/purposes, sensitive, spiCat), in Chinese
    terms of 《征信业管理条例》 art. 18/20. No ID number: the principal is named and
    masked."""
    subject = authorization.subject
    scope = _scope_codes(authorization)
    mandatory = mandatory_for(authorization.purpose)
    occupations = [o.name for o in authorization.occupations.all()] or [_("all my archives")]
    categories = [c.name for c in authorization.categories.all()] or [_("all categories")]
    grantee = authorization.grantee
    return {
        "version": "KI-CR-v1.1.0",
        "jurisdiction": f"CN {settings.PORTAL_REGION}",
        "consentTimestamp": int((authorization.granted_at or timezone.now()).timestamp()),
        "collectionMethod": (
            _("request by the institution, approved by the person online")
            if authorization.requested_by_id
            else _("granted by the person online")
        ),
        "consentReceiptID": str(authorization.pk),
        "reference": authorization.reference,
        "language": "zh-Hans",
        "piiPrincipalId": f"{subject.name}（{subject.id_number_masked}）",
        "piiControllers": [
            {
                "piiController": f"{settings.PORTAL_REGION}{_('Credit archive portal')}",
                "onBehalf": False,
                "contact": _("credit office"),
            }
        ],
        "policyUrl": "/my/authorizations/",
        "services": [
            {
                "service": _("third-party query of the personal credit archive"),
                "purposes": [
                    {
                        "purpose": authorization.purpose_label,
                        "purposeCategory": [authorization.purpose],
                        "consentType": "EXPLICIT",
                        "piiCategory": categories,
                        "archives": occupations,
                        "scope": scope,
                        # What the report includes whatever was ticked, and why: the
                        # person consents knowing it (services.mandatory).
                        "mandatoryContent": mandatory.labels(),
                        "mandatoryContentBasis": list(mandatory.sources),
                        "primaryPurpose": True,
                        "termination": _("at %(until)s, after %(uses)s use(s), or when revoked") % {
                            "until": timezone.localtime(authorization.valid_until).strftime("%Y-%m-%d %H:%M"),
                            "uses": authorization.max_uses,
                        },
                        "validFrom": authorization.valid_from.isoformat(),
                        "validUntil": authorization.valid_until.isoformat(),
                        "maxUses": authorization.max_uses,
                        "thirdPartyDisclosure": True,
                        "thirdPartyName": grantee.name if grantee else _("anyone presenting the code"),
                        "thirdPartyCreditCode": grantee.credit_code if grantee else None,
                    }
                ],
            }
        ],
        "sensitive": True,
        "spiCat": [_("personal credit information")],
        "legalBasis": "《征信业管理条例》第十八条、第二十条",
    }


def _event_payload(authorization: Authorization) -> dict[str, Any]:
    grantee = authorization.grantee
    return {
        "authorization_id": str(authorization.pk),
        "grantee": grantee.name if grantee else _("anyone presenting the code"),
        "grantee_credit_code": grantee.credit_code if grantee else None,
        # The label and the person's own words for "other" (200 characters each): the
        # schema's 200 at most, or granting with a long "other" purpose failed.
        "purpose": fit(str(authorization.purpose_label), 200),
        "scope": _scope_codes(authorization),
        "valid_from": authorization.valid_from.isoformat(),
        "valid_until": authorization.valid_until.isoformat(),
        "max_uses": authorization.max_uses,
        "granted_at": authorization.granted_at.isoformat(),
        "subject_id": str(authorization.subject_id),
        "subject_index": authorization.subject.id_number_index,
    }


def _require_own(subject: Subject, by: User) -> None:
    if not permissions.is_own_subject(by, subject):
        raise PermissionDenied(_("Only the person themself grants or revokes an authorization."))


def grant_authorization(
    subject: Subject, *, by: User, terms: Terms, request: HttpRequest | None = None
) -> tuple[Authorization, str]:
    """The subject grants an authorization; returns it with its code (shown once).

    Callers: the subject's own citizen account. Active at once for ``terms.days``.
    Emits ``authorization.granted``; writes the consent receipt.
    """
    _require_own(subject, by)
    code = new_code()
    now = timezone.now()
    with transaction.atomic():
        authorization = Authorization.objects.create(
            reference=_new_reference(), subject=subject, grantee=terms.grantee, purpose=terms.purpose,
            purpose_other=terms.purpose_other, valid_from=now, valid_until=now + timedelta(days=terms.days),
            max_uses=terms.max_uses, state=State.ACTIVE, code_hash=code_digest(code), granted_at=now,
            include_points=terms.include_points,
        )
        authorization.occupations.set(terms.occupations)
        authorization.categories.set(terms.categories)
        _activate(authorization, by=by, request=request, action="disclosure.authorization.granted")
    return authorization, code


def _activate(authorization: Authorization, *, by: User, request: HttpRequest | None, action: str) -> None:
    authorization.receipt = consent_receipt(authorization)
    authorization.save(update_fields=["receipt"])
    audit.record(
        action, actor=by, target=authorization, subject_ref=str(authorization.subject_id),
        detail={"purpose": authorization.purpose, "max_uses": authorization.max_uses}, request=request,
    )
    emit("authorization.granted", aggregate=authorization, payload=_event_payload(authorization))


def request_authorization(
    *, by: User, name: str, id_number: str, terms: Terms, request: HttpRequest | None = None
) -> tuple[Authorization | None, str]:
    """An institution asks a person for an authorization; it waits (``pending``) for
    the person's approval. Returns the request and its code, shown once to the
    institution, which presents it once the person has approved.

    Reveals nothing about whether the person exists: when the name and ID number match
    nobody, nothing is stored and an equally formed code is returned that will never
    work.
    """
    institution = acting_institution(by)
    if institution is None:
        raise PermissionDenied(_("Only staff of a registered institution request authorizations."))
    if not permissions.may_request_for(by, terms.grantee):
        raise PermissionDenied(_("An institution requests authorizations for itself only."))
    code = new_code()
    try:
        number = validators.validate_id_number(id_number)
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages}) from None
    subject = Subject.objects.filter(id_number_index=subject_index_for(number)).first()
    if subject is None or subject.name != name.strip():
        audit.record("disclosure.authorization.request_unmatched", actor=by, target=institution, request=request)
        return None, code
    # The occupations were chosen without knowing the person's archives: keep those
    # the person has, the scope only ever narrows. None of them held: there is nothing
    # to ask for (no occupation at all would mean every archive, a wider scope than the
    # institution asked), answered as a person not found, so nothing is revealed.
    held = set(subject.archives.values_list("occupation_id", flat=True))
    occupations = [occ for occ in terms.occupations if occ.pk in held]
    if terms.occupations and not occupations:
        audit.record("disclosure.authorization.request_unmatched", actor=by, target=institution, request=request)
        return None, code
    now = timezone.now()
    with transaction.atomic():
        authorization = Authorization.objects.create(
            reference=_new_reference(), subject=subject, grantee=institution, purpose=terms.purpose,
            purpose_other=terms.purpose_other, valid_from=now, valid_until=now + timedelta(days=terms.days),
            max_uses=terms.max_uses, state=State.PENDING, code_hash=code_digest(code), requested_by=by,
        )
        authorization.occupations.set(occupations)
        authorization.categories.set(terms.categories)
        audit.record(
            "disclosure.authorization.requested", actor=by, target=authorization, subject_ref=str(subject.pk),
            detail={"purpose": terms.purpose}, request=request,
        )
        notify_subject(
            subject, kind=Notice.Kind.GENERAL,
            title=_("%(institution)s asks to query your credit archive") % {"institution": institution.name},
            body=_(
                "%(institution)s asks for your authorization to query your credit archive for: %(purpose)s. "
                "Sign in to approve or decline it. Nothing is shared unless you approve."
            ) % {"institution": institution.name, "purpose": authorization.purpose_label},
        )
    return authorization, code


def approve_request(authorization: Authorization, *, by: User, request: HttpRequest | None = None) -> Authorization:
    """The subject approves a pending request: it becomes active for the requested
    length, counted from now. Callers: the subject."""
    _require_own(authorization.subject, by)
    with transaction.atomic():
        locked = (
            Authorization.objects.select_for_update(of=("self",)).select_related("subject", "grantee").get(pk=authorization.pk)
        )
        if locked.state != State.PENDING:
            raise TransitionNotAllowed(_("Only a request awaiting your approval can be approved."))
        now = timezone.now()
        length = locked.valid_until - locked.valid_from
        locked.valid_from, locked.valid_until, locked.granted_at = now, now + length, now
        locked.state = State.ACTIVE
        locked.save(update_fields=["valid_from", "valid_until", "granted_at", "state"])
        _activate(locked, by=by, request=request, action="disclosure.authorization.approved")
    return locked


def decline_request(authorization: Authorization, *, by: User, request: HttpRequest | None = None) -> Authorization:
    _require_own(authorization.subject, by)
    with transaction.atomic():
        locked = Authorization.objects.select_for_update().get(pk=authorization.pk)
        if locked.state != State.PENDING:
            raise TransitionNotAllowed(_("Only a request awaiting your approval can be declined."))
        locked.state, locked.ended_at = State.DECLINED, timezone.now()
        locked.save(update_fields=["state", "ended_at"])
        audit.record(
            "disclosure.authorization.declined", actor=by, target=locked, subject_ref=str(locked.subject_id),
            request=request,
        )
    return locked


def revoke_authorization(
    authorization: Authorization, *, by: User, reason: str = "", request: HttpRequest | None = None
) -> Authorization:
    """The subject revokes an active authorization, with immediate effect: the next
    query presenting its code is refused. Emits ``authorization.revoked``."""
    _require_own(authorization.subject, by)
    with transaction.atomic():
        locked = Authorization.objects.select_for_update().select_related("subject").get(pk=authorization.pk)
        if locked.state != State.ACTIVE:
            raise TransitionNotAllowed(_("Only an active authorization can be revoked."))
        now = timezone.now()
        locked.state, locked.ended_at, locked.revoke_reason = State.REVOKED, now, reason.strip()[:200]
        locked.save(update_fields=["state", "ended_at", "revoke_reason"])
        audit.record(
            "disclosure.authorization.revoked", actor=by, target=locked, subject_ref=str(locked.subject_id),
            request=request,
        )
        emit(
            "authorization.revoked", aggregate=locked,
            payload={
                "authorization_id": str(locked.pk), "revoked_at": now.isoformat(),
                "reason": locked.revoke_reason or None, "subject_id": str(locked.subject_id),
                "subject_index": locked.subject.id_number_index,
            },
        )
    return locked


def expire_authorizations(*, now: object = None) -> int:
    """Mark active authorizations past their end as expired (a sweep; the query check
    refuses them anyway). Safe to run twice: a conditional UPDATE."""
    now = now or timezone.now()
    return Authorization.objects.filter(state=State.ACTIVE, valid_until__lte=now).update(state=State.EXPIRED, ended_at=now)
