"""The person's side of the serious-dishonesty list procedure (archives.listing): the
notices before listing with the reasons, basis, rights and deadline, and the statement
and defence (陈述申辩) within the window (国办发〔2020〕49号). Only the person's own
listings: anyone else's is 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from archives.listing import permissions, selectors, services
from archives.listing.forms import StatementForm
from archives.models import Subject
from credit_portal import audit
from credit_portal.exceptions import TransitionNotAllowed
from credit_portal.forms import add_errors
from disclosure.views.common import citizen_view


@require_GET
@citizen_view
def my_listings(request: HttpRequest, subject: Subject) -> HttpResponse:
    listings = list(selectors.own_listings(subject))
    return render(request, "listing/my_listings.html", {"subject": subject, "listings": listings})


@require_http_methods(["GET", "POST"])
@citizen_view
def my_listing(request: HttpRequest, subject: Subject, listing_id: int) -> HttpResponse:
    listing = selectors.get_own_listing(subject, listing_id)
    may_object = permissions.can_object(subject, listing)
    form = StatementForm(request.POST or None, request.FILES or None) if may_object else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.file_objection(listing, subject=subject, text=form.cleaned_data["text"],
                                    files=form.cleaned_data["files"])
        except ValidationError as exc:
            add_errors(form, exc)
        except TransitionNotAllowed as exc:
            messages.error(request, str(exc))
            return redirect("disclosure:my_listing", listing_id=listing.pk)
        else:
            messages.success(request, _("Your statement has been sent. The reviewer will take it into account."))
            return redirect("disclosure:my_listing", listing_id=listing.pk)
    audit.record_read("disclosure.own_record.viewed", target=subject, subject_ref=str(subject.pk),
                      detail={"page": f"listing:{listing.pk}"}, request=request)
    return render(request, "listing/my_listing.html", {
        "subject": subject, "listing": listing, "form": form, "window_closed": permissions.window_closed(listing),
        # While the listing stands: until when correcting the conduct ends the joint punishment.
        "punishment_case": selectors.open_or_corrected_case(listing),
    })
