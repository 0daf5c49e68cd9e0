"""Designers' analytics over the raw events: active players, new and returning ones,
sessions and their length, retention cohorts, funnels and breakdowns.

The pipelines (pipelines.py) run inside MongoDB and reduce the raw events to one row
per player and day, per session, per player and funnel step, or per field value and
player; the pure modules beside them turn those rows into the figures. service.py is
the thin I/O between the two.
"""
