-- Pattern bomb: a two-million-character pattern of single-character items tried at every start.
local s = string.rep('a', 3e6)
return string.find(s, string.rep('.', 2e6) .. 'b')
