-- Memory bomb: an endless supply of coroutines, all kept alive.
local t = {}
while true do t[#t + 1] = coroutine.create(function() end) end
