-- string.gsub with a replacement function that catches the limit error and loops again.
return string.gsub(string.rep('a', 100), 'a', function()
  while true do pcall(function() while true do end end) end
end)
