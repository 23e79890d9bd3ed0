-- table.concat of 800k pieces in a loop: a long C call per few VM instructions.
local t = {}
for i = 1, 8e5 do t[i] = 'x' end
while true do local s = table.concat(t) end
