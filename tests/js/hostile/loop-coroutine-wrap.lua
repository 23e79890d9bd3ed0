-- Endless loops inside coroutine.wrap, each failure caught and retried.
while true do
  pcall(coroutine.wrap(function() while true do end end))
end
