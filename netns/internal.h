/* netns: helpers shared inside netns/ (internal). */
#ifndef IKEC_NETNS_INTERNAL_H
#define IKEC_NETNS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

/* "/run/netns/NAME" into path, checking the name. */
bool netns_path(const char *name, char *path, size_t len, char *err, size_t errlen);
/* An O_RDONLY|O_CLOEXEC descriptor of the named namespace. */
bool netns_open(const char *name, int *fd, char *err, size_t errlen);

#endif
