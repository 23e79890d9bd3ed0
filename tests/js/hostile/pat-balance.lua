-- Pattern bomb: %b() over four million unbalanced parentheses (a long C loop per start).
return string.find(string.rep('(', 4e6), '%b()')
