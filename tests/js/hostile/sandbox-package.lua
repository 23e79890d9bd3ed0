-- Looks for package.loadlib in the 'sandbox' preset.
return package.loadlib('libc.so.6', 'puts')
