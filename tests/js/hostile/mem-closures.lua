-- Memory bomb: an endless supply of closures, each with its own upvalue.
local t, i = {}, 0
while true do
  i = i + 1
  local j = i
  t[i] = function() return j end
end
