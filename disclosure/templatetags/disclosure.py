"""Template filters for disclosure pages: names masked as the public lists mask them."""

from __future__ import annotations

from django import template

from credit_portal.masking import mask_name

register = template.Library()


@register.filter
def masked_name(name: str) -> str:
    """张小三 → 张*三 (credit_portal.masking.mask_name; 003 item 7: private details are never
    shown beyond those who need them)."""
    return mask_name(name)
