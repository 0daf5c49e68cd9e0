"""Sessions: one summary per session_id derived from its stored events, the features and
first-try metrics computed at close, and the per-player learner (seeds 000 and 004)."""
