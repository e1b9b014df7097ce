/* store_internal.h - what store.c shares with the other front-end files of
 * src/store/ (sql.c): the backend behind a store handle. */
#ifndef PW_STORE_INTERNAL_H
#define PW_STORE_INTERNAL_H

#include "pw_store.h"
#include "pw_store_backend.h"

const struct pw_store_ops *pw_store_ops_of(struct pw_store *s);
void *pw_store_db_of(struct pw_store *s);

#endif
