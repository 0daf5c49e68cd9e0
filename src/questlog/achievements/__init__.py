"""Achievements: data-driven definitions, crash-safe evaluation of stored events, player reads.

definitions.py (the file and its validation) -> rules.py (pure evaluation) ->
evaluator.py (stored events -> progress documents, driven by the bus through
handlers.py) -> service.py (reads, stats, redeem) and backfill.py; tokens.py signs
player tokens; runtime.py wires them for bootstrap. See docs/achievements.md.
"""
