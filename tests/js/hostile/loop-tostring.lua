-- A __tostring metamethod that loops, called from C by tostring().
return tostring(setmetatable({}, { __tostring = function() while true do end end }))
