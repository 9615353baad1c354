"""Where the SCIM service answers. Owned here so that the routes (wnwa.roster.scim_routes) and
the protocol server they load on the first request (wnwa.roster.scim) both read it without
importing each other."""

URL_PREFIX = "/scim/v2"
