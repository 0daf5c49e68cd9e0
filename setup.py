"""Questlog's one compiled part, optional: the rollup's encoder of the players'
documents (src/questlog/stats/_players.c; stats/encoded.py says why). Where no C
compiler is found the install goes on without it, and the rollup writes dicts as
before. Everything else is in pyproject.toml."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("questlog.stats._players", ["src/questlog/stats/_players.c"],
                             optional=True)])
