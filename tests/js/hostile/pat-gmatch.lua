-- Pattern bomb driven by gmatch.
for m in string.gmatch(string.rep('a', 10000), '.-.-.-b') do end
return 'escaped'
