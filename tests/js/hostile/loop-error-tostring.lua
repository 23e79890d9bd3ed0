-- An error object whose __tostring loops (the host must not hang turning it into a message).
error(setmetatable({}, { __tostring = function() while true do end end }))
