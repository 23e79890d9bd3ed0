-- Loads string.dump output with load().
local f, err = load(string.dump(function() return 'pwned' end))
if f then return f() end
error(err, 0)
