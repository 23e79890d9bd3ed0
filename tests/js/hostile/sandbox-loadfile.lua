-- Calls loadfile on a binary chunk in the 'sandbox' preset.
return loadfile(BIN)
