"""The citizen portal (DESIGN §1 journey 2).

Everything here is about the signed-in citizen's own subject, taken from their
account (``CitizenProfile``), never from the URL; object ids in URLs are looked up
within that subject, so a changed id gives 404. Reading one's own record needs no
authorization and is not a third-party query (《征信业管理条例》 art. 17), but every
read is written to the audit trail (DESIGN §8).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from archives.levels.points import Points, points_for_person
from archives.levels.selectors import LevelPanel, level_stamp, loaded_level, panel_of
from archives.models import AnnualFinding, Archive, CreditRecord, Subject
from archives.stamps import content_stamp
from credit_portal import audit, generations
from credit_portal.exceptions import TransitionNotAllowed
from credit_portal.forms import add_errors
from credit_portal.fragments import fragment_context
from disclosure import forms, permissions, selectors
from disclosure.models import Authorization, Institution
from disclosure.services import authorizations as auth_services
from disclosure.services import registration, report_retention, reports
from disclosure.services.mandatory import mandatory_for
from disclosure.sso import configured_provider
from disclosure.views.common import citizen_archive_view, citizen_view, network_allows

# The backend a citizen's session is signed in through (whose ``get_user`` reads the user
# of every later request), however they proved who they are.
CITIZEN_BACKEND = "disclosure.auth.PhoneBackend"
SESSION_REGISTRATION = "disclosure_registration"
SESSION_DRAFT = "disclosure_authorization_draft"
SESSION_NEW_CODE = "disclosure_new_code"
State = CreditRecord.State


# --- registration ----------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """Sign up: name, ID number, phone, password. The same next page whether or not
    the person is known."""
    if request.user.is_authenticated:
        return redirect("disclosure:my_home")
    form = forms.RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if network_allows(request, form, "registration", "DISCLOSURE_REGISTRATION_PER_IP_HOUR"):
            try:
                pending = registration.start_registration(
                    name=form.cleaned_data["name"], id_number=form.cleaned_data["id_number"],
                    phone=form.cleaned_data["phone"], password=form.cleaned_data["password"], request=request,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                request.session[SESSION_REGISTRATION] = str(pending.pk)
                return redirect("disclosure:register_verify")
    return render(request, "disclosure/register.html", {"form": form, "provider": configured_provider()})


@never_cache
@require_http_methods(["GET", "POST"])
def register_verify(request: HttpRequest) -> HttpResponse:
    pending_id = request.session.get(SESSION_REGISTRATION)
    if not pending_id:
        return redirect("disclosure:register")
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = registration.verify_registration(pending_id, form.cleaned_data["code"], request=request)
        except registration.CodeRefused as exc:
            form.add_error("code", exc.message)
        except ValidationError as exc:
            form.add_error("code", exc.messages)
        else:
            request.session.pop(SESSION_REGISTRATION, None)
            login(request, user, backend=CITIZEN_BACKEND)
            messages.success(request, _("Your account is ready and linked to your credit archive."))
            return redirect("disclosure:my_home")
    return render(request, "disclosure/register_verify.html", {"form": form})


@never_cache
def oidc_start(request: HttpRequest) -> HttpResponse:
    """Hand over to the government single sign-on provider, when one is configured
    (``disclosure.sso``); 404 otherwise."""
    provider = configured_provider()
    if provider is None:
        raise Http404
    return provider.begin(request, callback_url=request.build_absolute_uri(reverse("disclosure:oidc_callback")))


@never_cache
def oidc_callback(request: HttpRequest) -> HttpResponse:
    provider = configured_provider()
    if provider is None:
        raise Http404
    verified = provider.complete(request)
    try:
        user = registration.link_verified_identity(verified, request=request)
    except ValidationError as exc:
        return render(request, "disclosure/message.html", {"title": _("We could not link your account"), "text": " ".join(exc.messages)}, status=400)
    login(request, user, backend=CITIZEN_BACKEND)
    return redirect("disclosure:my_home")


# --- my record -------------------------------------------------------------------------------


def _audit_own_read(request: HttpRequest, subject: Subject, what: str) -> None:
    audit.record_read(
        "disclosure.own_record.viewed", target=subject, subject_ref=str(subject.pk), detail={"page": what},
        request=request,
    )


@citizen_view
def my_home(request: HttpRequest, subject: Subject) -> HttpResponse:
    archives = list(selectors.own_archives(subject))
    pending = list(selectors.pending_requests(subject))
    recent = list(selectors.own_query_log(subject)[:5])
    negative = sum(1 for a in archives for r in a.records.all() if r.is_negative and r.state == State.PUBLISHED)
    _audit_own_read(request, subject, "home")
    return render(request, "disclosure/my_home.html", {
        "subject": subject, "archives": archives, "pending": pending, "recent": recent, "negative": negative,
        "viewed_at": timezone.now(),
    })


class _OwnArchiveContent:
    """The records part of the citizen's archive page, loaded on first use: when the
    cached rendering is current, the template never asks and nothing is read."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    @cached_property
    def credit_level(self) -> LevelPanel | None:
        """The level panel, from the level read with the archive: its record titles and
        history are read only when its cached rendering is not current."""
        return panel_of(loaded_level(self.archive), with_history=True)

    @cached_property
    def records(self) -> list[tuple[CreditRecord, list[CreditRecord]]]:
        selectors.load_own_archive_content(self.archive)
        history = selectors.earlier_versions_in(self.archive)
        return [(record, history.get(record.lineage, [])) for record in self.archive.records.all()]

    @cached_property
    def has_negative(self) -> bool:
        return any(r.is_negative and r.state == State.PUBLISHED for r, _h in self.records)

    @cached_property
    def findings(self) -> list[AnnualFinding]:
        self.records  # noqa: B018 - loads the findings with the records
        return list(self.archive.findings.all())

    @cached_property
    def points(self) -> Points | None:
        """The integrity points shown to the person (None while the pilot is off): a
        cached fragment too, keyed by the records' stamp, the date and the pilot's
        generation (``points``: its switch and rules)."""
        return points_for_person(self.archive)


@citizen_archive_view
def my_archive(request: HttpRequest, subject: Subject, archive: Archive) -> HttpResponse:
    _audit_own_read(request, subject, f"archive:{archive.pk}")
    # The archive's summary, the level panel, the points and the records are one cached
    # fragment, keyed by: what the summary shows (read with the archive), the records' stamp
    # (also the titles the level's reasons name), the stored level's stamp (the daily run
    # and every recompute save it, with its history), the date, and the points pilot's
    # generation (its switch and rules).
    summary = (archive.department.display_name, archive.employer, archive.title, archive.post)
    return render(request, "disclosure/my_archive.html", {
        "subject": subject, "archive": archive, "content": _OwnArchiveContent(archive), "viewed_at": timezone.now(),
        **fragment_context(
            request, "citizen-archive", *summary, content_stamp(archive), level_stamp(loaded_level(archive)),
            *generations.current("points", request=request),
        ),
    })


@citizen_view
def my_findings(request: HttpRequest, subject: Subject) -> HttpResponse:
    _audit_own_read(request, subject, "findings")
    context = {"findings": selectors.own_findings(subject), "today": timezone.localdate()}
    return render(request, "disclosure/my_findings.html", context)


@citizen_view
def my_notices(request: HttpRequest, subject: Subject) -> HttpResponse:
    notices = list(selectors.own_notices(subject)[:100])
    return render(request, "disclosure/my_notices.html", {"notices": notices})


@citizen_view
def my_queries(request: HttpRequest, subject: Subject) -> HttpResponse:
    page = Paginator(selectors.own_query_log(subject), 50).get_page(request.GET.get("page"))
    return render(request, "disclosure/my_queries.html", {"page_obj": page, "entries": list(page.object_list)})


@citizen_view
@require_POST
def my_report(request: HttpRequest, subject: Subject) -> HttpResponse:
    """Issue the person's own credit report and show it."""
    report = reports.issue_self_report(subject, by=request.user, request=request)
    return redirect("disclosure:report", number=report.number)


@citizen_view
def my_reports(request: HttpRequest, subject: Subject) -> HttpResponse:
    """Every report issued about the person, to them or to an institution they
    authorized (two queries a page: the count and the rows)."""
    page = Paginator(selectors.own_reports(subject), 50).get_page(request.GET.get("page"))
    return render(request, "disclosure/my_reports.html", {"page_obj": page, "reports": report_retention.marked(page.object_list)})


# --- authorizations --------------------------------------------------------------------------


@citizen_view
def my_authorizations(request: HttpRequest, subject: Subject) -> HttpResponse:
    items = list(selectors.own_authorizations(subject))
    now = timezone.now()
    return render(request, "disclosure/my_authorizations.html", {
        "items": [(a, a.effective_state(now)) for a in items],
    })


def _form_for(
    subject: Subject,
    data: Mapping[str, Any] | None = None,
    initial: Mapping[str, Any] | None = None,
    institutions: Iterable[Institution] = (),
) -> forms.AuthorizationForm:
    occupations, categories = selectors.scope_choices(subject)
    return forms.AuthorizationForm(
        data, initial=initial, occupations=occupations, categories=categories, institutions=institutions
    )


@citizen_view
@require_http_methods(["GET", "POST"])
def authorization_new(request: HttpRequest, subject: Subject) -> HttpResponse:
    """The authorization form; check-your-answers comes next. The institution is found
    by a search (?q=, a GET form of its own that works without JavaScript) whose
    matches become the form's choices."""
    draft = request.session.get(SESSION_DRAFT)
    search = forms.InstitutionSearchForm(request.GET)
    typed = search.cleaned_data["q"] if search.is_valid() else ""
    matches, more = selectors.institutions_matching(typed)
    form = _form_for(subject, request.POST or None, initial=draft, institutions=matches)
    if request.method == "POST" and form.is_valid():
        request.session[SESSION_DRAFT] = form.to_session()
        return redirect("disclosure:authorization_check")
    return render(request, "disclosure/authorization_form.html", {
        "form": form, "search": search, "typed": typed, "matches": matches, "more_matches": more,
    })


def _terms_from_draft(subject: Subject, draft: dict[str, Any]) -> auth_services.Terms:
    form = _form_for(subject, data={
        "grantee": draft["grantee"], "purpose": draft["purpose"], "purpose_other": draft.get("purpose_other", ""),
        "occupations": draft["occupations"], "categories": draft["categories"], "days": draft["days"],
        "max_uses": draft["max_uses"], "include_points": draft.get("include_points") or "",
    })
    if not form.is_valid():
        raise ValidationError(_("Some answers are no longer valid. Check them again."))
    return auth_services.check_terms(
        subject, grantee=form.grantee_institution(), purpose=form.cleaned_data["purpose"],
        purpose_other=form.cleaned_data.get("purpose_other", ""), occupations=form.cleaned_data["occupations"],
        categories=form.cleaned_data["categories"], days=form.cleaned_data["days"],
        max_uses=form.cleaned_data["max_uses"], include_points=bool(form.cleaned_data.get("include_points")),
    )


def _mandatory_row(purpose: str) -> list[dict[str, Any]]:
    """What the report will include whatever was ticked, and why (services.mandatory)."""
    rule = mandatory_for(purpose)
    if not rule.any:
        return []
    value = _("%(content)s (legal basis: %(source)s)") % {
        "content": "；".join(rule.labels()), "source": "；".join(rule.sources),
    }
    return [{"key": _("Included by law for this purpose"), "value": value}]


def _terms_rows(terms: auth_services.Terms, *, change_url: str = "") -> list[dict[str, Any]]:
    from disclosure.models import Purpose

    purpose = dict(Purpose.choices)[terms.purpose]
    if terms.purpose_other:
        purpose = f"{purpose}：{terms.purpose_other}"
    rows = [
        {"key": _("Who may query"), "value": terms.grantee.name if terms.grantee else _("Anyone I give the code to")},
        {"key": _("Purpose"), "value": purpose},
        {"key": _("Archives"), "value": "、".join(o.name for o in terms.occupations) or _("All my archives")},
        {"key": _("Kinds of information"), "value": "、".join(c.name for c in terms.categories) or _("Every kind")},
        *_mandatory_row(terms.purpose),
        {"key": _("Period"), "value": _("%(days)s days from now") % {"days": terms.days}},
        {"key": _("Number of uses"), "value": terms.max_uses},
    ]
    if terms.include_points:
        rows.append({"key": _("Integrity points (pilot)"), "value": _("Included")})
    if change_url:
        for row in rows:
            row["change_url"] = change_url
    return rows


@citizen_view
@require_http_methods(["GET", "POST"])
def authorization_check(request: HttpRequest, subject: Subject) -> HttpResponse:
    """Check your answers, then grant (nothing is granted before this POST)."""
    draft = request.session.get(SESSION_DRAFT)
    if not draft:
        return redirect("disclosure:authorization_new")
    try:
        terms = _terms_from_draft(subject, draft)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("disclosure:authorization_new")
    if request.method == "POST":
        authorization, code = auth_services.grant_authorization(subject, by=request.user, terms=terms, request=request)
        request.session.pop(SESSION_DRAFT, None)
        request.session[SESSION_NEW_CODE] = {"id": str(authorization.pk), "code": code}
        return redirect("disclosure:authorization_granted", pk=authorization.pk)
    return render(request, "disclosure/authorization_check.html", {
        "rows": _terms_rows(terms, change_url=reverse("disclosure:authorization_new")),
    })


@citizen_view
def authorization_granted(request: HttpRequest, subject: Subject, pk: uuid.UUID) -> HttpResponse:
    """The confirmation page: the code, shown this once."""
    authorization = selectors.get_own_authorization(request.user, pk)
    held = request.session.pop(SESSION_NEW_CODE, None)
    code = held["code"] if held and held.get("id") == str(authorization.pk) else None
    return render(request, "disclosure/authorization_granted.html", {"authorization": authorization, "code": code})


@citizen_view
def authorization_detail(request: HttpRequest, subject: Subject, pk: uuid.UUID) -> HttpResponse:
    authorization = selectors.get_own_authorization(request.user, pk)
    queries = selectors.authorization_queries(authorization)
    return render(request, "disclosure/authorization_detail.html", {
        "authorization": authorization, "state": authorization.effective_state(), "queries": queries,
        "mandatory": mandatory_for(authorization.purpose),
        "can_revoke": permissions.may_revoke(request.user, authorization),
        "can_answer": permissions.may_answer_request(request.user, authorization),
    })


@citizen_view
def authorization_receipt(request: HttpRequest, subject: Subject, pk: uuid.UUID) -> HttpResponse:
    """The printable consent receipt."""
    authorization = selectors.get_own_authorization(request.user, pk)
    if not authorization.receipt:
        raise Http404
    return render(request, "disclosure/authorization_receipt.html", {
        "authorization": authorization, "receipt": authorization.receipt,
        "receipt_json": json.dumps(authorization.receipt, ensure_ascii=False, indent=2),
    })


@citizen_view
def authorization_receipt_json(request: HttpRequest, subject: Subject, pk: uuid.UUID) -> HttpResponse:
    authorization = selectors.get_own_authorization(request.user, pk)
    if not authorization.receipt:
        raise Http404
    response = JsonResponse(authorization.receipt, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="consent-receipt-{authorization.reference}.json"'
    return response


@citizen_view
@require_http_methods(["GET", "POST"])
def authorization_revoke(request: HttpRequest, subject: Subject, pk: uuid.UUID) -> HttpResponse:
    """Check before revoking; the revocation takes effect at once."""
    authorization = selectors.get_own_authorization(request.user, pk)
    if not permissions.may_revoke(request.user, authorization):
        messages.error(request, _("Only an active authorization can be revoked."))
        return redirect("disclosure:authorization_detail", pk=authorization.pk)
    form = forms.RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            auth_services.revoke_authorization(
                authorization, by=request.user, reason=form.cleaned_data["reason"], request=request
            )
        except TransitionNotAllowed as exc:
            messages.error(request, str(exc))
            return redirect("disclosure:authorization_detail", pk=authorization.pk)
        return redirect("disclosure:authorization_revoked", pk=authorization.pk)
    return render(request, "disclosure/authorization_revoke.html", {"authorization": authorization, "form": form})


@citizen_view
def authorization_revoked(request: HttpRequest, subject: Subject, pk: uuid.UUID) -> HttpResponse:
    authorization = selectors.get_own_authorization(request.user, pk)
    if authorization.state != Authorization.State.REVOKED:
        return redirect("disclosure:authorization_detail", pk=authorization.pk)
    return render(request, "disclosure/authorization_revoked.html", {"authorization": authorization})


@citizen_view
@require_http_methods(["GET", "POST"])
def authorization_approve(request: HttpRequest, subject: Subject, pk: uuid.UUID) -> HttpResponse:
    """A request from an institution: check its terms, then approve or decline."""
    authorization = selectors.get_own_authorization(request.user, pk)
    if not permissions.may_answer_request(request.user, authorization):
        return redirect("disclosure:authorization_detail", pk=authorization.pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "approve":
                auth_services.approve_request(authorization, by=request.user, request=request)
                messages.success(request, _("You approved the request. %(institution)s may now query with its code.") % {
                    "institution": authorization.grantee.name if authorization.grantee else ""})
            elif action == "decline":
                auth_services.decline_request(authorization, by=request.user, request=request)
                messages.success(request, _("You declined the request. Nothing was shared."))
            else:
                raise PermissionDenied
        except TransitionNotAllowed as exc:
            messages.error(request, str(exc))
        return redirect("disclosure:authorization_detail", pk=authorization.pk)
    # With what the law adds to the report for its purpose, as the person's own grant shows.
    return render(request, "disclosure/authorization_approve.html",
                  {"authorization": authorization, "mandatory": mandatory_for(authorization.purpose)})
