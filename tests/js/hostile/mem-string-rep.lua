-- Memory bomb: one string.rep call asking for a gigabyte.
return string.rep('x', 1e9)
