"""The language-neutral contracts in contracts/, generated from the event models and the app.

`questlog contracts` (`make contracts`) writes them; `questlog contracts --check` says
which committed files are stale. Nothing in contracts/ is edited by hand.
"""
