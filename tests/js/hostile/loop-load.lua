-- An endless loop compiled at run time by load().
return load('while true do end')()
