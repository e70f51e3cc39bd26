"""Load kata-dojo's harness for every run in this repository."""

pytest_plugins = ["dojo.plugin"]
