-- Runs a binary chunk file (written by the host) with dofile.
return dofile(BIN)
