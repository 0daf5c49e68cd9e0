"""Questlog's one compiled part, optional: the rollup's C extension
(src/questlog/stats/_rollup.c: its scan of raw events and its encoding of the players'
documents; stats/compiled.py). Where no C compiler is found the install goes on
without it, and the rollup does the same in Python. Everything else is in
pyproject.toml."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("questlog.stats._rollup", ["src/questlog/stats/_rollup.c"],
                             optional=True)])
