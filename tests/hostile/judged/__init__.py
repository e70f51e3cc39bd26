"""Hostile ``lru_cache`` solutions for the outside judge (tests/test_judge.py).

Each forges, in the process that runs it, what the in-process suites see,
or attacks the judge's worker protocol; the judge, in its own process, must
fail them at the stage they did not earn (or, for the chatty one, pass it).
"""
