"""The zoo of hostile and broken solutions that ``dojo grade`` must grade right.

Each ``<name>.py`` is a solution of the stand-in kata ``toy`` (see
``standin.py``): stage 1 calls ``value()``, stage 2 calls ``grow()``, stage 3
calls ``value()`` again. A solution misbehaving in ``grow()`` must be graded
as having reached stage 1 and broken in stage 2; one misbehaving at import,
as having reached nothing. Each file's docstring says what it does.
"""
