-- Memory bomb: string.rep with a separator, 200 MB of output.
return string.rep('ab', 5e7, ', ')
