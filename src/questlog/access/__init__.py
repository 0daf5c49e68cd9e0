"""Access and privacy: who may write and read what, and what Questlog keeps about a player.

Keys, player and company tokens, rate limits, opt-out, pseudonymous ids, erasure and
export, reference data. Pure rules (pseudonyms, rate, tokens, references) sit under
thin I/O (the stores and services); nothing here imports FastAPI.
"""
