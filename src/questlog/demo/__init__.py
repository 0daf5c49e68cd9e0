"""`questlog demo`: realistic events of every catalog for a few dozen players."""
