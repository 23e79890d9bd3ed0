-- A __gc finalizer that loops for ever, run by a full collection.
setmetatable({}, { __gc = function() while true do end end })
collectgarbage()
return 'escaped'
