-- Tries to load native code with package.loadlib.
return package.loadlib('libc.so.6', 'puts')
