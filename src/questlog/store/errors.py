"""Server error codes Questlog tells apart."""

# A write whose _id (or other unique key) is already stored: for Questlog's idempotent
# writes, "someone wrote this already", not a failure.
DUPLICATE_KEY = 11000
