-- xpcall around an endless loop, retried endlessly, with a short handler.
local function body() while true do end end
while true do xpcall(body, function(e) return e end) end
