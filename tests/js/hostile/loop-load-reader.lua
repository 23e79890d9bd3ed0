-- load() with a reader that loops: load catches the error, and the script returns normally.
local f, err = load(function() while true do end end)
return 'survived', err
