# Writes the bytes of IN as the C array NAME (and NAME_len) into OUT: the web assets and
# openapi.json are built into the one binary.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n)
math(EXPR bytes "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
file(WRITE "${OUT}" "/* Generated from ${NAME_SRC} at build: do not edit. */\n#include <stddef.h>\nconst unsigned char ${NAME}[] = {${body}0};\nconst size_t ${NAME}_len = ${bytes};\n")
