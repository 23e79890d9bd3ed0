-- Pattern bombs caught by pcall and retried for ever.
while true do pcall(string.find, string.rep('a', 10000), '.-.-.-.-b') end
