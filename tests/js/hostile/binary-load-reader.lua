-- Feeds string.dump output to load() one byte at a time through a reader function.
local dump = string.dump(function() return 'pwned' end)
local i = 0
local f, err = load(function()
  i = i + 1
  return dump:sub(i, i) ~= '' and dump:sub(i, i) or nil
end, '=reader', 'b')
if f then return f() end
error(err, 0)
