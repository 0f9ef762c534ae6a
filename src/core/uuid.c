#include "core/uuid.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "core/sha1.h"
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

char *
uuid_dhcp_device_id(const char *host, const char *network_id)
{
    /* RFC 4122's DNS namespace, 6ba7b810-9dad-11d1-80b4-00c04fd430c8. */
    static const unsigned char ns[16] = {0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad,
                                         0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0,
                                         0x4f, 0xd4, 0x30, 0xc8};
    uint8_t md[SHA1_LEN];
    struct sha1 ctx;

    sha1_init(&ctx);
    sha1_update(&ctx, ns, sizeof ns);
    sha1_update(&ctx, host, strcspn(host, "."));
    sha1_final(&ctx, md);
    md[6] = (md[6] & 0x0f) | 0x50; /* Version 5. */
    md[8] = (md[8] & 0x3f) | 0x80; /* RFC 4122 variant. */
    return xasprintf("dhcp%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                     "%02x%02x%02x%02x%02x%02x-%s",
                     md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7],
                     md[8], md[9], md[10], md[11], md[12], md[13], md[14],
                     md[15], network_id);
}
