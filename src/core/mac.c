#include "core/mac.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "core/util.h"

static int
hexval(char c)
{
    return isdigit((unsigned char) c) ? c - '0'
                                      : tolower((unsigned char) c) - 'a' + 10;
}

int
mac_parse(const char *s, uint8_t mac[6])
{
    uint8_t out[6];
    char sep;

    if (strlen(s) != 17) {
        return -EINVAL;
    }
    sep = s[2];
    if (sep != ':' && sep != '-') {
        return -EINVAL;
    }
    for (int i = 0; i < 6; i++) {
        const char *p = s + i * 3;
        if (!isxdigit((unsigned char) p[0]) || !isxdigit((unsigned char) p[1])
            || (i < 5 && p[2] != sep)) {
            return -EINVAL;
        }
        out[i] = hexval(p[0]) << 4 | hexval(p[1]);
    }
    memcpy(mac, out, 6);
    return 0;
}

void
mac_format(const uint8_t mac[6], char buf[MAC_STRLEN])
{
    static const char hex[] = "0123456789abcdef";

    /* By hand, as uuid_generate(): one per port create. */
    for (int i = 0; i < 6; i++) {
        buf[i * 3] = hex[mac[i] >> 4];
        buf[i * 3 + 1] = hex[mac[i] & 0xf];
        buf[i * 3 + 2] = i < 5 ? ':' : '\0';
    }
}

void
mac_generate(const uint8_t base[6], int fixed, uint8_t mac[6])
{
    memcpy(mac, base, 6);
    random_bytes(mac + fixed, 6 - fixed);
}

bool
mac_is_zero(const uint8_t mac[6])
{
    static const uint8_t zero[6];

    return !memcmp(mac, zero, 6);
}

bool
mac_is_broadcast(const uint8_t mac[6])
{
    static const uint8_t all[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

    return !memcmp(mac, all, 6);
}
