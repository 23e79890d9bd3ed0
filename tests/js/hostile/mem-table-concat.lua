-- Memory bomb: table.concat of 64 references to one 1 MB string (one C call, 64 MB result).
local s = string.rep('x', 1e6)
local t = {}
for i = 1, 64 do t[i] = s end
return table.concat(t)
