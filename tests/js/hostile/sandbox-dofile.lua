-- Calls dofile on a binary chunk in the 'sandbox' preset.
return dofile(BIN)
