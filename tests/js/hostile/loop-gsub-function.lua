-- string.gsub with a replacement function that loops.
return string.gsub('aaaa', 'a', function() while true do end end)
