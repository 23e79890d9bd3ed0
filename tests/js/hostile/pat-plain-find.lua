-- Plain (non-pattern) find, quadratic: a 2 MB needle that almost matches at every position.
local s = string.rep('a', 4e6)
return string.find(s, string.rep('a', 2e6) .. 'b', 1, true)
