"""The choices a template row may hold, read from the catalogue once per file.

Labels are what the template's dropdowns show (Chinese); the reader maps them back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from archives.models import Archive, CreditRecord
from archives.services import categories_for
from departments.models import Domain, Occupation, RecordCategory


@dataclass
class Choices:
    occupation: Occupation
    categories: dict[str, RecordCategory] = field(default_factory=dict)  # label or code → category
    category_ids: set[int] = field(default_factory=set)
    category_labels: list[str] = field(default_factory=list)
    domains: dict[str, Domain] = field(default_factory=dict)
    domain_labels: list[str] = field(default_factory=list)
    polarity: dict[str, str] = field(default_factory=dict)
    polarity_labels: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)
    severity_labels: list[str] = field(default_factory=list)
    source_type: dict[str, str] = field(default_factory=dict)
    source_type_labels: list[str] = field(default_factory=list)
    yes_no: dict[str, bool] = field(default_factory=dict)
    # The day the file's dates are checked against ("not in the future"), read once per
    # file rather than once per cell.
    today: date = field(default_factory=timezone.localdate)


def polarity_labels() -> dict[str, str]:
    return {
        CreditRecord.Polarity.POSITIVE: _("Positive"),
        CreditRecord.Polarity.NEUTRAL: _("Neutral"),
        CreditRecord.Polarity.NEGATIVE: _("Negative"),
    }


def choices_for(occupation: Occupation) -> Choices:
    """The categories of ``occupation`` (common ones and its own, 000 §二), every key
    domain, and the fixed choices, each known by its label and by its code."""
    choices = Choices(occupation=occupation)
    categories = sorted(categories_for(Archive(occupation=occupation)), key=lambda c: (c.sort_order, c.code))
    for category in categories:
        choices.categories[category.name] = choices.categories[category.code] = category
        choices.category_ids.add(category.pk)
        choices.category_labels.append(category.name)
    for domain in Domain.objects.order_by("sort_order", "code"):
        choices.domains[domain.name] = choices.domains[domain.code] = domain
        choices.domain_labels.append(domain.name)
    for code, label in polarity_labels().items():
        choices.polarity[label] = choices.polarity[str(code)] = str(code)
        choices.polarity_labels.append(label)
    for code, label in CreditRecord.Severity.choices:
        choices.severity[str(label)] = choices.severity[str(code)] = str(code)
        choices.severity_labels.append(str(label))
    for code, label in CreditRecord.SourceType.choices:
        choices.source_type[str(label)] = choices.source_type[str(code)] = str(code)
        choices.source_type_labels.append(str(label))
    choices.yes_no = {_("Yes"): True, _("No"): False}
    return choices
