-- An endless loop inside pcall, retried endlessly.
while true do
  pcall(function() while true do end end)
end
