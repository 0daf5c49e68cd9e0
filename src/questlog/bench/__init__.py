"""`questlog bench ...`: benchmarks that print their figures; never timed tests."""
