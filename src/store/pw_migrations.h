/* pw_migrations.h - the schema of the whole store: every component's
 * migration, in the order they run.
 *
 * pw_store_open runs the store's own migrations; callers that need the
 * full schema (serve, db migrate, the admin verbs) then call
 * pw_migrations_run. A new component with tables adds its pw_X_migrate
 * at the end of the list in migrations.c, never in the middle: the order
 * is part of the schema's history.
 */
#ifndef PW_MIGRATIONS_H
#define PW_MIGRATIONS_H

#include "pw_err.h"

struct pw_store;

/* NULL-ended, in order */
extern pw_err (*const pw_migrations[])(struct pw_store *s, struct pw_error *e);

/* Run every migration in order; stops at the first error. */
pw_err pw_migrations_run(struct pw_store *s, struct pw_error *e);

#endif
