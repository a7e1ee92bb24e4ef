/* The serve stage's users, sessions and login failures in the store (src/store/serve.c): a
 * session is stored only for an enabled user whose password hash is the one checked (a disable
 * or a new password during a login's check wins); disabling or a new password deletes the
 * user's sessions; sessions end by their own limits; login failures counted per key in windows
 * that the longest counting server decides, reserved before a check and released after a right
 * one; an old store's sessions table gains its limit columns in one step, keeping its rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crisk/store.h"
#include <sqlite3.h>

#include "store/internal.h" /* cr_store_scalar, cr__store_db */
#include "store_tmp.h"

static char path[64];

static cr_store *new_store(void)
{
    snprintf(path, sizeof path, "/tmp/crisk-users-XXXXXX");
    cr_store *s = tmp_store_open(path);
    assert_int_equal(cr_store_serve_ensure(s), CR_OK);
    return s;
}

static void drop_store(cr_store *s)
{
    cr_store_close(s);
    tmp_store_remove(path);
}

static int64_t scalar(cr_store *s, const char *sql)
{
    int64_t v = -1;
    assert_int_equal(cr_store_scalar(s, sql, &v), CR_OK);
    return v;
}

static int64_t add_user(cr_store *s, const char *name, const char *pwhash)
{
    struct cr_user_rec u = {0};
    snprintf(u.name, sizeof u.name, "%s", name);
    snprintf(u.role, sizeof u.role, "auditor");
    snprintf(u.pwhash, sizeof u.pwhash, "%s", pwhash);
    int64_t id = 0;
    assert_int_equal(cr_store_user_add(s, &u, 1000, &id), CR_OK);
    assert_true(id > 0);
    return id;
}

static int put(cr_store *s, unsigned char tag, int64_t user, const char *pwhash, int64_t now,
               int64_t idle, int64_t max)
{
    unsigned char id[32], csrf[32] = {0};
    memset(id, tag, sizeof id);
    int made = -1;
    assert_int_equal(cr_store_session_put(s, id, user, pwhash, csrf, now, idle, max, &made), CR_OK);
    return made;
}

static void session_needs_the_checked_password(void **state)
{
    (void)state;
    cr_store *s = new_store();
    int64_t u = add_user(s, "wang", "$argon2id$old");
    assert_int_equal(put(s, 1, u, "$argon2id$old", 2000, 60, 600), 1);
    /* a new password set while a login checked the old one: no session for that login */
    int found = 0;
    assert_int_equal(cr_store_user_set(s, "wang", -1, "$argon2id$new", &found), CR_OK);
    assert_int_equal(found, 1);
    assert_int_equal(scalar(s, "SELECT count(*) FROM app_session"), 0); /* passwd ends them */
    assert_int_equal(put(s, 2, u, "$argon2id$old", 2001, 60, 600), 0);
    assert_int_equal(put(s, 3, u, "$argon2id$new", 2002, 60, 600), 1);
    /* disabled: none, even with the right hash; enabled again: the old ones stay gone */
    assert_int_equal(cr_store_user_set(s, "wang", 1, NULL, &found), CR_OK);
    assert_int_equal(scalar(s, "SELECT count(*) FROM app_session"), 0);
    assert_int_equal(put(s, 4, u, "$argon2id$new", 2003, 60, 600), 0);
    assert_int_equal(cr_store_user_set(s, "wang", 0, NULL, &found), CR_OK);
    assert_int_equal(scalar(s, "SELECT count(*) FROM app_session"), 0);
    assert_int_equal(put(s, 5, u, "$argon2id$new", 2004, 60, 600), 1);
    assert_int_equal(cr_store_user_set(s, "nobody", 1, NULL, &found), CR_OK);
    assert_int_equal(found, 0);
    drop_store(s);
}

static void sessions_end_by_their_own_limits(void **state)
{
    (void)state;
    cr_store *s = new_store();
    int64_t u = add_user(s, "li", "h");
    assert_int_equal(put(s, 1, u, "h", 1000, 60, 600), 1);   /* idle ends 1060 */
    assert_int_equal(put(s, 2, u, "h", 1000, 3600, 100), 1); /* max ends 1100 */
    assert_int_equal(put(s, 3, u, "h", 1000, 3600, 7200), 1);
    /* a session of before the limit columns: judged by the longest allowed */
    assert_int_equal(sqlite3_exec(cr__store_db(s),
                                  "INSERT INTO app_session(idhash, user, csrf_hash, created,"
                                  " last_seen) VALUES(zeroblob(32), 1, zeroblob(32), 1000, 1000)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(cr_store_sessions_expire(s, 1059, 5000, 50000), CR_OK);
    assert_int_equal(scalar(s, "SELECT count(*) FROM app_session"), 4);
    assert_int_equal(cr_store_sessions_expire(s, 1060, 5000, 50000), CR_OK);
    assert_int_equal(scalar(s, "SELECT count(*) FROM app_session"), 3);
    assert_int_equal(cr_store_sessions_expire(s, 1100, 5000, 50000), CR_OK);
    assert_int_equal(scalar(s, "SELECT count(*) FROM app_session"), 2);
    assert_int_equal(cr_store_sessions_expire(s, 4599, 5000, 50000), CR_OK);
    assert_int_equal(scalar(s, "SELECT count(*) FROM app_session"), 2);
    assert_int_equal(cr_store_sessions_expire(s, 4600, 5000, 50000), CR_OK); /* idle 3600 */
    assert_int_equal(scalar(s, "SELECT count(*) FROM app_session"), 1);
    assert_int_equal(cr_store_sessions_expire(s, 6000, 5000, 50000), CR_OK); /* the old one */
    assert_int_equal(scalar(s, "SELECT count(*) FROM app_session"), 0);
    drop_store(s);
}

static int64_t last_retry; /* the seconds to wait of the last limited reserve */

static int reserve(cr_store *s, const char *name, int64_t now, int64_t window, int64_t limit_name)
{
    const char *keys[2] = {name, "a:127.0.0.1"};
    const int64_t limits[2] = {limit_name, 1000};
    int limited = -1;
    int64_t retry = -1;
    assert_int_equal(cr_store_login_reserve(s, keys, limits, now, window, &limited, &retry), CR_OK);
    if (limited)
        last_retry = retry;
    return limited;
}

static void login_failures_in_windows(void **state)
{
    (void)state;
    cr_store *s = new_store();
    /* three failures of a 900 s window: the fourth attempt is limited, nothing counted */
    for (int i = 0; i < 3; i++)
        assert_int_equal(reserve(s, "n:wang", 1000 + i, 900, 3), 0);
    assert_int_equal(reserve(s, "n:wang", 1003, 900, 3), 1);
    assert_int_equal(scalar(s, "SELECT failures FROM login_failure WHERE key = 'n:wang'"), 3);
    assert_int_equal(scalar(s, "SELECT failures FROM login_failure WHERE key = 'a:127.0.0.1'"), 3);
    assert_int_equal(last_retry, 1900 - 1003); /* until the window that limits ends */
    /* a server of a 5 s window later on: the 900 s count holds, and it says how long */
    assert_int_equal(reserve(s, "n:wang", 1010, 5, 3), 1);
    assert_int_equal(last_retry, 890);
    /* the window ends 900 s after the first failure */
    assert_int_equal(reserve(s, "n:wang", 1899, 900, 3), 1);
    assert_int_equal(reserve(s, "n:wang", 1900, 900, 3), 0);
    assert_int_equal(scalar(s, "SELECT failures FROM login_failure WHERE key = 'n:wang'"), 1);
    /* a short window opened first is lengthened by a longer server counting in it */
    assert_int_equal(reserve(s, "n:li", 3000, 5, 3), 0);
    assert_int_equal(reserve(s, "n:li", 3001, 900, 3), 0);
    assert_int_equal(scalar(s, "SELECT until FROM login_failure WHERE key = 'n:li'"), 3900);
    /* a right password: the name forgotten, the address's reserved attempt taken back */
    int64_t addr = scalar(s, "SELECT failures FROM login_failure WHERE key = 'a:127.0.0.1'");
    const char *keys[2] = {"n:li", "a:127.0.0.1"};
    assert_int_equal(cr_store_login_release(s, keys, 3002), CR_OK);
    assert_int_equal(scalar(s, "SELECT count(*) FROM login_failure WHERE key = 'n:li'"), 0);
    assert_int_equal(scalar(s, "SELECT failures FROM login_failure WHERE key = 'a:127.0.0.1'"),
                     addr - 1);
    /* ended windows are deleted by the next attempt */
    assert_int_equal(reserve(s, "n:zhao", 100000, 900, 3), 0);
    assert_int_equal(scalar(s, "SELECT count(*) FROM login_failure"), 2);
    drop_store(s);
}

static void old_sessions_table_gains_its_limits(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "/tmp/crisk-users-XXXXXX");
    cr_store *s = tmp_store_open(path);
    /* the sessions table as stores of session 8 have it, with a live session */
    assert_int_equal(sqlite3_exec(cr__store_db(s),
                                  "DROP TABLE IF EXISTS app_session;"
                                  "CREATE TABLE app_session(idhash BLOB PRIMARY KEY,"
                                  " user INTEGER NOT NULL, csrf_hash BLOB NOT NULL,"
                                  " created INTEGER NOT NULL, last_seen INTEGER NOT NULL)"
                                  " WITHOUT ROWID;"
                                  "INSERT INTO app_session VALUES(zeroblob(32), 1,"
                                  " zeroblob(32), 1000, 1000);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(cr_store_serve_ensure(s), CR_OK);
    assert_int_equal(cr_store_serve_ensure(s), CR_OK); /* twice: nothing more to do */
    assert_int_equal(scalar(s, "SELECT count(*) FROM pragma_table_info('app_session')"
                               " WHERE name IN ('idle_s', 'max_s')"),
                     2);
    unsigned char h[32] = {0};
    struct cr_session_rec rec;
    assert_int_equal(cr_store_session_get(s, h, &rec), CR_OK);
    assert_int_equal(rec.created, 1000);
    assert_int_equal(rec.idle_s, 0); /* no limits of its own: the server's settings judge it */
    assert_int_equal(rec.max_s, 0);
    drop_store(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(session_needs_the_checked_password),
        cmocka_unit_test(sessions_end_by_their_own_limits),
        cmocka_unit_test(login_failures_in_windows),
        cmocka_unit_test(old_sessions_table_gains_its_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
