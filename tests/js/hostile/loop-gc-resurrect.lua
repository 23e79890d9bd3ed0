-- A finalizer that makes a new finalizable object, with a loop of full collections:
-- every count event of the VM lands inside a finalizer, where hooks are off.
local mt
mt = { __gc = function() setmetatable({}, mt) end }
setmetatable({}, mt)
while true do collectgarbage() end
