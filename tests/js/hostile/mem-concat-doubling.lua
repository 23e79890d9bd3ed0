-- Memory bomb: a string that doubles on every iteration.
local s = 'x'
while true do s = s .. s end
