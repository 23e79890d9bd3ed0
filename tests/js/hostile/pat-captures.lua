-- Pattern bomb with captures and a frontier.
return string.match(string.rep('a', 10000), '%f[%a](.-)(.-)(.-)(.-)b')
