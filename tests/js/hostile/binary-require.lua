-- Requires a module whose .lua file holds a binary chunk.
return require('binmod')
