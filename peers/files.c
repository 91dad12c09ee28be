/* Folders the drivers make for a peer's files. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "peers/peer.h"

bool peer_mkdirs(const char *dir, char *err, size_t errlen)
{
	char p[PATH_MAX];
	if (snprintf(p, sizeof(p), "%s", dir) >= (int)sizeof(p)) {
		snprintf(err, errlen, "directory %s: path too long", dir);
		return false;
	}
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "creating %s: %s", p, strerror(errno));
			return false;
		}
		*s = c;
		if (!c)
			return true;
	}
}
