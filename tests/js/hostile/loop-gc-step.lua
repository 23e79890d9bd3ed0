-- Finalizers that loop, run by ordinary incremental GC steps while the script allocates.
local mt = { __gc = function() while true do end end }
for i = 1, 1e5 do setmetatable({}, mt) end
for i = 1, 1e6 do local t = { i } end
return 'escaped'
