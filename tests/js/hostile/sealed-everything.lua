-- Calls every function reachable from _G (two levels deep) with a binary chunk,
-- in every argument position a loader might take, looking for any door that runs it.
local dump = string.dump(function() return 'pwned' end)
local skip = { [collectgarbage] = true, [coroutine.yield] = true, [coroutine.running] = true, [print] = true }
local seen, hits = {}, {}
local function try(name, f)
  if seen[f] or skip[f] then return end
  seen[f] = true
  for _, args in ipairs({ { dump }, { dump, 'x', 'b' }, { dump, 'x', 'bt' }, { 'x', dump }, { {}, dump } }) do
    local ok, r = pcall(f, table.unpack(args, 1, 3))
    if ok and type(r) == 'function' then
      local ok2, v = pcall(r)
      if ok2 and v == 'pwned' then hits[#hits + 1] = name end
    end
  end
end
for k, v in pairs(_G) do
  if type(v) == 'function' then try(k, v)
  elseif type(v) == 'table' and k ~= '_G' then
    for k2, v2 in pairs(v) do
      if type(v2) == 'function' then try(k .. '.' .. tostring(k2), v2) end
    end
  end
end
if #hits > 0 then return 'ESCAPED via ' .. table.concat(hits, ', ') end
error('sealed', 0)
