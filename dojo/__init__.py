"""kata-dojo's harness: the pytest plugin that stages, locks and reports katas."""

__version__ = "0.1.0"
