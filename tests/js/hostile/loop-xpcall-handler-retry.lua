-- An xpcall message handler that catches and re-runs the loop for ever.
local function body() while true do end end
while true do
  xpcall(body, function() while true do pcall(body) end end)
end
