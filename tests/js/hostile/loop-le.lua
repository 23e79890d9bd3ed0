-- An __le metamethod that catches the limit error and loops again.
local mt = { __le = function() while true do pcall(function() while true do end end) end end }
return setmetatable({}, mt) <= setmetatable({}, mt)
