-- Endless loop made of a goto.
::top:: goto top
