"""What every app shares and no app owns: ACLED's vocabularies, name checks, integer bounds and the
API plumbing. It depends on Django and the libraries only, never on an app (tests/test_layers.py)."""
