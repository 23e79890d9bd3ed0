-- Loads a binary chunk file (written by the host) with loadfile(path, 'b').
local f, err = loadfile(BIN, 'b')
if f then return f() end
error(err, 0)
