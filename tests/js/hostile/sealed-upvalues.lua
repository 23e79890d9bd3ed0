-- Looks for the original loaders behind the wrapped ones (no debug library in the presets).
return debug.getupvalue(load, 1)
