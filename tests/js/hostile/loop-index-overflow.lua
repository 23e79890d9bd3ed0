-- __index recursing into itself (C stack overflow), caught and retried for ever.
local t = setmetatable({}, { __index = function(t, k) return t[k] end })
while true do pcall(function() return t.x end) end
