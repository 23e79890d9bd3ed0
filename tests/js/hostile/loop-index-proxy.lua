-- A table whose __index loops, handed to the host (as a Proxy) to be read there.
return setmetatable({}, { __index = function() while true do end end })
