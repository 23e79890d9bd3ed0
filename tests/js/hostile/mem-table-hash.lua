-- Memory bomb: a hash part that grows without end, with a fresh string key each time.
local t, i = {}, 0
while true do i = i + 1; t['key' .. i] = true end
