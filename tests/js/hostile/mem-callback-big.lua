-- A JS callback hands Lua a 16 MB string under an 8 MB limit.
local s = big()
return #s
