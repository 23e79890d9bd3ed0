-- Pattern bomb: four lazy wildcards and a missing final character.
return string.find(string.rep('a', 10000), '.-.-.-.-b')
