/* The drivers the runner knows (peers/peer.h), by the name suite files
 * use. A new driver is a folder beside strongswan/ and a row here. */
#include <string.h>

#include "peers/libreswan/libreswan.h"
#include "peers/remote/remote.h"
#include "peers/self/self.h"
#include "peers/strongswan/strongswan.h"

static const struct peer_driver *const peer_drivers[] = {
	&strongswan_driver,
	&self_driver,
	&remote_driver,
	&libreswan_driver,
};

const struct peer_driver *peer_driver(const char *name)
{
	for (size_t i = 0; name && i < sizeof(peer_drivers) / sizeof(peer_drivers[0]); i++)
		if (strcmp(peer_drivers[i]->name, name) == 0)
			return peer_drivers[i];
	return NULL;
}

bool peer_driver_udp_only(const struct peer_driver *d)
{
	return d && d->udp_only && d->udp_only();
}
