-- Memory bomb: coroutines suspended 100 calls deep, all kept alive.
local function deep(n) if n == 0 then coroutine.yield() else deep(n - 1) end end
local t = {}
while true do
  local co = coroutine.create(deep)
  coroutine.resume(co, 100)
  t[#t + 1] = co
end
