"""Project Scrapy commands (``COMMANDS_MODULE``): ``crawl`` with its spider arguments checked."""
