"""Aggregates: mergeable daily and weekly statistics, their rollups, runs and the job lease."""
