-- Leaves behind an unreachable object whose __gc finalizer loops for ever, and returns
-- normally: whoever collects it next (a later call, gc(), reset(), dispose(), the JS
-- garbage collector or process exit) must not hang.
setmetatable({}, { __gc = function() while true do end end })
return 'left'
