"""Query strings read strictly: each parameter by its declared name or its camelCase
spelling (as event bodies are read), and anything else refused with 422 invalid_query.

Every router is built with `route_class=StrictQueryRoute`, so the rule holds on every
route and follows each route's declared parameters (its own and its dependencies'):
a filter a route does not know is never silently dropped, nor one of a scalar
parameter given twice (FastAPI would keep the last value and drop the others).
"""

from __future__ import annotations

import types
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin
from urllib.parse import parse_qsl, urlencode

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic.alias_generators import to_camel

from questlog.api.envelope import ApiError

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def _is_list(annotation: Any) -> bool:
    """Whether FastAPI reads a parameter of this type from every value given (getlist)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _is_list(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return any(_is_list(a) for a in get_args(annotation))
    return (origin or annotation) in (list, tuple, set, frozenset)


def _query_fields(dependant: Dependant) -> Iterator[tuple[str, bool]]:
    """(declared name, takes a list) of each query parameter, dependencies' included."""
    for field in dependant.query_params:
        yield field.alias, _is_list(field.field_info.annotation)
    for sub in dependant.dependencies:
        yield from _query_fields(sub)


@dataclass(frozen=True)
class QuerySpelling:
    """The spellings a route's query accepts, and the declared name each one stands for."""

    names: dict[str, str]
    repeatable: frozenset[str]  # list parameters: `ids=a&ids=b` is one parameter

    @classmethod
    def of(cls, dependant: Dependant) -> QuerySpelling:
        names: dict[str, str] = {}
        repeatable = set()
        for name, is_list in _query_fields(dependant):
            for spelling in (name, to_camel(name)):
                if names.setdefault(spelling, name) != name:
                    raise ValueError(f"query parameters {names[spelling]!r} and {name!r} "
                                     f"share the spelling {spelling!r}")
            if is_list:
                repeatable.add(name)
        return cls(names=names, repeatable=frozenset(repeatable))

    @property
    def declared(self) -> list[str]:
        return sorted(set(self.names.values()))

    def canonical(self, query_string: bytes) -> bytes:
        """The query with every parameter under its declared name; ApiError if it cannot be."""
        if not query_string:  # most requests (every write): nothing to rename or refuse
            return query_string
        # As Starlette reads it (latin-1, then percent-decoding as UTF-8).
        pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
        unknown = sorted({key for key, _ in pairs if key not in self.names})
        if unknown:
            takes = ", ".join(self.declared) or "no query parameters"
            raise ApiError(
                422, "invalid_query",
                f"unknown query parameter(s) {', '.join(map(repr, unknown))}; this route "
                f"takes {takes} (or their camelCase spelling)",
                [{"field": key, "message": "unknown query parameter", "kind": "unknown_parameter"}
                 for key in unknown],
            )
        renamed = [(self.names[key], value) for key, value in pairs]
        counts = Counter(key for key, _ in renamed)
        repeated = sorted(k for k, n in counts.items() if n > 1 and k not in self.repeatable)
        if repeated:
            raise ApiError(
                422, "invalid_query",
                f"query parameter(s) {', '.join(map(repr, repeated))} given more than once "
                "(under one spelling or two); give each once",
                [{"field": key, "message": "given more than once", "kind": "repeated_parameter"}
                 for key in repeated],
            )
        if renamed == pairs:
            return query_string  # untouched, byte for byte
        return urlencode(renamed).encode("latin-1")


class StrictQueryRoute(APIRoute):
    """An APIRoute whose query is read by QuerySpelling before FastAPI parses it."""

    def get_route_handler(self) -> Handler:
        return self.strict(super().get_route_handler())

    def strict(self, handler: Handler) -> Handler:
        """`handler`, after this route's query was read by QuerySpelling."""
        spelling = QuerySpelling.of(self.dependant)

        async def strict_handler(request: Request) -> Response:
            query = request.scope.get("query_string", b"")
            canonical = spelling.canonical(query)
            if canonical is not query:
                request = Request({**request.scope, "query_string": canonical}, request.receive)
            return await handler(request)

        return strict_handler
