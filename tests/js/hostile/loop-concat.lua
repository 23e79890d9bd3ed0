-- A __concat metamethod that loops.
return setmetatable({}, { __concat = function() while true do end end }) .. 'x'
