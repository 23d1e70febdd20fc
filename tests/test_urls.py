import pytest

from newsdiffs.urls import canonicalize


@pytest.mark.parametrize(
    "url, expected",
    [
        ("http://www.bbc.co.uk/news/uk-123#comments", "https://www.bbc.co.uk/news/uk-123"),
        ("https://www.bbc.com/news/uk-123?at_medium=RSS&at_campaign=x",
         "https://www.bbc.co.uk/news/uk-123"),
        ("https://bbc.co.uk/news/uk-123?utm_source=tw", "https://www.bbc.co.uk/news/uk-123"),
        ("https://WWW.Example.ORG:443/a?id=5&utm_medium=x", "https://www.example.org/a?id=5"),
        ("http://127.0.0.1:8080/news/a?x=1#y", "http://127.0.0.1:8080/news/a?x=1"),
        ("http://news.bbc.co.uk/1/hi/uk/123.stm", "https://news.bbc.co.uk/1/hi/uk/123.stm"),
    ],
)
def test_canonicalize(url, expected):
    assert canonicalize(url) == expected
