-- Memory bomb: gsub doubling a string on every pass.
local s = string.rep('a', 1000)
while true do s = s:gsub('a', 'aa') end
