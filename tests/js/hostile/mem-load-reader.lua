-- Memory bomb: load() of endlessly generated code fed by a reader function.
local n = 0
local f, err = load(function()
  n = n + 1
  return 'x = (x or 0) + ' .. n .. ' * 2 - 1\n'
end)
if f then return 'loaded?' end
error(err, 0)
