"""Scrapy item pipelines: validate -> normalise -> compare and store.

Each is a small class configured by ``from_crawler``; the policy they apply
lives in plain-Python modules of ``newsdiffs``.
"""
