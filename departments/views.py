from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from departments import selectors


def catalogue(request: HttpRequest) -> HttpResponse:
    """The public catalogue: occupations, their departments and record categories."""
    return render(request, "departments/catalogue.html", {"occupations": selectors.catalogue_occupations()})
