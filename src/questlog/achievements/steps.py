"""Each event type's rules as one generated function, its step: straight-line Python.

Why generated: interpreted, each rule an event met cost, beyond the few dict operations
its stored entry needs, the unpacking of its tuple, a dispatch on its kind, an `owned`
flag and reads of its thresholds, about half of its time. As dataclasses and attrs do
for `__init__`, a step is written once per Book from the templates below, with each
rule's id, thresholds, filter and field in it as constants, and compiled; what is left
per rule is its entry's own dict operations. `Book.source(event_type)` prints a step.

A step is `step(event, entries, changed, run)`. It changes the player's entries in
`entries` in place, their lists too, adds the ones it begins there, and names each
entry it changed in `changed` (see achievements.rules: the caller owns `entries`).
Copying each changed entry and list instead (the fold's contract before) cost a new
dict or list, the references of its contents and the freeing of the old one per rule
met, and every young collection then walked the copies. An unlock (rare) is left to
`run.reach`, or to `run.repeat`, which records one only once the count of unlocks moved
(it may not: a sum past INT64_MAX multiples).
"""

from __future__ import annotations

import hashlib
import linecache
import math
import re
import textwrap
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from string import Template
from typing import TYPE_CHECKING, Any

from questlog.achievements.kinds import memory_of, multiples, utc_day, with_day
from questlog.events.envelope import NUMBERS

if TYPE_CHECKING:
    from questlog.achievements.book import Counting, Filter

Entry = dict[str, Any]
# (event, entries, changed, run): see the module's docstring
Step = Callable[[Mapping[str, Any], dict[str, Entry], dict[str, Entry], Any], None]

EMPTY: Entry = {}  # never written: an entry not begun is read as this, begun as a new dict

_HEADER = '''\
def step(event, entries, changed, run):
    """$event_type: $rules rules, $filters distinct filters."""
    get, moment, entry_of = event.get, event["event_time"], entries.get'''

# How a kind makes the entry its event changed the run's: the stored one, changed in
# place, or, for an achievement not begun, a new one in `entries`. What `run.own` does
# (rules._Run), written out in the step: no call per rule met.
_OWN = '''\
if entry is EMPTY:
    entries[$key] = entry = {}
changed[$key] = entry'''

# Each kind leaves the entry in `entry` (made the run's at `$own` if the event changed
# it), its value in `value`.
_KINDS = {
    "counter": '''
entry = entry_of($key, EMPTY)
value = entry.get("value", 0) + 1
$own
entry["value"] = value''',
    "sum": '''
entry = entry_of($key, EMPTY)
value = entry.get("value", 0)
if number_$field:
    value += field_$field
    $own
    entry["value"] = value''',
    "distinct": '''
entry = entry_of($key, EMPTY)
seen = entry.get("seen", ())
# past the top, stop growing
if field_$field is not None and len(seen) < $top and field_$field not in seen:
    $own
    if seen:
        seen.append(field_$field)
    else:
        entry["seen"] = seen = [field_$field]
    entry["value"] = value = len(seen)
else:
    value = entry.get("value", 0)''',
    "streak": '''
entry = entry_of($key, EMPTY)
days = entry.get("days") or []
at = bisect_left(days, day)
value = entry.get("value", 0)
if at == len(days) or days[at] != day:  # a day the streak lacked
    value = with_day($kept, days, at, day, value)
    $own
    entry["days"], entry["value"] = days, value''',
}

# Whether the event unlocked something: each check first compares the value with the
# lowest threshold, which settles most events without another dict read.
_ONCE = '''
if value >= $first and not entry.get("reached"):
    run.reach($rule, entry, event)'''
_TIERS = '''
if value >= $first:
    reached = entry.get("reached")
    level = len(reached) if reached else 0
    if level < $levels and value >= $thresholds[level]:
        run.reach($rule, entry, event)'''
# value // threshold is NaN only for an infinite sum: multiples() counts it.
_REPEATABLE = '''
times, passes = entry.get("times", 0), value // $threshold
if passes > times or (passes != passes and multiples(value, $threshold) > times):
    run.repeat($rule, entry, event, times, passes)'''


def write(event_type: str, filters: Sequence[Filter], rules: Sequence[Counting]
          ) -> tuple[str, Step]:
    """The step of one event type's rules (in file order) and filters, and its source."""
    namespace: dict[str, Any] = {
        "EMPTY": EMPTY, "INF": math.inf, "NUMBERS": NUMBERS, "bisect_left": bisect_left,
        "multiples": multiples, "with_day": with_day,
    }
    lines = [Template(_HEADER).substitute(event_type=event_type, rules=len(rules),
                                          filters=len(filters))]
    if any(rule.kind == "streak" for rule in rules):
        lines.append("    day = utc_day(moment)")
        namespace["utc_day"] = utc_day
    lines += _fields(filters, rules)
    for number, found in enumerate(filters):
        lines.append(f"    f{number} = {_condition(number, found, namespace)}")
    for number, rule in enumerate(rules):
        namespace[f"RULE_{number}"] = rule
        lines.extend(_rule(number, rule))
    source = "\n".join(lines) + "\n"
    digest = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()[:12]
    filename = f"<questlog step {event_type} {digest}>"
    # Registered as attrs does, so that tracebacks and profilers show the generated lines.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)
    step: Step = namespace["step"]
    return source, step


def _condition(number: int, found: Filter, namespace: dict[str, Any]) -> str:
    """One filter as an expression, checked in the interpreted order: window, then fields."""
    after, before, where = found
    parts = []
    if after is not None:
        namespace[f"AFTER_{number}"] = after
    if before is not None:
        namespace[f"BEFORE_{number}"] = before
    if after is not None and before is not None:
        parts.append(f"AFTER_{number} <= moment < BEFORE_{number}")
    elif after is not None:
        parts.append(f"AFTER_{number} <= moment")
    elif before is not None:
        parts.append(f"moment < BEFORE_{number}")
    for index, (name, allowed) in enumerate(where):
        namespace[f"WHERE_{number}_{index}"] = allowed
        parts.append(f"field_{name} in WHERE_{number}_{index}")
    return " and ".join(parts)


def _fields(filters: Sequence[Filter], rules: Sequence[Counting]) -> list[str]:
    """Each field the rules or filters read, read once; and, for each summed field,
    whether it holds a number (a missing field or an older schema's may not)."""
    read = [name for _, _, where in filters for name, _ in where]
    read += [rule.field for rule in rules if rule.field is not None]
    summed = {rule.field for rule in rules if rule.kind == "sum"}
    lines = []
    for name in dict.fromkeys(read):  # each once, in order
        assert name.isidentifier(), name  # an event model's field
        lines.append(f"    field_{name} = get({name!r})")
        if name in summed:  # NUMBERS, a tuple: `int | float` would build a union per event
            lines.append(f"    number_{name} = isinstance(field_{name}, NUMBERS) "
                         f"and not isinstance(field_{name}, bool)")
    return lines


def _rule(number: int, rule: Counting) -> list[str]:
    """A rule's lines in the step: its kind's, then its unlock check, under its filter."""
    # A counter's, a distinct's and a streak's values are ints: compared with an int (if
    # the threshold is one: the comparison is exact either way), CPython takes its fast
    # path for two ints instead of its generic one for an int and a float.
    compared = _literal if rule.kind == "sum" else _integral
    single = _ONCE if len(rule.thresholds) == 1 else _TIERS
    check = _REPEATABLE if rule.repeatable else single
    body = Template(_owning(_KINDS[rule.kind]) + check).substitute(
        key=repr(rule.id), field=rule.field, rule=f"RULE_{number}",
        kept=memory_of(rule.thresholds[-1]),
        top=compared(rule.thresholds[-1]), first=compared(rule.thresholds[0]),
        levels=len(rule.thresholds), threshold=_literal(rule.thresholds[0]),
        thresholds=f"({', '.join(compared(t) for t in rule.thresholds)})",
    ).strip("\n").splitlines()
    indent = "    " if rule.filter < 0 else "        "
    head = [f"    # {rule.id}: {rule.kind}{' repeatable' if rule.repeatable else ''}, "
            f"thresholds {', '.join(_literal(t) for t in rule.thresholds)}"]
    if rule.filter >= 0:
        head.append(f"    if f{rule.filter}:")
    return head + [indent + line for line in body]


def _owning(template: str) -> str:
    """A kind's template with its `$own` line written out, at that line's indentation."""
    return re.sub(r"(?m)^( *)\$own$", lambda line: textwrap.indent(_OWN, line[1]), template)


def _integral(number: float) -> str:
    return str(int(number)) if math.isfinite(number) and number == int(number) else \
        _literal(number)


def _literal(number: float) -> str:
    return repr(number) if math.isfinite(number) else "INF"
