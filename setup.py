"""Only for ``scrapyd-deploy`` (README "Running on many machines"), which builds the Scrapyd egg
with ``setup.py bdist_egg``; everything about the package is in pyproject.toml."""

from setuptools import setup

setup()
