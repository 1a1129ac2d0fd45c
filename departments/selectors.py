from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from departments.models import Occupation, OccupationCategory, OccupationDepartment


def catalogue_occupations() -> QuerySet[Occupation]:
    """Active occupations with their responsibilities and categories, in three queries."""
    return Occupation.objects.filter(is_active=True).prefetch_related(
        Prefetch(
            "occupationdepartment_set",
            queryset=OccupationDepartment.objects.select_related("department").order_by("department__sort_order"),
        ),
        Prefetch(
            "occupationcategory_set",
            queryset=OccupationCategory.objects.select_related("category").order_by("category__sort_order"),
        ),
    )
