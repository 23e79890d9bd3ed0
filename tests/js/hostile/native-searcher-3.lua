-- Tries to call the C-library searcher directly.
return package.searchers[3]('evil')
