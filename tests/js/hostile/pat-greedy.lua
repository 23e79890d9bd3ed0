-- Pattern bomb: four greedy wildcards and a missing final character.
return string.find(string.rep('a', 5000), '.*.*.*.*x')
