-- A __close handler that loops, reached by an error.
local x <close> = setmetatable({}, { __close = function() while true do end end })
error('x')
