#include "core/uuid.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "core/util.h"

void
uuid_generate(char buf[UUID_STRLEN])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t b[16];
    char *p = buf;

    random_bytes(b, sizeof b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    /* By hand: snprintf() with 16 conversions costs more than the rest of
     * a UUID's life. */
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            *p++ = '-';
        }
        *p++ = hex[b[i] >> 4];
        *p++ = hex[b[i] & 0xf];
    }
    *p = '\0';
}

bool
uuid_is_valid(const char *s)
{
    if (strlen(s) != 36) {
        return false;
    }
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isxdigit((unsigned char) s[i])) {
            return false;
        }
    }
    return true;
}
