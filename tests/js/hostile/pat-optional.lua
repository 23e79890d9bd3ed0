-- Pattern bomb: exponential backtracking over 32 optional characters.
local n = 32
return string.find(string.rep('a', n), '^' .. string.rep('a?', n) .. string.rep('a', n) .. '$')
