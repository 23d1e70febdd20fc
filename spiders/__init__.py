"""Scrapy spiders: one module per site plus a generic feed spider.

Spiders only find URLs and hand responses to the plain-Python extractors in
``newsdiffs.extract``; everything else happens in the pipelines.
"""
