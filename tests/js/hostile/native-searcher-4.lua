-- Tries to call the all-in-one C searcher directly.
return package.searchers[4]('evil.sub')
