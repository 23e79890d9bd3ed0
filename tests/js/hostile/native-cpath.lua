-- Points package.cpath at a directory holding evil.so and requires it.
package.cpath = TMP .. '/?.so;' .. TMP .. '/?/init.so'
return require('evil')
