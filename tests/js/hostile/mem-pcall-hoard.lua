-- Memory bomb that catches every out-of-memory error and keeps hoarding.
local keep = {}
while true do
  pcall(function()
    while true do keep[#keep + 1] = string.rep('x', 65536) end
  end)
end
