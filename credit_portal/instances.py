"""Model instances from a compiled read's rows without the generic ``Model.__init__``.

``credit_portal.compiled`` builds the instances its model reads return (the query API's
code authorization with its person, the report's archives, the signed-in user...) with
``from_db`` below: what Django's ``Model.from_db`` builds, the values put straight into
the instance's ``__dict__``, whenever that is all ``__init__`` would do. Anything that
could make the two differ takes Django's own path.
"""

from __future__ import annotations

import inspect
from typing import Any

from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query import RelatedPopulator
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

# Descriptors that store a value set on an instance in its __dict__ and nothing else (the
# foreign key's also forgets a cached related object, which a new instance has none of).
_PLAIN_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute)
_plain_models: dict[tuple[type[Model], tuple[str, ...]], bool] = {}


def _plain(model: type[Model], attnames: tuple[str, ...]) -> bool:
    """Whether ``Model.__init__`` would only store ``attnames`` in the new instance's
    __dict__: the model keeps Django's ``from_db`` and every attribute is a plain field
    descriptor (signals are asked on each call: a receiver may be connected later). A
    model with its own ``__init__`` (one that remembers loaded values, say) always gets
    Django's path: skipping its ``__init__`` would skip what it does."""
    key = (model, attnames)
    plain = _plain_models.get(key)
    if plain is None:
        plain = _plain_models[key] = (
            model.__init__ is Model.__init__
            and model.from_db.__func__ is Model.from_db.__func__  # type: ignore[attr-defined]
            and all(type(inspect.getattr_static(model, name, None)) in _PLAIN_DESCRIPTORS for name in attnames)
        )
    return plain


def from_db(model: type[Model], using: str, attnames: list[str], values: Any) -> Model:
    """``model.from_db(using, attnames, values)`` without the generic ``Model.__init__``
    (its signals, its per-field ``setattr`` and the DEFERRED list for a row with fewer
    columns): the same instance, ``_state`` first, then the values in __dict__, which is
    all ``__init__`` does with positional values when nothing listens to ``pre_init`` or
    ``post_init`` and the descriptors are Django's plain ones. Model instances built from
    compiled reads were 15 ``__init__`` calls per query API request (7 % of its CPU)."""
    if pre_init.has_listeners(model) or post_init.has_listeners(model) or not _plain(model, tuple(attnames)):
        return model.from_db(using, attnames, values)
    obj = object.__new__(model)
    state = obj._state = ModelState()
    obj.__dict__.update(zip(attnames, values, strict=True))
    state.adding = False
    state.db = using
    return obj


def populate(populator: Any, row: list[Any], from_obj: Model) -> None:
    """``RelatedPopulator.populate`` with ``from_db`` above for its instances."""
    if type(populator) is not RelatedPopulator:
        populator.populate(row, from_obj)
        return
    data = populator.reorder_for_init(row) if populator.reorder_for_init else row[populator.cols_start : populator.cols_end]
    obj = None
    if data[populator.pk_idx] is not None:
        obj = from_db(populator.model_cls, populator.db, populator.init_list, data)
        for nested in populator.related_populators:
            populate(nested, row, obj)
    populator.local_setter(from_obj, obj)
    if obj is not None:
        populator.remote_setter(obj, from_obj)
