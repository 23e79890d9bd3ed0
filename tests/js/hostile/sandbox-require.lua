-- Calls require in the 'sandbox' preset.
return require('binmod')
