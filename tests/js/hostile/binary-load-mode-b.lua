-- Loads string.dump output with load(..., 'b') and load(..., 'bt').
local dump = string.dump(function() return 'pwned' end)
local f = load(dump, 'x', 'b') or load(dump, 'x', 'bt', {})
if f then return f() end
local _, err = load(dump, 'x', 'b')
error(err, 0)
