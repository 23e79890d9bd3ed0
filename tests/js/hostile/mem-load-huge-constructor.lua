-- Memory bomb: load() of a 3 MB table constructor.
local src = 'return {' .. string.rep('1,', 1.5e6) .. '}'
local f, err = load(src)
if not f then error(err, 0) end
return #f()
