"""The offline demo: a local replay of a news site whose articles change between crawls."""
