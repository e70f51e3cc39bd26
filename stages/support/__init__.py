"""Test helpers shared by one kata's stage suites (models, strategies, messages).

One module per kata: ``stages/support/<kata>.py``. Generic helpers live in
the harness (``dojo.calls``, ``dojo.concurrency``, ``dojo.complexity``).
"""
