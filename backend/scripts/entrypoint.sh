#!/bin/sh
# Container entrypoint: apply the database migrations, then exec the command (by default
# `gunicorn --config gunicorn.conf.py main:app`), so that the server replaces this shell as
# PID 1 and receives SIGTERM from `docker stop` / the platform directly.
#
#   RUN_MIGRATIONS=auto   (default) migrate before a server command (gunicorn, uvicorn)
#                         and not before anything else (sh, psql, python, alembic ...)
#   RUN_MIGRATIONS=1      always migrate first;   RUN_MIGRATIONS=0   never
#   MIGRATION_ATTEMPTS=5  tries of `alembic upgrade head`, 2 s apart, for a database that is
#                         still starting; the last failure stops the container.
#
# Gunicorn (the default command) runs the migrations itself, in its master process before
# the workers fork (MIGRATE_ON_START=1, read by gunicorn.conf.py): the container then starts
# one Python process instead of two. Any other server command gets `alembic upgrade head` here.
#
# Several containers may start at once: the Alembic environment serialises them with a
# PostgreSQL advisory lock, so each runs `upgrade head` and all but the first find nothing
# to do.
set -eu

cd /app

# `docker run IMAGE --workers 2`: options alone are passed to the default server command.
if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
    set -- gunicorn --config gunicorn.conf.py main:app "$@"
fi

migrate=${RUN_MIGRATIONS:-auto}
if [ "$migrate" = auto ]; then
    case "$(basename -- "$1")" in
        gunicorn | uvicorn) migrate=1 ;;
        *) migrate=0 ;;
    esac
fi

case "$migrate" in
    1 | true | yes)
        if [ "$(basename -- "$1")" = gunicorn ]; then
            # Gunicorn migrates in its master (gunicorn.conf.py, app/migrate.py), after the
            # app's imports and before forking: one Python start instead of two, and the
            # same tries and the same lock.
            export MIGRATE_ON_START=1
        else
            attempts=${MIGRATION_ATTEMPTS:-5}
            n=1
            until alembic upgrade head; do
                if [ "$n" -ge "$attempts" ]; then
                    echo "entrypoint: alembic upgrade head failed $n times; not starting" >&2
                    exit 1
                fi
                echo "entrypoint: alembic upgrade head failed (attempt $n/$attempts); retrying in 2 s" >&2
                n=$((n + 1))
                sleep 2
            done
        fi
        ;;
    0 | false | no) ;;
    *)
        echo "entrypoint: RUN_MIGRATIONS must be auto, 1 or 0 (got '$migrate')" >&2
        exit 2
        ;;
esac

exec "$@"
