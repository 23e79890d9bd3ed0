-- table.sort with an inconsistent comparator (an error), caught and retried for ever.
local t = {}
for i = 1, 1000 do t[i] = i end
while true do pcall(table.sort, t, function(a, b) return math.random() < 0.5 end) end
