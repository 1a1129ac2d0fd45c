"""The credit office's pages for credit levels: every archive by level, the rules, and
the integrity points pilot's scoring rules.
Thin: selectors read, services write, ``permissions`` decide."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from archives.levels import permissions, points, selectors, services
from archives.levels.forms import LevelFilterForm, LevelRuleForm, PointRuleEditForm, PointRuleForm
from archives.levels.models import LevelRule, PointRule
from archives.views.base import refused, require, staff_view, submit

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
    done = submit(request, form, lambda data: services.add_level_rule(by=request.user, **data),
                  done=_("The rule is in force. Every archive's level is being recomputed."),
                  to=reverse("archives:level_rules"))
    return done or render(request, "levels/rule_form.html", {"form": form})


def _retire(request: HttpRequest, retire: Callable[..., object], rule: object, done: str, back: str) -> HttpResponse:
    """Take a rule (a level rule or a scoring rule) out of force through its service; a
    refusal comes back as a message on the list it was asked from."""
    try:
        retire(rule, by=request.user)
    except ValidationError as exc:
        return refused(request, exc, reverse(back))
    messages.success(request, done)
    return redirect(back)


@require_POST
@staff_view
def rule_retire(request: HttpRequest, rule_id: int) -> HttpResponse:
    require(permissions.can_manage_level_rules(request.user))
    return _retire(request, services.retire_level_rule, get_object_or_404(LevelRule, pk=rule_id),
                   _("The rule is out of force. Every archive's level is being recomputed."), "archives:level_rules")


@require_GET
@staff_view
def point_rule_list(request: HttpRequest) -> HttpResponse:
    require(permissions.can_manage_point_rules(request.user))
    return render(request, "levels/point_rules.html", {
        "rules": list(selectors.point_rules_in_force()), "retired": list(selectors.retired_point_rules()[:50]),
        "pilot": selectors.points_pilot_state(),
    })


@require_http_methods(["GET", "POST"])
@staff_view
def point_rule_new(request: HttpRequest) -> HttpResponse:
    require(permissions.can_manage_point_rules(request.user))
    form = PointRuleForm(request.POST or None)
    done = submit(request, form, lambda data: points.add_point_rule(by=request.user, **data),
                  done=_("The scoring rule is in force."), to=reverse("archives:point_rules"))
    return done or render(request, "levels/point_rule_form.html", {"form": form, "rule": None})


@require_http_methods(["GET", "POST"])
@staff_view
def point_rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    require(permissions.can_manage_point_rules(request.user))
    rule = get_object_or_404(PointRule, pk=rule_id, is_active=True)
    form = PointRuleEditForm(request.POST or None, initial={"points": rule.points, "source": rule.source})
    done = submit(request, form, lambda data: points.change_point_rule(rule, by=request.user, **data),
                  done=_("The scoring rule is changed; the earlier version is kept as retired."),
                  to=reverse("archives:point_rules"))
    return done or render(request, "levels/point_rule_form.html", {"form": form, "rule": rule})


@require_POST
@staff_view
def point_rule_retire(request: HttpRequest, rule_id: int) -> HttpResponse:
    require(permissions.can_manage_point_rules(request.user))
    return _retire(request, points.retire_point_rule, get_object_or_404(PointRule, pk=rule_id),
                   _("The scoring rule is out of force."), "archives:point_rules")
