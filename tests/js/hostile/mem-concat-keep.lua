-- Memory bomb: a concatenation loop that keeps every intermediate string alive.
local keep, s = {}, ''
for i = 1, math.huge do
  s = s .. i .. ','
  keep[#keep + 1] = s
end
