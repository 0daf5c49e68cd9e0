"""The seeds' own request and response shapes, mapped onto the catalogs: one small module
per seed, pure (dicts in, dicts out). Their HTTP routes are in questlog.api.compat.

Each module's EXAMPLES are the seed's own examples, as written (their 2025 timestamps
included); `questlog contracts` writes them into contracts/seeds/ with what they map to.
"""
