-- An xpcall message handler that loops for ever.
xpcall(function() error('x') end, function() while true do end end)
return 'escaped'
