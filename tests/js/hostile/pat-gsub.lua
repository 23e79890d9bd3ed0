-- Pattern bomb driven by gsub.
return string.gsub(string.rep('a', 10000), '.-.-.-b', '')
