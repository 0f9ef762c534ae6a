/* The change feed agents follow instead of a message bus
 * (docs/agent-protocol.md): GET /neutrino/v1/feed answers every change of
 * networks, subnets and ports after a revision, or a full snapshot when the
 * asker is too far behind, and holds the request open (a long poll) while
 * there is nothing new.
 *
 * Revisions come from the database's change log (store_feed_*), never from
 * process memory.  Waiting polls are answered from the event loop once a
 * batch commits (feed_notify()), another server sharing the database
 * commits (PostgreSQL's NOTIFY, heard on the store's connection), or
 * their timeout passes. */
#ifndef API_FEED_H
#define API_FEED_H 1

#include <systemd/sd-event.h>

#include "api/call.h"

struct feed;

/* 'event', 'store' and 'cfg' must outlive the feed. */
struct feed *feed_new(sd_event *event, struct store *store,
                      const struct server_config *cfg);
/* Answers the waiting polls with what they have (nothing new). */
void feed_free(struct feed *);

/* Serves GET /neutrino/v1/feed[?since=REV][&host=H][&timeout=MS]. */
void feed_handle(struct feed *, struct call *, struct http_response *);

/* After a batch of writes committed: answers the waiting polls that have
 * something new.  Must be called outside any transaction. */
void feed_notify(struct feed *);

/* Takes the notifications of other servers' commits that reached the
 * database connection (read while it served requests, or waiting on its
 * socket) and answers the polls they concern; reconnects a lost
 * connection.  Must be called outside any transaction; the feed calls it
 * itself when the connection's socket is readable. */
void feed_poll_database(struct feed *);

#endif /* api/feed.h */
