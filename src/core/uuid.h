/* UUIDs in their 36-character text form, as Neutron uses them for every
 * resource id. */
#ifndef CORE_UUID_H
#define CORE_UUID_H 1

#include <stdbool.h>

#define UUID_STRLEN 37

/* Writes a random (version 4) UUID in lower-case text form. */
void uuid_generate(char buf[UUID_STRLEN]);

/* True if 's' is 8-4-4-4-12 hex digits (either case), as neutron-lib's
 * uuid validator accepts. */
bool uuid_is_valid(const char *s);

#endif /* core/uuid.h */
