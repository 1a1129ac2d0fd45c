"""The credit office's pages for credit levels: every archive by level, and the rules.
Thin: selectors read, services write, ``permissions`` decide."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from archives.levels import permissions, selectors, services
from archives.levels.forms import LevelFilterForm, LevelRuleForm
from archives.levels.models import LevelRule
from archives.views.base import add_errors, require, staff_view

PAGE_SIZE = 50


@require_GET
@staff_view
def level_list(request: HttpRequest) -> HttpResponse:
    require(permissions.can_view_level_list(request.user))
    form = LevelFilterForm(request.GET or None)
    filters = {}
    if form.is_bound:
        form.is_valid()
        filters = form.cleaned_data
    levels = selectors.archive_levels(
        level=filters.get("level") or "",
        department_id=filters["department"].pk if filters.get("department") else None,
        occupation_id=filters["occupation"].pk if filters.get("occupation") else None,
    )
    page = Paginator(levels, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "levels/level_list.html", {"form": form, "page": page})


@require_GET
@staff_view
def rule_list(request: HttpRequest) -> HttpResponse:
    require(permissions.can_manage_level_rules(request.user))
    return render(request, "levels/rules.html", {
        "rules": list(selectors.rules_in_force()), "retired": list(selectors.retired_rules()[:50]),
    })


@require_http_methods(["GET", "POST"])
@staff_view
def rule_new(request: HttpRequest) -> HttpResponse:
    require(permissions.can_manage_level_rules(request.user))
    form = LevelRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_level_rule(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        except PermissionDenied:
            raise
        else:
            messages.success(request, _("The rule is in force. Every archive's level is being recomputed."))
            return redirect("archives:level_rules")
    return render(request, "levels/rule_form.html", {"form": form})


@require_POST
@staff_view
def rule_retire(request: HttpRequest, rule_id: int) -> HttpResponse:
    require(permissions.can_manage_level_rules(request.user))
    rule = get_object_or_404(LevelRule, pk=rule_id)
    try:
        services.retire_level_rule(rule, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The rule is out of force. Every archive's level is being recomputed."))
    return redirect("archives:level_rules")
