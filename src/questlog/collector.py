"""The cyclic garbage collector's setting for a long-running Questlog process: set by
`questlog serve`, and by `questlog bench achievements` so that it times the rules as a
server runs them."""

# Allocations between two young collections (CPython's default: 700). A batch of the
# achievements evaluator allocates a few hundred thousand objects, nearly all freed by
# reference counting; collecting every 700 of them promoted the batch's live events to
# the old generations, which were then walked again and again. A young collection walks
# only the young objects still alive, so requests, which keep little, pause no longer.
GC_YOUNG_THRESHOLD = 50_000
