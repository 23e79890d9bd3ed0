-- Endless loops inside coroutine.resume (which catches errors), retried endlessly.
while true do
  coroutine.resume(coroutine.create(function() while true do end end))
end
